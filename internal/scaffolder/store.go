package scaffolder

import (
	"context"
	"encoding/json"
	"time"
)

// Store keeps tasks, their events and step states; *store.Scaffolder
// implements it over SQLite and PostgreSQL. Missing tasks are reported as
// nil results or false, never as errors; the Engine classifies them.
type Store interface {
	// InsertTask adds an open task.
	InsertTask(ctx context.Context, t NewTask) error
	// Task returns a task; nil when there is none.
	Task(ctx context.Context, id string) (*Task, error)
	// ListTasks returns a page of tasks and the number of tasks matching.
	ListTasks(ctx context.Context, q TaskQuery) ([]Task, int, error)
	// CountTasksSince counts the tasks createdBy created at or after since.
	CountTasksSince(ctx context.Context, createdBy string, since time.Time) (int, error)

	// ClaimTask leases the oldest open task that may run at now to owner
	// until leaseUntil and marks it processing; nil when there is none.
	// Two workers never claim the same task.
	ClaimTask(ctx context.Context, owner string, now, leaseUntil time.Time) (*ClaimedTask, error)
	// Heartbeat renews owner's lease. held is false when the lease was
	// lost (the task was recovered by another worker or finished);
	// cancelled is true once a cancellation was requested.
	Heartbeat(ctx context.Context, id, owner string, now, leaseUntil time.Time) (held, cancelled bool, err error)
	// ReleaseTask gives up owner's lease of a processing task without
	// ending it, so recovery may take it over at once.
	ReleaseTask(ctx context.Context, id, owner string) error
	// SaveStep writes one step's state.
	SaveStep(ctx context.Context, taskID string, s StepState) error
	// Steps returns the saved step states of a task.
	Steps(ctx context.Context, taskID string) ([]StepState, error)
	// SaveState writes the task's state (checkpoints).
	SaveState(ctx context.Context, taskID string, state json.RawMessage) error
	// FinishTask ends a processing task held by owner: it sets the status,
	// drops the secrets and the lease and appends the completion event, at
	// once. false when owner no longer holds it.
	FinishTask(ctx context.Context, id, owner string, status Status, completion json.RawMessage, at time.Time) (bool, error)

	// AppendEvent adds an event and returns its id.
	AppendEvent(ctx context.Context, taskID string, typ EventType, body json.RawMessage, at time.Time) (int64, error)
	// Events returns up to limit events of a task with id > after, oldest
	// first, leaving out those before the task's last recovered event.
	// The completion event is included even when its id is <= after.
	Events(ctx context.Context, taskID string, after int64, limit int) ([]Event, error)

	// CancelTask records a cancellation of a task that has not ended: it
	// appends the cancelled event and flags the task for its worker.
	// It returns the task's status, or "" when there is no such task.
	CancelTask(ctx context.Context, id string, body json.RawMessage, at time.Time) (Status, error)
	// RetryTask reopens an ended task as a new attempt: status open,
	// previous cancelled and completion events removed, a recovered event
	// appended, secrets replaced when secrets is not nil, step states
	// dropped unless keepSteps. It returns the status the task had, ""
	// when there is no such task; a task that has not ended is left as
	// it is.
	RetryTask(ctx context.Context, id string, r Retry) (Status, error)
	// RecoverTasks reopens processing tasks whose lease lapsed before now
	// as a new attempt with a recovered event: every such task when all,
	// else only those whose template opted into recovery. It returns
	// their ids.
	RecoverTasks(ctx context.Context, now time.Time, all bool, body json.RawMessage) ([]string, error)
	// StaleTasks returns the processing tasks whose last heartbeat is
	// before before.
	StaleTasks(ctx context.Context, before time.Time) ([]string, error)
	// FailTask ends a task that has not ended as failed, whoever holds
	// it, with the given events before the completion event. false when
	// it had ended already.
	FailTask(ctx context.Context, id string, logs []json.RawMessage, completion json.RawMessage, at time.Time) (bool, error)

	// SecretsKey returns the stored secrets key, storing candidate first
	// when there is none, so every replica ends up with the same key.
	SecretsKey(ctx context.Context, candidate string, at time.Time) (string, error)

	WaitStore
}

