package scaffolder

import (
	"encoding/json"
	"time"
)

// Status is a task's or a step's status, as Backstage names them.
type Status string

// Statuses.
const (
	StatusOpen       Status = "open"
	StatusProcessing Status = "processing"
	StatusCompleted  Status = "completed"
	StatusFailed     Status = "failed"
	StatusCancelled  Status = "cancelled"
	StatusSkipped    Status = "skipped"
	// StatusWaiting is Callboard's addition: the task (or step) is parked
	// until an approval, a callback or a timer wakes it.
	StatusWaiting Status = "waiting"
)

// Terminal reports whether a task in status s has ended.
func (s Status) Terminal() bool {
	switch s {
	case StatusCompleted, StatusFailed, StatusCancelled, StatusSkipped:
		return true
	}
	return false
}

// EventType is the type of a task event.
type EventType string

// Event types.
const (
	EventLog        EventType = "log"
	EventCompletion EventType = "completion"
	EventCancelled  EventType = "cancelled"
	EventRecovered  EventType = "recovered"
)

// Event is one task event in Backstage's SerializedTaskEvent shape.
type Event struct {
	ID     int64
	TaskID string
	Type   EventType
	// Body is the event's JSON object: message, stepId, status, output,
	// error.
	Body      json.RawMessage
	CreatedAt time.Time
	// Recoverable marks events of tasks whose template opted into
	// recovery (isTaskRecoverable).
	Recoverable bool
}

// MarshalJSON writes the wire form.
func (e Event) MarshalJSON() ([]byte, error) {
	type wire struct {
		ID                int64           `json:"id"`
		TaskID            string          `json:"taskId"`
		Type              EventType       `json:"type"`
		CreatedAt         string          `json:"createdAt"`
		IsTaskRecoverable *bool           `json:"isTaskRecoverable,omitempty"`
		Body              json.RawMessage `json:"body"`
	}
	w := wire{ID: e.ID, TaskID: e.TaskID, Type: e.Type, CreatedAt: isoTime(e.CreatedAt), Body: e.Body}
	if e.Recoverable {
		w.IsTaskRecoverable = &e.Recoverable
	}
	if w.Body == nil {
		w.Body = json.RawMessage(`{}`)
	}
	return json.Marshal(w)
}

// EventBody is the decoded body of an event.
type EventBody struct {
	Message string         `json:"message"`
	StepID  string         `json:"stepId,omitempty"`
	Status  Status         `json:"status,omitempty"`
	Output  map[string]any `json:"output,omitzero"`
	Error   *ErrorBody     `json:"error,omitempty"`
	// RecoverStrategy is set on recovered events.
	RecoverStrategy string `json:"recoverStrategy,omitempty"`
}

// ErrorBody is a serialized error in an event.
type ErrorBody struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// Task is a task as the API shows it (SerializedTask). Secrets are never
// part of it.
type Task struct {
	ID              string
	Spec            json.RawMessage
	Status          Status
	CreatedBy       string
	CreatedAt       time.Time
	LastHeartbeatAt time.Time
}

// MarshalJSON writes the wire form.
func (t Task) MarshalJSON() ([]byte, error) {
	type wire struct {
		ID              string          `json:"id"`
		Spec            json.RawMessage `json:"spec"`
		Status          Status          `json:"status"`
		CreatedAt       string          `json:"createdAt"`
		LastHeartbeatAt string          `json:"lastHeartbeatAt,omitempty"`
		CreatedBy       string          `json:"createdBy,omitempty"`
	}
	w := wire{ID: t.ID, Spec: t.Spec, Status: t.Status, CreatedAt: isoTime(t.CreatedAt), CreatedBy: t.CreatedBy}
	if !t.LastHeartbeatAt.IsZero() {
		w.LastHeartbeatAt = isoTime(t.LastHeartbeatAt)
	}
	return json.Marshal(w)
}

// StepState is the persisted state of one step of a task.
type StepState struct {
	StepID    string
	Attempt   int
	Status    Status
	Output    map[string]any
	Error     string
	StartedAt time.Time
	EndedAt   time.Time
}

// isoTime formats t as JavaScript's toISOString does.
func isoTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
