package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/slack"
)

// slackInteractionsPath receives Slack's button presses; Slack's
// signature authenticates it, so it is public.
const slackInteractionsPath = scaffolderMount + "/v2/slack/interactions"

// maxSlackBytes bounds an interaction's body; Slack's are a few KiB.
const maxSlackBytes = 256 << 10

// SlackUsers maps a Slack user to a Callboard user: the catalog User
// entity whose slack.com/user-id annotation is the Slack user's id. It
// returns the user's ref and ownership refs (the user and its groups), or
// a NotFoundError when no user has that id.
type SlackUsers interface {
	Resolve(ctx context.Context, slackUserID string) (userRef string, refs []string, err error)
}

// SlackResponder posts an answer to an interaction's response_url, which
// is how Slack updates the message whose button was pressed;
// *slack.Notifier implements it.
type SlackResponder interface {
	Respond(ctx context.Context, responseURL string, msg slack.Message) error
}

var _ SlackResponder = (*slack.Notifier)(nil)

// SlackOptions configure POST /api/scaffolder/v2/slack/interactions.
type SlackOptions struct {
	// SigningSecret is scaffolder.slack.signingSecret; required.
	SigningSecret string
	Users         SlackUsers
	// Responder, when set, also sends each answer to the interaction's
	// response_url; nil answers in the HTTP response only.
	Responder SlackResponder
	// Now is the clock for the replay window; nil means time.Now.
	Now func() time.Time
}

// slackRoutes are the Slack endpoints.
func (s *server) slackRoutes() []route {
	return []route{
		{"POST " + slackInteractionsPath, s.withScaffolder(s.withSlack(s.slackInteraction))},
	}
}

// withSlack answers a plain 404 when Slack is not configured.
func (s *server) withSlack(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.slack == nil || s.slack.SigningSecret == "" || s.slack.Users == nil {
			w.WriteHeader(http.StatusNotFound)
			return nil
		}
		return h(w, r)
	}
}

// slackInteraction is POST /v2/slack/interactions: an approver pressed
// Approve or Reject on an approval request. The request must carry
// Slack's signature of its body, made less than 5 minutes ago. The answer
// replaces the original message once the approval is decided; a refusal
// is shown to the presser alone.
func (s *server) slackInteraction(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSlackBytes+1))
	if err != nil {
		return fmt.Errorf("read slack interaction: %w", err)
	}
	if len(body) > maxSlackBytes {
		return errTooLarge
	}
	now := time.Now
	if s.slack.Now != nil {
		now = s.slack.Now
	}
	if err := slack.Verify(s.slack.SigningSecret, r.Header, body, now()); err != nil {
		return problem.Unauthenticated("%s", err.Error())
	}
	in, err := slack.ParseInteraction(body)
	if err != nil {
		return problem.Input("%s", err.Error())
	}
	decision, target, err := in.Decision()
	if err != nil {
		return problem.Input("%s", err.Error())
	}
	userRef, refs, err := s.slack.Users.Resolve(r.Context(), in.User.ID)
	if problem.Is(err, problem.NotFoundError) || err == nil && userRef == "" {
		return s.slackAnswer(w, r, in, ephemeral("Your Slack account is not linked to a Callboard user (annotation slack.com/user-id)."))
	}
	if err != nil {
		return fmt.Errorf("resolve slack user: %w", err)
	}
	a, err := s.scaffolder.Decide(r.Context(), scaffolder.Decision{
		TaskID: target.TaskID, StepID: target.StepID, Iteration: target.Iteration,
		Actor: userRef, Refs: refs, Decision: decision, Via: "slack",
	})
	if p, ok := problem.As(err); ok {
		return s.slackAnswer(w, r, in, ephemeral(refusalText(p)))
	}
	if err != nil {
		return err
	}
	return s.slackAnswer(w, r, in, decidedMessage(a, decision, in.User.DisplayName()))
}

// slackAnswer answers the interaction in the response and, when a
// responder is configured, at its response_url too (Slack ignores the
// response body of block actions in some clients).
func (s *server) slackAnswer(w http.ResponseWriter, r *http.Request, in *slack.Interaction, msg slack.Message) error {
	if s.slack.Responder != nil && in.ResponseURL != "" {
		if err := s.slack.Responder.Respond(r.Context(), in.ResponseURL, msg); err != nil {
			s.log.WarnContext(r.Context(), "slack response_url refused", "error", err)
		}
	}
	return writeJSON(w, http.StatusOK, msg)
}

// ephemeral is an answer only the presser sees, leaving the request as it
// was.
func ephemeral(text string) slack.Message {
	return slack.Message{Text: text, ResponseType: "ephemeral"}
}

// refusalText says why a decision was refused.
func refusalText(p *problem.Error) string {
	switch p.Name {
	case problem.NotAllowedError:
		return "You may not decide this approval: " + p.Message
	case problem.ConflictError:
		return "Nothing to do: " + p.Message
	case problem.NotFoundError:
		return "This approval no longer exists: " + p.Message
	}
	return "Your decision was not recorded: " + p.Message
}

// decidedMessage is the answer to a recorded vote: it replaces the
// request once the approval is decided, and is the voter's alone while
// more votes are needed.
func decidedMessage(a *scaffolder.Approval, decision, who string) slack.Message {
	verb := "Approved"
	if decision == scaffolder.DecisionReject {
		verb = "Rejected"
	}
	if a.Status != "decided" {
		approvals := 0
		for _, v := range a.Votes {
			if v.Decision == scaffolder.DecisionApprove {
				approvals++
			}
		}
		return ephemeral(fmt.Sprintf("%s by %s: %d of %d approvals so far.", verb, who, approvals, a.MinApprovals))
	}
	if a.Decision == scaffolder.DecisionReject {
		verb = "Rejected"
	}
	return slack.Message{Text: verb + " by " + who, ReplaceOriginal: true}
}
