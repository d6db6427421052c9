package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

// maxCallbackBytes bounds a callback's body.
const maxCallbackBytes = 1 << 20

// callbacksPath is where wait:callback steps are resolved; the signed
// token in the last segment is the credential, so it is public.
const callbacksPath = scaffolderMount + "/v2/callbacks/"

// PublicPrefixes are the API's paths open without signing in: callbacks
// (the token is the credential) and Slack interactions (Slack's
// signature is). Sign-in must let them through (auth.Options.PublicPrefixes).
func PublicPrefixes() []string {
	return []string{callbacksPath, slackInteractionsPath}
}

// workflowRoutes are the routes of durable workflows: approvals, replay,
// callbacks, graphs and step history.
func (s *server) workflowRoutes() []route {
	const v2 = scaffolderMount + "/v2"
	return []route{
		{"GET " + v2 + "/approvals", s.withScaffolder(s.listApprovals)},
		{"POST " + v2 + "/tasks/{taskId}/steps/{stepId}/decision", s.withScaffolder(s.decideApproval)},
		{"POST " + v2 + "/tasks/{taskId}/replay", s.withScaffolder(s.replayTask)},
		{"POST " + v2 + "/callbacks/{token}", s.withScaffolder(s.callback)},
		{"GET " + v2 + "/tasks/{taskId}/graph", s.withScaffolder(s.taskGraph)},
		{"GET " + v2 + "/tasks/{taskId}/history", s.withScaffolder(s.taskHistory)},
		{"GET " + v2 + "/templates/{namespace}/{kind}/{name}/graph", s.withScaffolder(s.templateGraph)},
	}
}

// approvalQuery reads GET /v2/approvals' parameters.
func approvalQuery(r *http.Request) (scaffolder.ApprovalQuery, error) {
	q := r.URL.Query()
	var aq scaffolder.ApprovalQuery
	status, _, err := stringParam(q, "status")
	if err != nil {
		return aq, err
	}
	switch status {
	case "", "pending", "decided":
		aq.Status = status
	default:
		return aq, problem.Input("Invalid status %q, expected pending or decided", status)
	}
	limit, err := intParam(q, "limit")
	if err != nil {
		return aq, err
	}
	if limit != nil {
		if *limit < 0 {
			return aq, problem.Input("Invalid limit, must not be negative")
		}
		aq.Limit = *limit
	}
	return aq, nil
}

