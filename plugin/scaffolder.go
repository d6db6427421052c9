package plugin

import (
	"context"
	"log/slog"
	"time"
)

// Action is what a template step runs, addressed by its ID from the step's
// "action" key (e.g. "fetch:template", "publish:github"). The scaffolder
// renders and validates the step's input against Info().Input before Run is
// called, so Run may trust the input's shape.
type Action interface {
	Info() ActionInfo
	// Run does the step's work. ctx is cancelled when the task is cancelled
	// or the server stops; a long action must return promptly then.
	Run(ctx context.Context, ac *ActionContext) error
}

// ActionInfo describes an action for the actions list, input validation and
// dry runs.
type ActionInfo struct {
	// ID is Backstage's action id, e.g. "fetch:plain".
	ID          string
	Description string
	Examples    []ActionExample
	// Input and Output are JSON Schemas (decoded JSON); nil means any.
	Input  map[string]any
	Output map[string]any
	// SupportsDryRun marks actions that are safe to run in a dry run. Other
	// actions are skipped then and their output is made up from Output.
	SupportsDryRun bool
}

// ActionExample is one documented use of an action.
type ActionExample struct {
	Description string
	// Example is a YAML fragment of template steps.
	Example string
}

// ActionContext is what one run of an action sees.
type ActionContext struct {
	// Input is the step's rendered input.
	Input map[string]any
	// Workspace is the task's working directory, an absolute path. Actions
	// must keep every path they write inside it.
	Workspace string
	// Logger writes to the task's log; each record becomes a log event of
	// the step. Secrets are redacted before anything is stored.
	Logger *slog.Logger
	// Output sets one of the step's outputs. In an "each" step the values of
	// every iteration are collected into a list.
	Output func(name string, value any)
	// TempDir makes a directory that is removed when the task ends.
	TempDir func() (string, error)
	// Checkpoint runs fn once per task for key and replays its stored result
	// when the task is resumed or retried.
	Checkpoint func(key string, fn func() (any, error)) (any, error)
	// Secrets are the task's secrets.
	Secrets map[string]string
	// Template identifies the template the task was created from.
	Template TemplateInfo
	// User is who created the task.
	User TaskUser
	// DryRun is true when the task is a dry run.
	DryRun bool
	// TaskID, StepID and StepName identify the running step.
	TaskID, StepID, StepName string
	// Wait parks the step until w is resolved: the task is set aside in
	// the database (status "waiting"), nothing of it stays in memory, and
	// the action is run again from the start once w is resolved; this
	// time Wait returns the resolution at once. An action must therefore
	// do nothing before Wait that it cannot do twice (use Checkpoint). In
	// a dry run, or when the task cannot wait, Wait returns an error.
	Wait func(ctx context.Context, w Wait) (WaitResult, error)
	// Now is the scaffolder's clock, for deadlines; nil means time.Now.
	Now func() time.Time
	// CallbackURL returns the one-time signed URL that resolves this
	// step's callback wait (wait:callback): the same URL every time for
	// the same step and iteration of a task.
	CallbackURL func() string
}

// Kinds of wait.
const (
	WaitApproval = "approval"
	WaitCallback = "callback"
	WaitSleep    = "sleep"
)

// Wait is what a step waits for.
type Wait struct {
	// Kind is WaitApproval, WaitCallback or WaitSleep.
	Kind string
	// Until is when a sleep ends, or when an approval or a callback times
	// out; zero means never. The first Wait of a step fixes it: a step run
	// again keeps the deadline it set the first time.
	Until time.Time
	// Approval describes an approval; only for WaitApproval.
	Approval *ApprovalWait
}

// ApprovalWait is who must approve, and what they are asked.
type ApprovalWait struct {
	// Approvers are user and group entity refs; a group's members may
	// decide.
	Approvers []string
	// MinApprovals is how many approvals approve (at least 1). One
	// rejection rejects.
	MinApprovals int
	// AllowRequester lets the task's creator decide too.
	AllowRequester bool
	// Message is what approvers read.
	Message string
}

// WaitResult is how a wait was resolved.
type WaitResult struct {
	// TimedOut: Until passed first.
	TimedOut bool
	// Payload is the resolution: for approvals {"decision":
	// "approve"|"reject", "decidedBy": [refs], "comment": "...",
	// "decidedAt": RFC 3339}; for callbacks the JSON object posted; nil
	// for sleeps and timeouts.
	Payload map[string]any
	// At is when it was resolved.
	At time.Time
}

// TemplateInfo is the template a task came from.
type TemplateInfo struct {
	// EntityRef is "template:<namespace>/<name>".
	EntityRef string
	// BaseURL is the URL of the directory holding the template file; relative
	// "url" inputs resolve against it. It is a file:// URL for templates read
	// from disk.
	BaseURL string
}

// TaskUser is the user a task runs for.
type TaskUser struct {
	// Ref is the user's entity ref, e.g. "user:default/ada".
	Ref string
	// Entity is the user's catalog entity as JSON-decoded data, when known.
	Entity map[string]any
}
