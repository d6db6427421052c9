package app

import (
	"context"
	"log/slog"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/httpapi"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/slack"
)

// slackAnnotation names a user's Slack member id on their User entity.
const slackAnnotation = "slack.com/user-id"

// slackParts are the Slack approvals: the notifier the scaffolder tells
// of approval requests, and the interactions endpoint's options. Both nil
// when scaffolder.slack is not configured.
type slackParts struct {
	notifier *slack.Notifier
	api      *httpapi.SlackOptions
}

// newSlack reads scaffolder.slack.
func newSlack(cfg *config.Config, log *slog.Logger, users catalogUsers) (*slackParts, error) {
	c, err := slack.FromConfig(cfg)
	if err != nil || c == nil {
		return &slackParts{}, err
	}
	p := &slackParts{}
	if c.WebhookURL != "" {
		if p.notifier, err = slack.New(slack.Options{WebhookURL: c.WebhookURL, BaseURL: cfg.Backend.BaseURL, Logger: log.With("component", "slack")}); err != nil {
			return nil, err
		}
	}
	if c.SigningSecret != "" {
		p.api = &httpapi.SlackOptions{SigningSecret: c.SigningSecret, Users: slackUsers{users}}
		if p.notifier != nil {
			p.api.Responder = p.notifier
		}
	}
	return p, nil
}

// slackUsers finds the Callboard user of a Slack member by the
// slack.com/user-id annotation on their User entity.
type slackUsers struct{ users catalogUsers }

var _ httpapi.SlackUsers = slackUsers{}

// Resolve returns the user's ref and ownership refs (the user and the
// groups they are a member of).
func (s slackUsers) Resolve(ctx context.Context, slackUserID string) (string, []string, error) {
	found, err := s.users.FindUsers(ctx, map[string]string{"kind": "user", "metadata.annotations." + slackAnnotation: slackUserID}, 2)
	if err != nil {
		return "", nil, err
	}
	switch len(found) {
	case 0:
		return "", nil, problem.NotFound("No Callboard user has the Slack id %s (annotation %s)", slackUserID, slackAnnotation)
	case 1:
	default:
		return "", nil, problem.Conflict("More than one Callboard user has the Slack id %s", slackUserID)
	}
	u := found[0]
	ref := u.Ref().String()
	refs := []string{ref}
	for _, r := range u.Relations {
		if r.Type == entity.RelationMemberOf {
			refs = append(refs, r.TargetRef)
		}
	}
	return ref, refs, nil
}