// listApprovals is GET /v2/approvals: pending approvals naming the caller
// (or one of their groups) as approver, or the ones they voted on. A
// caller refused scaffolder.task.read sees none.
func (s *server) listApprovals(w http.ResponseWriter, r *http.Request) error {
	aq, err := approvalQuery(r)
	if err != nil {
		return err
	}
	ok, err := s.allow(r, permission.ScaffolderTaskRead, r.URL.Path)
	if err != nil {
		return err
	}
	items := []scaffolder.Approval{}
	if ok {
		aq.Actor, aq.Refs = userRefs(r)
		if aq.Actor != "" {
			got, err := s.scaffolder.Approvals(r.Context(), aq)
			if err != nil {
				return err
			}
			items = append(items, got...)
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// userRefs returns the calling user's ref and ownership refs; "" for a
// service, which cannot approve anything.
func userRefs(r *http.Request) (string, []string) {
	id, ok := auth.IdentityFrom(r.Context())
	if !ok || id.Kind == auth.KindService || id.UserEntityRef == "" {
		return "", nil
	}
	refs := id.OwnershipEntityRefs
	if !slices.Contains(refs, id.UserEntityRef) {
		refs = append([]string{id.UserEntityRef}, refs...)
	}
	return id.UserEntityRef, refs
}

// decideApproval is POST /v2/tasks/{taskId}/steps/{stepId}/decision. The
// engine decides whether the caller may decide and records every decision
// and refusal in the audit log.
func (s *server) decideApproval(w http.ResponseWriter, r *http.Request) error {
	taskID, stepID := r.PathValue("taskId"), r.PathValue("stepId")
	b, members, err := readJSONObject(r, bodyRequired)
	if err != nil {
		return err
	}
	var body struct {
		Decision  string `json:"decision"`
		Comment   string `json:"comment"`
		Iteration string `json:"iteration"`
	}
	if err := decodeBody(b, members, &body, true, "decision"); err != nil {
		return err
	}
	if body.Decision != scaffolder.DecisionApprove && body.Decision != scaffolder.DecisionReject {
		return problem.Input("Invalid decision %q, expected approve or reject", body.Decision)
	}
	if err := s.require(r, permission.ScaffolderTaskRead, "task:"+taskID); err != nil {
		return err
	}
	// A service has no user ref: the engine refuses it, and records the
	// refusal.
	actor, refs := userRefs(r)
	a, err := s.scaffolder.Decide(r.Context(), scaffolder.Decision{
		TaskID: taskID, StepID: stepID, Iteration: body.Iteration,
		Actor: actor, Refs: refs,
		Decision: body.Decision, Comment: body.Comment, Via: "api",
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

// replayTask is POST /v2/tasks/{taskId}/replay: the ended task runs again
// from fromStep, or from the steps that failed. It needs the retry
// route's permission.
func (s *server) replayTask(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("taskId")
	b, members, err := readJSONObject(r, bodyOptional)
	if err != nil {
		return err
	}
	var body struct {
		FromStep string            `json:"fromStep"`
		Secrets  map[string]string `json:"secrets"`
	}
	if err := decodeBody(b, members, &body, true); err != nil {
		return err
	}
	if err := s.require(r, permission.ScaffolderTaskCreate, "task:"+id); err != nil {
		return err
	}
	_, principal := caller(r.Context())
	err = s.scaffolder.Replay(r.Context(), scaffolder.ReplayRequest{TaskID: id, FromStep: body.FromStep, Actor: principal, Secrets: body.Secrets})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

// callback is POST /v2/callbacks/{token}: an outside system resolves a
// wait:callback step. The token is the credential; the body, a JSON
// object of at most 1 MiB, becomes the step's payload.
func (s *server) callback(w http.ResponseWriter, r *http.Request) error {
	var raw []byte
	if r.Body != nil {
		var err error
		raw, err = io.ReadAll(io.LimitReader(r.Body, maxCallbackBytes+1))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return problem.Input("Callback body is larger than 1 MiB")
			}
			return err
		}
	}
	if len(raw) > maxCallbackBytes {
		return problem.Input("Callback body is larger than 1 MiB")
	}
	var payload map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&payload); err != nil || payload == nil || dec.More() {
		return problem.Input("Callback body must be a JSON object")
	}
	if err := s.scaffolder.Callback(r.Context(), r.PathValue("token"), payload); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// taskGraph is GET /v2/tasks/{taskId}/graph.
func (s *server) taskGraph(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("taskId")
	if err := s.require(r, permission.ScaffolderTaskRead, "task:"+id); err != nil {
		return err
	}
	g, err := s.scaffolder.TaskGraph(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

// wireStepState is one ended attempt of a step.
type wireStepState struct {
	StepID    string            `json:"stepId"`
	Attempt   int               `json:"attempt"`
	Status    scaffolder.Status `json:"status"`
	Output    map[string]any    `json:"output,omitempty"`
	Error     string            `json:"error,omitempty"`
	StartedAt *time.Time        `json:"startedAt,omitempty"`
	EndedAt   *time.Time        `json:"endedAt,omitempty"`
}

// optTime is nil for the zero time.
func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// taskHistory is GET /v2/tasks/{taskId}/history: every ended attempt of
// every step.
func (s *server) taskHistory(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("taskId")
	if err := s.require(r, permission.ScaffolderTaskRead, "task:"+id); err != nil {
		return err
	}
	states, err := s.scaffolder.StepHistory(r.Context(), id)
	if err != nil {
		return err
	}
	items := make([]wireStepState, 0, len(states))
	for _, st := range states {
		items = append(items, wireStepState{
			StepID: st.StepID, Attempt: st.Attempt, Status: st.Status, Output: st.Output, Error: st.Error,
			StartedAt: optTime(st.StartedAt), EndedAt: optTime(st.EndedAt),
		})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// templateGraph is GET /v2/templates/{namespace}/{kind}/{name}/graph: a
// template's steps and their edges before anything runs.
func (s *server) templateGraph(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("kind") + ":" + r.PathValue("namespace") + "/" + r.PathValue("name")
	if err := s.require(r, permission.ScaffolderTemplateStepRead, ref); err != nil {
		return err
	}
	t, err := s.scaffolder.Template(r.Context(), ref)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, scaffolder.TemplateGraph(t))
}
