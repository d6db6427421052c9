package httpapi

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/slack"
)

// fakeSlackUsers knows one linked Slack user.
type fakeSlackUsers struct{}

func (fakeSlackUsers) Resolve(_ context.Context, id string) (string, []string, error) {
	if id == "U-ADA" {
		return "user:default/ada", []string{"user:default/ada", "group:default/platform"}, nil
	}
	return "", nil, problem.NotFound("no user with slack.com/user-id %s", id)
}

// fakeResponder keeps the answers sent to response_url.
type fakeResponder struct {
	mu   sync.Mutex
	sent []string
}

func (r *fakeResponder) Respond(_ context.Context, u string, m slack.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, u+" "+m.Text)
	return nil
}

const slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// slackRequest is a signed (with key) interaction pressing action on
// task t1's step gate as Slack user user, sent at ts.
func slackRequest(user, action, key string, ts time.Time) (body string, hdr []string) {
	payload := `{"type":"block_actions","user":{"id":"` + user + `","name":"ada"},"response_url":"https://hooks.slack.com/actions/T/1/x",` +
		`"actions":[{"action_id":"` + action + `","value":"{\"taskId\":\"t1\",\"stepId\":\"gate\"}"}]}`
	body = url.Values{"payload": {payload}}.Encode()
	stamp := strconv.FormatInt(ts.Unix(), 10)
	return body, []string{"Content-Type", "application/x-www-form-urlencoded",
		"X-Slack-Request-Timestamp", stamp, "X-Slack-Signature", slack.Sign(key, stamp, []byte(body))}
}

