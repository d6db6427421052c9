package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/plugin"
)

// scaffolderMount is where the scaffolder plugin's routes live.
const scaffolderMount = "/api/scaffolder"

// Scaffolder is the scaffolder engine the API serves; *scaffolder.Engine
// implements it.
type Scaffolder interface {
	Actions() []plugin.ActionInfo
	ParameterSchema(ctx context.Context, ref string) (*scaffolder.ParameterSchema, error)
	Create(ctx context.Context, req scaffolder.CreateRequest) (string, error)
	Tasks(ctx context.Context, q scaffolder.TaskQuery) ([]scaffolder.Task, int, error)
	Task(ctx context.Context, id string) (*scaffolder.Task, error)
	Cancel(ctx context.Context, id string) error
	Retry(ctx context.Context, id string, secrets map[string]string) error
	WaitEvents(ctx context.Context, id string, after int64, timeout time.Duration) ([]scaffolder.Event, error)
	Subscribe(ctx context.Context, id string, after int64, send func(scaffolder.Event) error) error
	DryRun(ctx context.Context, req scaffolder.DryRunRequest) (*scaffolder.DryRunResult, error)
	TemplatingExtensions() scaffolder.Extensions
	Template(ctx context.Context, ref string) (*scaffolder.Template, error)
	Approvals(ctx context.Context, q scaffolder.ApprovalQuery) ([]scaffolder.Approval, error)
	Decide(ctx context.Context, d scaffolder.Decision) (*scaffolder.Approval, error)
	Callback(ctx context.Context, token string, payload map[string]any) error
	Replay(ctx context.Context, r scaffolder.ReplayRequest) error
	TaskGraph(ctx context.Context, id string) (*scaffolder.Graph, error)
	StepHistory(ctx context.Context, id string) ([]scaffolder.StepState, error)
}

var _ Scaffolder = (*scaffolder.Engine)(nil)

// scaffolderRoutes are the scaffolder's routes, as Backstage's
// /api/scaffolder/v2 serves them.
func (s *server) scaffolderRoutes() []route {
	const v2 = scaffolderMount + "/v2"
	rs := []route{
		{"GET " + v2 + "/templates/{namespace}/{kind}/{name}/parameter-schema", s.withScaffolder(s.parameterSchema)},
		{"GET " + v2 + "/actions", s.withScaffolder(s.listActions)},
		{"POST " + v2 + "/tasks", s.withScaffolder(s.createTask)},
		{"GET " + v2 + "/tasks", s.withScaffolder(s.listTasks)},
		{"GET " + v2 + "/tasks/{taskId}", s.withScaffolder(s.getTask)},
		{"POST " + v2 + "/tasks/{taskId}/cancel", s.withScaffolder(s.cancelTask)},
		{"POST " + v2 + "/tasks/{taskId}/retry", s.withScaffolder(s.retryTask)},
		{"GET " + v2 + "/tasks/{taskId}/eventstream", s.withScaffolder(s.taskEventStream)},
		{"GET " + v2 + "/tasks/{taskId}/events", s.withScaffolder(s.taskEvents)},
		{"POST " + v2 + "/dry-run", s.withScaffolder(s.dryRun)},
		{"POST " + v2 + "/autocomplete/{provider}/{resource}", s.withScaffolder(s.autocomplete)},
		{"GET " + v2 + "/templating-extensions", s.withScaffolder(s.templatingExtensions)},
	}
	rs = append(rs, s.workflowRoutes()...)
	return append(rs, s.slackRoutes()...)
}

// withScaffolder answers a plain 404, as for an unknown route, when the
// API runs without a scaffolder.
func (s *server) withScaffolder(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.scaffolder == nil {
			w.WriteHeader(http.StatusNotFound)
			return nil
		}
		return h(w, r)
	}
}

// tooManyTasks answers a task over the creation rate limit.
func tooManyTasks(w http.ResponseWriter, rl *scaffolder.RateLimitError) error {
	w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Seconds())))
	return &statusError{status: http.StatusTooManyRequests, name: "TooManyRequestsError", message: rl.Error()}
}

// scaffolderError maps the scaffolder's own error types; others pass.
func scaffolderError(w http.ResponseWriter, err error) error {
	var ve *scaffolder.ValuesError
	if errors.As(err, &ve) {
		return writeJSON(w, http.StatusBadRequest, map[string]any{"errors": ve.Errors})
	}
	var rl *scaffolder.RateLimitError
	if errors.As(err, &rl) {
		return tooManyTasks(w, rl)
	}
	return err
}

// parameterSchema is GET /v2/templates/{namespace}/{kind}/{name}/parameter-schema.
func (s *server) parameterSchema(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("kind") + ":" + r.PathValue("namespace") + "/" + r.PathValue("name")
	ps, err := s.scaffolder.ParameterSchema(r.Context(), ref)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ps)
}

// wireAction is one entry of GET /v2/actions.
type wireAction struct {
	ID          string          `json:"id"`
	Description string          `json:"description,omitempty"`
	Examples    []wireExample   `json:"examples,omitempty"`
	Schema      wireSchemaInOut `json:"schema"`
}

type wireExample struct {
	Description string `json:"description"`
	Example     string `json:"example"`
}

type wireSchemaInOut struct {
	Input  map[string]any `json:"input,omitempty"`
	Output map[string]any `json:"output,omitempty"`
}

// listActions is GET /v2/actions: every action with its schemas, by id.
func (s *server) listActions(w http.ResponseWriter, r *http.Request) error {
	out := []wireAction{}
	for _, a := range s.scaffolder.Actions() {
		wa := wireAction{ID: a.ID, Description: a.Description, Schema: wireSchemaInOut{Input: a.Input, Output: a.Output}}
		for _, ex := range a.Examples {
			wa.Examples = append(wa.Examples, wireExample{Description: ex.Description, Example: ex.Example})
		}
		out = append(out, wa)
	}
	return writeJSON(w, http.StatusOK, out)
}

// templatingExtensions is GET /v2/templating-extensions.
func (s *server) templatingExtensions(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, s.scaffolder.TemplatingExtensions())
}

// autocomplete is POST /v2/autocomplete/{provider}/{resource}. No
// autocomplete provider is installed, so every provider is unsupported.
func (s *server) autocomplete(w http.ResponseWriter, r *http.Request) error {
	b, members, err := readJSONObject(r, bodyOptional)
	if err != nil {
		return err
	}
	var body struct {
		Token   string            `json:"token"`
		Context map[string]string `json:"context"`
	}
	if err := decodeBody(b, members, &body, false); err != nil {
		return err
	}
	if body.Token == "" {
		return problem.Input("Missing token query parameter")
	}
	return problem.Input("Unsupported provider: %s", r.PathValue("provider"))
}

// caller names who is calling, for task records and rate limits: the
// user ref for users and guests, the subject for services.
func caller(ctx context.Context) (userRef, principal string) {
	id, ok := auth.IdentityFrom(ctx)
	if !ok {
		return "", ""
	}
	if id.Kind == auth.KindService {
		return "", id.Principal()
	}
	return id.UserEntityRef, id.UserEntityRef
}
