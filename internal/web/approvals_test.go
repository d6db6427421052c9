package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

// approvalsSite serves the Create pages over fakes with the workflow
// fixtures, to Jane or to who.
func approvalsSite(t *testing.T, who ...*auth.Identity) (*fakeScaffolder, http.Handler) {
	t.Helper()
	cat := createCatalog(t)
	sc := &fakeScaffolder{cat: cat}
	sampleTasks(sc)
	workflowFixtures(cat, sc)
	id := jane
	if len(who) > 0 {
		id = who[0]
	}
	return sc, as(id, createSite(t, cat, sc, nil))
}

func TestGoldenApprovals(t *testing.T) {
	tests := []struct {
		name, target string
		status       int
	}{
		{"approvals-pending", "/create/approvals", 200},
		{"approvals-decided", "/create/approvals?status=decided", 200},
		{"approvals-done", "/create/approvals?done=approve", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, h := approvalsSite(t)
			rec := send(t, h, http.MethodGet, tt.target, nil)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			compareGolden(t, tt.name, rec.Body.String())
		})
	}
}

func TestApprovalsQueryTheReader(t *testing.T) {
	sc, h := approvalsSite(t)
	send(t, h, http.MethodGet, "/create/approvals", nil)
	send(t, h, http.MethodGet, "/create/approvals?status=decided", nil)
	refs := []string{"user:default/jane.doe", "group:default/harbour", "group:default/engineering"}
	want := []scaffolder.ApprovalQuery{
		{Status: "pending", Actor: "user:default/jane.doe", Refs: refs, Limit: maxApprovals},
		{Status: "decided", Actor: "user:default/jane.doe", Refs: refs, Limit: maxApprovals},
	}
	if diff := cmp.Diff(want, sc.queries); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
	if rec := send(t, h, http.MethodGet, "/create/approvals?status=mine", nil); rec.Code != http.StatusBadRequest {
		t.Errorf("unknown status: %d", rec.Code)
	}
	// A service, which is no user, has no inbox.
	svc := &auth.Identity{Kind: auth.KindService, Subject: "ci"}
	_, h2 := approvalsSite(t, svc)
	if rec := send(t, h2, http.MethodGet, "/create/approvals", nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("service: %d", rec.Code)
	}
}

func TestApprovalDecide(t *testing.T) {
	sc, h := approvalsSite(t)
	form := url.Values{"taskId": {"t4"}, "stepId": {"approve"}, "decision": {"approve"}, "comment": {"  ship it  "}}
	rec := send(t, h, http.MethodPost, "/create/approvals", form, "Sec-Fetch-Site", "same-origin")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/create/approvals?done=approve" {
		t.Fatalf("decide: %d to %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	want := []scaffolder.Decision{{
		TaskID: "t4", StepID: "approve", Actor: "user:default/jane.doe",
		Refs:     []string{"user:default/jane.doe", "group:default/harbour", "group:default/engineering"},
		Decision: "approve", Comment: "ship it", Via: "ui",
	}}
	if diff := cmp.Diff(want, sc.decisions); diff != "" {
		t.Errorf("decisions (-want +got):\n%s", diff)
	}
	// Having voted, Jane sees her vote instead of the form.
	page := send(t, h, http.MethodGet, "/create/approvals?done=approve", nil).Body.String()
	for _, want := range []string{"Your approval is recorded.", "You voted: Approved.", "2 of 2 needed", "“ship it”"} {
		if !strings.Contains(page, want) {
			t.Errorf("page after the vote lacks %q", want)
		}
	}
	if strings.Contains(page, `name="decision"`) {
		t.Error("the form is still offered after the vote")
	}

	// A cross-site post is refused before it reaches the engine.
	if rec := send(t, h, http.MethodPost, "/create/approvals", form, "Sec-Fetch-Site", "cross-site"); rec.Code != http.StatusForbidden {
		t.Errorf("cross-site decision: %d", rec.Code)
	}
	if len(sc.decisions) != 1 {
		t.Errorf("%d decisions after the cross-site post", len(sc.decisions))
	}
}

func TestApprovalDecideRefused(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		form   url.Values
		status int
		// inline is the error shown beside the approval; page the one at
		// the top when the approval is not listed.
		inline, page string
		golden       string
	}{
		{
			name:   "not an approver",
			err:    problem.NotAllowed("user:default/jane.doe is not an approver of step approve"),
			form:   url.Values{"taskId": {"t4"}, "stepId": {"approve"}, "decision": {"approve"}, "comment": {"please"}},
			status: http.StatusForbidden,
			inline: "<strong>You cannot decide this approval.</strong> user:default/jane.doe is not an approver of step approve",
			golden: "approvals-refused",
		},
		{
			name:   "decided meanwhile",
			err:    problem.Conflict("The approval of step gate was decided already"),
			form:   url.Values{"taskId": {"t9"}, "stepId": {"gate"}, "decision": {"reject"}},
			status: http.StatusConflict,
			page:   "This approval was decided already: The approval of step gate was decided already",
		},
		{
			name:   "comment too long",
			form:   url.Values{"taskId": {"t4"}, "stepId": {"approve"}, "decision": {"approve"}, "comment": {strings.Repeat("x", maxDecisionComment+1)}},
			status: http.StatusBadRequest,
			inline: "The comment is longer than 2000 characters.",
		},
		{
			name:   "no approval named",
			form:   url.Values{"decision": {"approve"}},
			status: http.StatusBadRequest,
			page:   "The decision was not recorded: The form names no approval; open it again from the inbox.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, h := approvalsSite(t)
			sc.decideErr = tt.err
			rec := send(t, h, http.MethodPost, "/create/approvals", tt.form, "Sec-Fetch-Site", "same-origin")
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			body := rec.Body.String()
			if tt.inline != "" && !strings.Contains(body, `<div class="alert alert--error" role="alert" tabindex="-1" data-enhance="focus-on-load" id="approval-0-error">`+"\n        <p>") {
				t.Errorf("no error beside the approval:\n%s", body)
			}
			for _, want := range []string{tt.inline, tt.page} {
				if want != "" && !strings.Contains(body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if tt.golden != "" {
				compareGolden(t, tt.golden, body)
			}
		})
	}
}