func TestSlackInteractions(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	responder := &fakeResponder{}
	f := newWorkflowFixture(t, &SlackOptions{SigningSecret: slackSecret, Users: fakeSlackUsers{}, Responder: responder, Now: func() time.Time { return now }})
	path := wf + "/slack/interactions"
	decided := &scaffolder.Approval{ID: "w1", ApprovalRequest: scaffolder.ApprovalRequest{TaskID: "t1", StepID: "gate", MinApprovals: 1},
		Status: "decided", Decision: "approve", Votes: []scaffolder.Vote{{Actor: "user:default/ada", Decision: "approve", Via: "slack"}}}

	// A signed press, without any sign-in: the vote is the linked user's.
	f.fake.approval = decided
	body, hdr := slackRequest("U-ADA", slack.ActionApprove, slackSecret, now.Add(-time.Minute))
	res, calls, _ := f.call(t, "", "POST", path, body, nil, hdr...)
	if got := strings.TrimSpace(string(res.body)); res.status != 200 || got != `{"text":"Approved by ada","replace_original":true}` {
		t.Fatalf("approve: %d %s", res.status, got)
	}
	want := scaffolder.Decision{TaskID: "t1", StepID: "gate", Actor: "user:default/ada", Refs: []string{"user:default/ada", "group:default/platform"}, Decision: "approve", Via: "slack"}
	if diff := cmp.Diff(want, f.fake.decision); diff != "" || len(calls) != 1 {
		t.Errorf("decision (-want +got):\n%s calls %v", diff, calls)
	}
	if !cmp.Equal(responder.sent, []string{"https://hooks.slack.com/actions/T/1/x Approved by ada"}) {
		t.Errorf("response_url got %v", responder.sent)
	}

	// More votes needed: only the voter hears of it.
	f.fake.approval = &scaffolder.Approval{ApprovalRequest: scaffolder.ApprovalRequest{MinApprovals: 2}, Status: "pending",
		Votes: []scaffolder.Vote{{Decision: "approve"}}}
	res, _, _ = f.call(t, "", "POST", path, body, nil, hdr...)
	if got := strings.TrimSpace(string(res.body)); got != `{"text":"Approved by ada: 1 of 2 approvals so far.","response_type":"ephemeral"}` {
		t.Errorf("pending: %s", got)
	}

	// A rejection that decides.
	f.fake.approval = &scaffolder.Approval{Status: "decided", Decision: "reject"}
	body, hdr = slackRequest("U-ADA", slack.ActionReject, slackSecret, now)
	res, _, _ = f.call(t, "", "POST", path, body, nil, hdr...)
	if got := strings.TrimSpace(string(res.body)); got != `{"text":"Rejected by ada","replace_original":true}` || f.fake.decision.Decision != "reject" {
		t.Errorf("reject: %s", got)
	}

	// Refusals are ephemeral answers; the engine saw the refused decision.
	refusals := f.fake.refusals
	for _, tc := range []struct {
		name, user string
		err        error
		text       string
		reached    bool
	}{
		{"not an approver", "U-ADA", problem.NotAllowed("user:default/ada is not an approver"), "You may not decide this approval: user:default/ada is not an approver", true},
		{"voted before", "U-ADA", problem.Conflict("user:default/ada voted already"), "Nothing to do: user:default/ada voted already", true},
		{"unlinked", "U-NOBODY", nil, "Your Slack account is not linked to a Callboard user (annotation slack.com/user-id).", false},
	} {
		body, hdr := slackRequest(tc.user, slack.ActionApprove, slackSecret, now)
		res, calls, _ := f.call(t, "", "POST", path, body, tc.err, hdr...)
		want := `{"text":"` + tc.text + `","response_type":"ephemeral"}`
		if got := strings.TrimSpace(string(res.body)); res.status != 200 || got != want {
			t.Errorf("%s: %d %s", tc.name, res.status, got)
		}
		if (len(calls) == 1) != tc.reached {
			t.Errorf("%s: calls %v", tc.name, calls)
		}
	}
	if f.fake.refusals != refusals+1 {
		t.Errorf("the engine saw %d refusals, want 1", f.fake.refusals-refusals)
	}

	// Badly signed, stale, unsigned or malformed requests never reach the
	// engine.
	good, goodHdr := slackRequest("U-ADA", slack.ActionApprove, slackSecret, now)
	for _, tc := range []struct {
		name   string
		body   string
		hdr    []string
		status int
		errMsg string
	}{
		{"other secret", good, func() []string { _, h := slackRequest("U-ADA", slack.ActionApprove, "wrong", now); return h }(), 401, "slack request signature does not match"},
		{"stale", good, func() []string {
			_, h := slackRequest("U-ADA", slack.ActionApprove, slackSecret, now.Add(-6*time.Minute))
			return h
		}(), 401, ""},
		{"tampered body", strings.Replace(good, "callboard_approve", "callboard_reject", 1), goodHdr, 401, ""},
		{"unsigned", good, []string{"Content-Type", "application/x-www-form-urlencoded"}, 401, "slack request is not signed"},
	} {
		res, calls, _ := f.call(t, "", "POST", path, tc.body, nil, tc.hdr...)
		if res.status != tc.status || len(calls) != 0 || tc.errMsg != "" && !strings.Contains(string(res.body), tc.errMsg) {
			t.Errorf("%s: %d %s calls %v", tc.name, res.status, res.body, calls)
		}
	}
	// Stale but otherwise valid: the replay window is the only reason.
	_, staleHdr := slackRequest("U-ADA", slack.ActionApprove, slackSecret, now.Add(-6*time.Minute))
	staleBody, _ := slackRequest("U-ADA", slack.ActionApprove, slackSecret, now.Add(-6*time.Minute))
	res, _, _ = f.call(t, "", "POST", path, staleBody, nil, staleHdr...)
	wantError(t, res, 401, "AuthenticationError", "slack request timestamp is more than 5 minutes from now")

	// Signed but not a block action.
	stamp := strconv.FormatInt(now.Unix(), 10)
	bad := url.Values{"payload": {`{"type":"shortcut","user":{"id":"U-ADA"}}`}}.Encode()
	res, calls, _ = f.call(t, "", "POST", path, bad, nil, "Content-Type", "application/x-www-form-urlencoded",
		"X-Slack-Request-Timestamp", stamp, "X-Slack-Signature", slack.Sign(slackSecret, stamp, []byte(bad)))
	if res.status != 400 || len(calls) != 0 {
		t.Errorf("shortcut: %d %s", res.status, res.body)
	}
}

func TestSlackInteractionsUnconfigured(t *testing.T) {
	f := newWorkflowFixture(t, nil)
	body, hdr := slackRequest("U-ADA", slack.ActionApprove, slackSecret, time.Now())
	res, calls, _ := f.call(t, "", "POST", wf+"/slack/interactions", body, nil, hdr...)
	if res.status != 404 || len(res.body) != 0 || len(calls) != 0 {
		t.Errorf("unconfigured: %d %s", res.status, res.body)
	}
	// The fixture wants one validated answer.
	f.call(t, "allowed", "GET", wf+"/approvals", "", nil)
}