// WaitStore keeps what parked steps wait for (approvals, callbacks,
// sleeps), approval votes and the history of every step attempt.
type WaitStore interface {
	// EnsureWait returns the wait of w's task, step and iteration,
	// inserting w first when there is none; created reports the insert.
	EnsureWait(ctx context.Context, w WaitRecord) (rec WaitRecord, created bool, err error)
	// Wait returns a wait by id; nil when there is none.
	Wait(ctx context.Context, id string) (*WaitRecord, error)
	// WaitByStep returns the wait of a task's step and iteration; nil
	// when there is none.
	WaitByStep(ctx context.Context, taskID, stepID, iteration string) (*WaitRecord, error)
	// WaitByToken returns the callback wait with that token hash; nil
	// when there is none.
	WaitByToken(ctx context.Context, tokenHash string) (*WaitRecord, error)
	// ResolveWait records a pending wait's result and, when its task is
	// waiting, reopens the task (status open, run_after 0) in the same
	// transaction. false when the wait was not pending (resolved before,
	// or gone).
	ResolveWait(ctx context.Context, id string, result json.RawMessage, at time.Time) (bool, error)
	// ParkTask sets a processing task owner holds aside: status waiting,
	// lease dropped, run_after = wakeAt (0 when wakeAt is zero: only a
	// resolution wakes it), and appends event (a log event) when not
	// nil. When one of waitIDs was resolved meanwhile it reopens the task
	// instead (status open, run_after 0) and returns false.
	ParkTask(ctx context.Context, id, owner string, waitIDs []string, wakeAt time.Time, event json.RawMessage, at time.Time) (parked bool, err error)
	// AddVote records an approver's vote on a pending approval wait.
	// false when that actor voted on it before.
	AddVote(ctx context.Context, waitID string, v Vote) (bool, error)
	// Votes returns the votes on each of the waits, oldest first.
	Votes(ctx context.Context, waitIDs []string) (map[string][]Vote, error)
	// ListApprovals returns approval waits, newest first: with Status
	// "pending", the pending ones naming any of q.Refs as approver whose
	// task has not ended; with
	// "decided", those q.Actor voted on; with "", both.
	ListApprovals(ctx context.Context, q ApprovalQuery) ([]WaitRecord, error)
	// StepHistory returns every ended attempt of every step of a task,
	// oldest first (SaveStep appends one whenever a step ends).
	StepHistory(ctx context.Context, taskID string) ([]StepState, error)
}

// WaitRecord is one stored wait.
type WaitRecord struct {
	ID     string
	TaskID string
	StepID string
	// Iteration is the "each" key; "" outside "each".
	Iteration string
	Kind      string
	CreatedAt time.Time
	// Until is the sleep's end or the timeout; zero for none.
	Until time.Time
	// TokenHash is the SHA-256 (hex) of a callback's token; "" otherwise.
	TokenHash string
	// Approvers are the refs that may decide an approval.
	Approvers []string
	// Request is the wait's description: for approvals an ApprovalRequest.
	Request json.RawMessage
	// Pending until resolved.
	Resolved   bool
	Result     json.RawMessage
	ResolvedAt time.Time
}

// NewTask is a task to insert.
type NewTask struct {
	ID        string
	Spec      json.RawMessage
	CreatedBy string
	CreatedAt time.Time
	// Secrets is the sealed secrets; "" for none.
	Secrets string
	// Recoverable: the template opted into recovery (startOver).
	Recoverable bool
}

// ClaimedTask is a task a worker holds.
type ClaimedTask struct {
	ID          string
	Spec        json.RawMessage
	CreatedBy   string
	CreatedAt   time.Time
	Secrets     string
	State       json.RawMessage
	Attempt     int
	Recoverable bool
	// Cancelled: a cancellation was requested before the task started.
	Cancelled bool
}

// Retry says how RetryTask reopens a task.
type Retry struct {
	// Secrets replaces the sealed secrets when not nil.
	Secrets *string
	// KeepSteps keeps step states, so completed steps are skipped.
	KeepSteps bool
	// Event is the recovered event's body.
	Event json.RawMessage
	At    time.Time
	// DropSteps lists steps whose states and waits are dropped, so they
	// run again (a replay from a step); only with KeepSteps.
	DropSteps []string
}

// TaskQuery selects tasks for ListTasks.
type TaskQuery struct {
	// CreatedBy and Status match any of their values; empty matches all.
	CreatedBy []string
	Status    []Status
	// Order sorts the result; empty means newest first.
	Order []TaskOrder
	// Limit 0 means no limit.
	Limit, Offset int
}

// TaskOrder is one sort key of a task list.
type TaskOrder struct {
	// Field is created_at, status or created_by.
	Field string
	Desc  bool
}
