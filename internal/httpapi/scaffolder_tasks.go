package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

// eventsLongPoll is how long GET .../events waits for an event.
const eventsLongPoll = 30 * time.Second

// createTask is POST /v2/tasks.
func (s *server) createTask(w http.ResponseWriter, r *http.Request) error {
	b, members, err := readJSONObject(r, bodyRequired)
	if err != nil {
		return err
	}
	var body struct {
		TemplateRef string            `json:"templateRef"`
		Values      map[string]any    `json:"values"`
		Secrets     map[string]string `json:"secrets"`
		// EntityRef is Callboard's addition: the entity a day-2 template
		// acts on.
		EntityRef string `json:"entityRef"`
	}
	if err := decodeBody(b, members, &body, false, "templateRef", "values"); err != nil {
		return err
	}
	target := body.TemplateRef
	if ref, err := scaffolder.ParseTemplateRef(target); err == nil {
		target = ref
	}
	if err := s.require(r, permission.ScaffolderTaskCreate, target); err != nil {
		return err
	}
	n := note(r).write(permission.ScaffolderTaskCreate, target)
	secretNames := make([]string, 0, len(body.Secrets))
	for k := range body.Secrets {
		secretNames = append(secretNames, k)
	}
	n.details = map[string]any{"templateRef": body.TemplateRef, "secrets": secretNames}
	if body.EntityRef != "" {
		n.details["entityRef"] = body.EntityRef
	}
	setJSON(&n.after, map[string]any{"values": body.Values})
	userRef, principal := caller(r.Context())
	id, err := s.scaffolder.Create(r.Context(), scaffolder.CreateRequest{
		TemplateRef: body.TemplateRef,
		Values:      body.Values,
		Secrets:     body.Secrets,
		UserRef:     userRef,
		CreatedBy:   principal,
		EntityRef:   body.EntityRef,
	})
	if err != nil {
		return scaffolderError(w, err)
	}
	n.details["taskId"] = id
	return writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

// readTask checks scaffolder.task.read for one task and returns it. A
// refusal is a 403, recorded.
func (s *server) readTask(r *http.Request) (*scaffolder.Task, error) {
	id := r.PathValue("taskId")
	if err := s.require(r, permission.ScaffolderTaskRead, "task:"+id); err != nil {
		return nil, err
	}
	return s.scaffolder.Task(r.Context(), id)
}

// getTask is GET /v2/tasks/{taskId}.
func (s *server) getTask(w http.ResponseWriter, r *http.Request) error {
	t, err := s.readTask(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

// taskOrderFields are the fields a task list may be sorted by.
var taskOrderFields = map[string]bool{"created_at": true, "status": true, "created_by": true}

// taskQuery reads GET /v2/tasks' parameters.
func taskQuery(q url.Values) (scaffolder.TaskQuery, error) {
	tq := scaffolder.TaskQuery{CreatedBy: splitValues(q["createdBy"])}
	for _, st := range splitValues(q["status"]) {
		tq.Status = append(tq.Status, scaffolder.Status(st))
	}
	for _, o := range splitValues(q["order"]) {
		dir, field, ok := strings.Cut(o, ":")
		if !ok || (dir != "asc" && dir != "desc") || !taskOrderFields[field] {
			return tq, problem.Input("Invalid order %q, expected asc|desc:created_at|status|created_by", o)
		}
		tq.Order = append(tq.Order, scaffolder.TaskOrder{Field: field, Desc: dir == "desc"})
	}
	for name, dst := range map[string]*int{"limit": &tq.Limit, "offset": &tq.Offset} {
		v, err := intParam(q, name)
		if err != nil {
			return tq, err
		}
		if v != nil {
			if *v < 0 {
				return tq, problem.Input("Invalid %s, must not be negative", name)
			}
			*dst = *v
		}
	}
	return tq, nil
}

// splitValues flattens repeated and comma-separated query values.
func splitValues(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// listTasks is GET /v2/tasks. A caller refused scaffolder.task.read sees
// no tasks.
func (s *server) listTasks(w http.ResponseWriter, r *http.Request) error {
	tq, err := taskQuery(r.URL.Query())
	if err != nil {
		return err
	}
	ok, err := s.allow(r, permission.ScaffolderTaskRead, r.URL.Path)
	if err != nil {
		return err
	}
	tasks, total := []scaffolder.Task{}, 0
	if ok {
		if tasks, total, err = s.scaffolder.Tasks(r.Context(), tq); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tasks": tasks, "totalTasks": total})
}

// cancelTask is POST /v2/tasks/{taskId}/cancel.
func (s *server) cancelTask(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("taskId")
	if err := s.require(r, permission.ScaffolderTaskCancel, "task:"+id); err != nil {
		return err
	}
	note(r).write(permission.ScaffolderTaskCancel, "task:"+id)
	if err := s.scaffolder.Cancel(r.Context(), id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": string(scaffolder.StatusCancelled)})
}

// retryTask is POST /v2/tasks/{taskId}/retry.
func (s *server) retryTask(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("taskId")
	b, members, err := readJSONObject(r, bodyOptional)
	if err != nil {
		return err
	}
	var body struct {
		Secrets map[string]string `json:"secrets"`
	}
	if err := decodeBody(b, members, &body, false); err != nil {
		return err
	}
	if err := s.require(r, permission.ScaffolderTaskCreate, "task:"+id); err != nil {
		return err
	}
	note(r).write("scaffolder.task.retry", "task:"+id)
	if err := s.scaffolder.Retry(r.Context(), id, body.Secrets); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

// afterParam reads the "after" event id.
func afterParam(q url.Values) (int64, error) {
	v, err := intParam(q, "after")
	if err != nil || v == nil {
		return 0, err
	}
	return int64(*v), nil
}

// readTaskEvents reads what both event endpoints take: the "after" event
// id, then the task (see readTask).
func (s *server) readTaskEvents(r *http.Request) (*scaffolder.Task, int64, error) {
	after, err := afterParam(r.URL.Query())
	if err != nil {
		return nil, 0, err
	}
	t, err := s.readTask(r)
	if err != nil {
		return nil, 0, err
	}
	return t, after, nil
}

// taskEvents is GET /v2/tasks/{taskId}/events: the next events after
// "after", waiting up to 30 s for one; [] when none came.
func (s *server) taskEvents(w http.ResponseWriter, r *http.Request) error {
	t, after, err := s.readTaskEvents(r)
	if err != nil {
		return err
	}
	evs, err := s.scaffolder.WaitEvents(r.Context(), t.ID, after, eventsLongPoll)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []scaffolder.Event{}
	}
	return writeJSON(w, http.StatusOK, evs)
}

// taskEventStream is GET /v2/tasks/{taskId}/eventstream: the task's
// events as server-sent events, until it completes.
func (s *server) taskEventStream(w http.ResponseWriter, r *http.Request) error {
	t, after, err := s.readTaskEvents(r)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	err = s.scaffolder.Subscribe(r.Context(), t.ID, after, func(ev scaffolder.Event) error {
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, b); err != nil {
			return err
		}
		return rc.Flush()
	})
	if err != nil && r.Context().Err() == nil {
		// The headers are out; all that is left is to log and close.
		s.log.WarnContext(r.Context(), "task event stream ended", "task", t.ID, "error", err)
	}
	return nil
}
