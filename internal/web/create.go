package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/callboard/callboard/internal/scaffolder"
)

// Scaffolder is what the Create pages ask of the scaffolder;
// *scaffolder.Engine implements it. Template reads the template with the
// caller's permissions (the identity in ctx).
type Scaffolder interface {
	Template(ctx context.Context, ref string) (*scaffolder.Template, error)
	Create(ctx context.Context, req scaffolder.CreateRequest) (string, error)
	Task(ctx context.Context, id string) (*scaffolder.Task, error)
	Tasks(ctx context.Context, q scaffolder.TaskQuery) ([]scaffolder.Task, int, error)
	Steps(ctx context.Context, id string) ([]scaffolder.StepState, error)
	Events(ctx context.Context, taskID string, after int64) ([]scaffolder.Event, error)
	Subscribe(ctx context.Context, taskID string, after int64, send func(scaffolder.Event) error) error
	Cancel(ctx context.Context, id string) error
	// Workflows: the step graph and attempts of a task, replays and
	// approvals.
	TaskGraph(ctx context.Context, id string) (*scaffolder.Graph, error)
	StepHistory(ctx context.Context, id string) ([]scaffolder.StepState, error)
	Replay(ctx context.Context, r scaffolder.ReplayRequest) error
	Approvals(ctx context.Context, q scaffolder.ApprovalQuery) ([]scaffolder.Approval, error)
	Decide(ctx context.Context, d scaffolder.Decision) (*scaffolder.Approval, error)
}

var _ Scaffolder = (*scaffolder.Engine)(nil)

// CreateOptions configure the Create pages. Scaffolder and Catalog are
// required.
type CreateOptions struct {
	Scaffolder Scaffolder
	Catalog    CatalogReader
	// ReaderFor and Authorize are as in Options: the catalog as the
	// reader may see it, and the check of a permission (scaffolder.task.*).
	ReaderFor func(ctx context.Context) (CatalogReader, error)
	Authorize func(ctx context.Context, permission, resourceRef string) error
	Logger    *slog.Logger
	// Dev, DevDir and Title are as in Options.
	Dev    bool
	DevDir string
	Title  string
	// SecretsTTL is how long the secrets typed into a form are kept on
	// the server while the form is filled in; DefaultSecretsTTL when
	// zero. After that the form asks for them again.
	SecretsTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultSecretsTTL keeps a form's secrets for half an hour.
const DefaultSecretsTTL = 30 * time.Minute

// CreatePaths are the path patterns the Create pages serve, for the
// composition root's router.
var CreatePaths = []string{"/create", "/create/"}

// Create is the software templates part of the portal: the templates
// (/create), the form of each (/create/templates/{namespace}/{name}), the
// tasks they run (/create/tasks, /create/tasks/{id}) and the approvals
// they wait for (/create/approvals).
type Create struct {
	*site
	sc      Scaffolder
	drafts  *drafts
	handler http.Handler
}

// NewCreate builds the Create pages. It panics if the embedded templates
// do not parse, which the package's tests rule out.
func NewCreate(o CreateOptions) *Create {
	s := &site{
		catalog:   o.Catalog,
		readerFor: o.ReaderFor,
		authorize: o.Authorize,
		log:       o.Logger,
		title:     o.Title,
		dev:       o.Dev,
		devDir:    o.DevDir,
		now:       o.Now,
		// The templates page counts its filters' values as a slow part.
		partBudget: DefaultPartBudget,
		parts:      newFlights(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.title == "" {
		s.title = DefaultTitle
	}
	if s.devDir == "" {
		s.devDir = DefaultDevDir
	}
	if s.now == nil {
		s.now = time.Now
	}
	if !s.dev {
		b, err := embeddedBundle()
		if err != nil {
			panic(fmt.Sprintf("web: embedded templates: %v", err))
		}
		s.fixed = b
	}
	ttl := o.SecretsTTL
	if ttl <= 0 {
		ttl = DefaultSecretsTTL
	}
	c := &Create{site: s, sc: o.Scaffolder, drafts: newDrafts(ttl, s.now)}
	mux := http.NewServeMux()
	mux.Handle("GET /create", s.handle(c.templatesPage))
	mux.Handle("GET /create/templates/{namespace}/{name}", s.handle(c.wizardStart))
	mux.Handle("POST /create/templates/{namespace}/{name}", s.handle(c.wizardPost))
	mux.Handle("GET /create/tasks", s.handle(c.tasksPage))
	mux.Handle("GET /create/tasks/{id}", s.handle(c.taskPage))
	mux.Handle("GET /create/tasks/{id}/events", s.handle(c.taskEvents))
	mux.Handle("POST /create/tasks/{id}/cancel", s.handle(c.taskCancel))
	mux.Handle("POST /create/tasks/{id}/replay", s.handle(c.taskReplay))
	mux.Handle("GET /create/approvals", s.handle(c.approvalsPage))
	mux.Handle("POST /create/approvals", s.handle(c.approvalDecide))
	mux.Handle("/", s.handle(s.notFound))
	// Forms post to this site only, as on the rest of the portal.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(s.handle(func(http.ResponseWriter, *http.Request) error { return errCrossOrigin }))
	c.handler = s.observe(securityHeaders(csrf.Handler(mux)))
	return c
}

// ServeHTTP serves the Create pages.
func (c *Create) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }
