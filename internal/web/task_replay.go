package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

// maxAttemptRows bounds the attempts table of a task page.
const maxAttemptRows = 200

// replayForm offers to run an ended task again: from its failed step,
// or from a step the reader picks.
type replayForm struct {
	Action string
	CSRF   string
	Steps  []replayStep
	// Cancelled: the task was cancelled rather than failed.
	Cancelled bool
}

// replayStep is one step a replay may start from.
type replayStep struct {
	ID, Name string
	// Selected is the failed step, chosen by default.
	Selected bool
}

// attemptRow is one ended attempt of a step.
type attemptRow struct {
	StepID, Name string
	Attempt      int
	Status       statusView
	Started      time.Time
	Duration     string
	Error        string
}

// replayFormOf is the replay form of a task that failed or was
// cancelled; nil for any other task.
func replayFormOf(t *scaffolder.Task, spec taskSpecView, states []scaffolder.StepState, csrf string) *replayForm {
	if t.Status != scaffolder.StatusFailed && t.Status != scaffolder.StatusCancelled {
		return nil
	}
	failed := ""
	for _, st := range states {
		if st.Status == scaffolder.StatusFailed || st.Status == scaffolder.StatusCancelled {
			failed = st.StepID
			break
		}
	}
	f := &replayForm{Action: "/create/tasks/" + url.PathEscape(t.ID) + "/replay", CSRF: csrf, Cancelled: t.Status == scaffolder.StatusCancelled}
	for _, s := range spec.Steps {
		if s.ID == "" {
			continue
		}
		f.Steps = append(f.Steps, replayStep{ID: s.ID, Name: cmp.Or(s.Name, s.ID), Selected: s.ID == failed})
	}
	return f
}

// attemptRows lists a task's step attempts, oldest first, naming each
// step as the spec does.
func attemptRows(history []scaffolder.StepState, names map[string]string) []attemptRow {
	if len(history) > maxAttemptRows {
		history = history[len(history)-maxAttemptRows:]
	}
	out := make([]attemptRow, 0, len(history))
	for _, h := range history {
		row := attemptRow{StepID: h.StepID, Name: cmp.Or(names[h.StepID], h.StepID), Attempt: h.Attempt, Status: taskStatus(h.Status), Started: h.StartedAt, Error: h.Error}
		if !h.StartedAt.IsZero() && !h.EndedAt.IsZero() {
			row.Duration = formatDuration(h.EndedAt.Sub(h.StartedAt))
		}
		out = append(out, row)
	}
	return out
}

// taskReplay runs an ended task again (POST /create/tasks/{id}/replay):
// with no fromStep from its failed step, reusing what completed; with
// fromStep from that step on. Then back to the task's page.
func (c *Create) taskReplay(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return problem.Input("The form could not be read.")
	}
	id := r.PathValue("id")
	// Running a task again is creating work, as Backstage's retry is.
	if err := c.allow(r, permission.ScaffolderTaskCreate, "task:"+id); err != nil {
		return err
	}
	userRef, createdBy := taskCreator(r)
	req := scaffolder.ReplayRequest{TaskID: id, FromStep: strings.TrimSpace(r.PostForm.Get("fromStep")), Actor: cmp.Or(userRef, createdBy)}
	if err := c.sc.Replay(r.Context(), req); err != nil {
		return err
	}
	http.Redirect(w, r, "/create/tasks/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}
