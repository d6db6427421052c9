package scaffolder

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/scaffolder/nunjucks"
	"github.com/callboard/callboard/plugin"
)

// Catalog is what the scaffolder reads from the software catalog. The app
// implements it with the caller's permissions taken from ctx.
type Catalog interface {
	// Entity returns the entity with that ref as JSON; nil when there is
	// none or the caller may not see it.
	Entity(ctx context.Context, ref string) (json.RawMessage, error)
	// Templates returns every Template entity the caller may see.
	Templates(ctx context.Context) ([]json.RawMessage, error)
}

// Config is the scaffolder section of app-config, with Backstage's keys
// and defaults, plus Callboard's additions (secretsKey, rateLimit).
type Config struct {
	// ConcurrentTasksLimit bounds the tasks one instance runs at once;
	// nil means 10, 0 disables the workers.
	ConcurrentTasksLimit *int `config:"concurrentTasksLimit"`
	// TaskTimeout fails processing tasks whose heartbeat is older
	// (default 24 h); the janitor looks every TaskTimeoutJanitorFrequency
	// (default 5 min).
	TaskTimeout                 time.Duration `config:"taskTimeout"`
	TaskTimeoutJanitorFrequency time.Duration `config:"taskTimeoutJanitorFrequency"`
	DefaultEnvironment          struct {
		Parameters map[string]any    `config:"parameters"`
		Secrets    map[string]string `config:"secrets"`
	} `config:"defaultEnvironment"`
	// SecretsKey seals task secrets; without it a random key is made once
	// and kept in the database.
	SecretsKey string `config:"secretsKey"`
	RateLimit  struct {
		// TasksPerMinute bounds the tasks one user creates per minute;
		// nil means 30, 0 means no limit.
		TasksPerMinute *int `config:"tasksPerMinute"`
	} `config:"rateLimit"`
	TaskRecovery struct {
		// Enabled recovers every task whose worker stopped, not only
		// those whose template opts in, and skips the steps a task
		// completed before when it resumes or is retried. nil means
		// enabled (Backstage's default is off; Callboard's tasks are
		// durable unless told otherwise).
		Enabled *bool `config:"enabled"`
		// StaleTimeout is how long a worker's lease lasts without a
		// heartbeat before another worker may take the task over
		// (default 30 s).
		StaleTimeout time.Duration `config:"staleTimeout"`
	} `config:"taskRecovery"`
}

// Defaults.
const (
	DefaultConcurrentTasks   = 10
	DefaultTaskTimeout       = 24 * time.Hour
	DefaultJanitorFrequency  = 5 * time.Minute
	DefaultTasksPerMinute    = 30
	DefaultLeaseDuration     = 30 * time.Second
	defaultHeartbeatInterval = time.Second
	defaultPollInterval      = time.Second
	// eventPollInterval is how often streams look for events written by
	// other instances.
	eventPollInterval = time.Second
)

// Options configure an Engine.
type Options struct {
	// Store keeps tasks. An engine without one only checks templates and
	// dry-runs them (the CLI).
	Store Store
	// Catalog finds templates and users; nil serves no templates (dry
	// runs still work).
	Catalog Catalog
	// Actions are the registered actions; a later action with the same
	// id replaces an earlier one.
	Actions []plugin.Action
	// Filters are the Backstage template filters (parseRepoUrl, ...).
	Filters map[string]nunjucks.Filter
	Config  Config
	// WorkingDirectory is backend.workingDirectory; task workspaces are
	// made below it (default: the OS temporary directory).
	WorkingDirectory string
	Logger           *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// WorkerID names this instance in leases; random when empty.
	WorkerID string
	// ActionContext, when set, prepares the context actions run with for
	// the task's creator: the app puts the user's identity in it, so
	// catalog actions act with the user's permissions.
	ActionContext func(ctx context.Context, createdBy string, user SpecUser) context.Context
	// AuthorizeAction, when set, decides whether the task may run an action
	// with an input (scaffolder.action.execute); it sees the context
	// ActionContext prepared. Every iteration of a step is authorized
	// before any runs; an error fails the step.
	AuthorizeAction func(ctx context.Context, actionID string, input map[string]any) error
	// SourceReader reads templates' source files by URL, for the order of
	// their form fields; file:// sources are read without it.
	SourceReader SourceReader
	// Notifier is told of each approval requested; nil tells nobody.
	Notifier Notifier
	// Audit records task events in the audit log; nil records nothing.
	Audit Auditor
	// BaseURL is the backend's public base URL (backend.baseUrl); callback
	// URLs start with it.
	BaseURL string
	// PollInterval is how often idle workers look for open tasks, and
	// HeartbeatInterval how often a running task's lease is renewed;
	// both default to one second.
	PollInterval, HeartbeatInterval time.Duration
}

// Auditor records audit events; *audit.Log implements it.
type Auditor interface {
	Record(ctx context.Context, e audit.Event) error
}

// Engine validates templates and runs tasks. It is safe for concurrent
// use.
type Engine struct {
	store    Store
	catalog  Catalog
	actions  map[string]plugin.Action
	filters  map[string]nunjucks.Filter
	exprs    expressions
	envs     [2]*nunjucks.Env // [0]: no step failed yet; [1]: one did
	cfg      Config
	workdir  string
	log      *slog.Logger
	now      func() time.Time
	owner    string
	poll     time.Duration
	beat     time.Duration
	schemas  sync.Map // action id → *compiledSchema
	events   *broker
	wake     chan struct{}
	sealerMu sync.Mutex
	sealer   *sealer
	// sealerKey is the secrets key material, once read.
	sealerKey string
	notifier  Notifier
	auditor   Auditor
	baseURL   string
	actx      func(ctx context.Context, createdBy string, user SpecUser) context.Context
	allowRun  func(ctx context.Context, actionID string, input map[string]any) error
	orders    fieldOrders

	mu      sync.Mutex
	running map[string]context.CancelCauseFunc
}

// New returns an Engine. Nothing runs until Run.
func New(o Options) (*Engine, error) {
	e := &Engine{
		store:    o.Store,
		catalog:  o.Catalog,
		actions:  map[string]plugin.Action{},
		filters:  o.Filters,
		cfg:      o.Config,
		workdir:  o.WorkingDirectory,
		log:      o.Logger,
		now:      o.Now,
		owner:    o.WorkerID,
		poll:     o.PollInterval,
		beat:     o.HeartbeatInterval,
		events:   newBroker(),
		wake:     make(chan struct{}, 1),
		running:  map[string]context.CancelCauseFunc{},
		actx:     o.ActionContext,
		allowRun: o.AuthorizeAction,
		orders:   fieldOrders{read: o.SourceReader},
		notifier: o.Notifier,
		auditor:  o.Audit,
		baseURL:  o.BaseURL,
	}
	for _, a := range o.Actions {
		id := a.Info().ID
		if id == "" {
			return nil, fmt.Errorf("scaffolder: an action of type %T has no id", a)
		}
		e.actions[id] = a
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.owner == "" {
		host, _ := os.Hostname()
		e.owner = host + "-" + randomHex(6)
	}
	if e.poll <= 0 {
		e.poll = defaultPollInterval
	}
	if e.beat <= 0 {
		e.beat = defaultHeartbeatInterval
	}
	if e.workdir == "" {
		e.workdir = os.TempDir()
	}
	e.envs[0] = e.newEnv(false)
	e.envs[1] = e.newEnv(true)
	e.exprs = e.envs[0]
	return e, nil
}

// newEnv builds the template engine runs use: Backstage's filters and the
// always() and failure() globals, failure() answering failed.
func (e *Engine) newEnv(failed bool) *nunjucks.Env {
	return nunjucks.New(nunjucks.Options{
		Filters: e.filters,
		Globals: map[string]any{
			"always":  nunjucks.Func(func([]any) (any, error) { return true, nil }),
			"failure": nunjucks.Func(func([]any) (any, error) { return failed, nil }),
		},
	})
}

// action returns the registered action with that id.
func (e *Engine) action(id string) (plugin.Action, bool) {
	a, ok := e.actions[id]
	return a, ok
}

// Actions describes every registered action, sorted by id.
func (e *Engine) Actions() []plugin.ActionInfo {
	out := make([]plugin.ActionInfo, 0, len(e.actions))
	for _, id := range sortedActionIDs(e.actions) {
		out = append(out, e.actions[id].Info())
	}
	return out
}

// inputSchema returns the compiled input schema of an action; nil when it
// has none.
func (e *Engine) inputSchema(a plugin.Action) (*compiledSchema, error) {
	info := a.Info()
	if info.Input == nil {
		return nil, nil
	}
	if c, ok := e.schemas.Load(info.ID); ok {
		return c.(*compiledSchema), nil
	}
	c, err := compileSchema(info.Input)
	if err != nil {
		return nil, fmt.Errorf("input schema of action %s: %w", info.ID, err)
	}
	e.schemas.Store(info.ID, c)
	return c, nil
}

// concurrency is the number of workers.
func (e *Engine) concurrency() int {
	if e.cfg.ConcurrentTasksLimit == nil {
		return DefaultConcurrentTasks
	}
	return max(*e.cfg.ConcurrentTasksLimit, 0)
}

func (e *Engine) leaseDuration() time.Duration {
	if d := e.cfg.TaskRecovery.StaleTimeout; d > 0 {
		return d
	}
	return DefaultLeaseDuration
}

func (e *Engine) recoveryEnabled() bool {
	if e.cfg.TaskRecovery.Enabled != nil {
		return *e.cfg.TaskRecovery.Enabled
	}
	return true
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
