package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/scaffolder"
)

// maxTaskLog bounds the log lines a task page shows.
const maxTaskLog = 2000

// taskPageData is the data of /create/tasks/{id}.
type taskPageData struct {
	ID           string
	Title        string
	TemplateHref string
	Status       statusView
	Running      bool
	CreatedAt    time.Time
	CreatedBy    refLink
	Steps        []taskStep
	Log          []logLine
	// LogTruncated says the log has more lines than the page shows.
	LogTruncated bool
	LastEventID  int64
	Output       *taskOutput
	Error        string
	// CancelRequested: a cancellation was asked for and the task has not
	// stopped yet.
	CancelRequested bool
	CSRF            string
	EventsURL       string
	// Workflow draws the steps, Attempts lists every ended attempt, and
	// Replay runs an ended task again (workflow_task.go).
	Workflow *workflowDrawing
	Attempts []attemptRow
	Replay   *replayForm
}

// statusView is a status as the page shows it.
type statusView struct {
	Value, Label, Class string
}

// taskStep is one step of a task with its state.
type taskStep struct {
	ID, Name string
	Status   statusView
	Duration string
	// Started is when a running step started, for the script to count
	// its time on.
	Started string
}

// logLine is one log event.
type logLine struct {
	ID   int64
	Time time.Time
	// Clock is Time as the log shows it, UTC hours to seconds.
	Clock   string
	StepID  string
	Message string
}

// taskOutput is what a finished task shows: its output links and texts.
type taskOutput struct {
	Links []outputLink
	Texts []outputText
}

// outputLink is one link of spec.output.links.
type outputLink struct {
	Title, Href, Icon string
	// Refused holds a URL that is not a safe link, shown as text.
	Refused string
}

// outputText is one text of spec.output.text, Markdown rendered.
type outputText struct {
	ID, Title string
	Content   template.HTML
}

// taskSpecView is the part of a task's spec the pages show.
type taskSpecView struct {
	Steps []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"steps"`
	TemplateInfo struct {
		EntityRef string `json:"entityRef"`
		Entity    struct {
			Metadata struct {
				Name  string `json:"name"`
				Title string `json:"title"`
			} `json:"metadata"`
		} `json:"entity"`
	} `json:"templateInfo"`
}

// templateTitle is the title of the template a task came from.
func (v taskSpecView) templateTitle() string {
	m := v.TemplateInfo.Entity.Metadata
	switch {
	case m.Title != "":
		return m.Title
	case m.Name != "":
		return m.Name
	case v.TemplateInfo.EntityRef != "":
		return v.TemplateInfo.EntityRef
	}
	return "Task"
}

// templateHref is the form of the template a task came from; "" when
// unknown.
func (v taskSpecView) templateHref() string {
	r, err := entity.ParseRef(v.TemplateInfo.EntityRef, entity.RefDefaults{Kind: "template"})
	if err != nil {
		return ""
	}
	return "/create/templates/" + url.PathEscape(r.Namespace) + "/" + url.PathEscape(r.Name)
}

func decodeTaskSpec(raw json.RawMessage) taskSpecView {
	var v taskSpecView
	_ = json.Unmarshal(raw, &v) // a spec that does not decode shows as an untitled task
	return v
}

// taskStatus shows a status with a badge class.
func taskStatus(s scaffolder.Status) statusView {
	v := statusView{Value: string(s), Label: titleCase(string(s))}
	switch s {
	case scaffolder.StatusCompleted:
		v.Class = "badge--ok"
	case scaffolder.StatusFailed, scaffolder.StatusCancelled:
		v.Class = "badge--error"
	case scaffolder.StatusProcessing:
		v.Class = "badge--info"
		v.Label = "Running"
	case scaffolder.StatusOpen:
		v.Label = "Waiting"
	case scaffolder.StatusSkipped:
		v.Label = "Skipped"
	case scaffolder.StatusWaiting:
		v.Class = "badge--warn"
		v.Label = "On hold"
	}
	return v
}

// readTask checks scaffolder.task.read for a task and returns it.
func (c *Create) readTask(r *http.Request) (*scaffolder.Task, error) {
	id := r.PathValue("id")
	if err := c.allow(r, permission.ScaffolderTaskRead, "task:"+id); err != nil {
		return nil, err
	}
	return c.sc.Task(r.Context(), id)
}

// taskPage shows a task: its steps with status and duration, its log,
// and, once it has ended, its output or error. While it runs, the script
// follows its events; without the script the page reloads itself.
func (c *Create) taskPage(w http.ResponseWriter, r *http.Request) error {
	t, err := c.readTask(r)
	if err != nil {
		return err
	}
	spec := decodeTaskSpec(t.Spec)
	states, err := c.sc.Steps(r.Context(), t.ID)
	if err != nil {
		return err
	}
	events, truncated, err := c.taskLog(r, t.ID)
	if err != nil {
		return err
	}
	p := &taskPageData{
		ID:           t.ID,
		Title:        spec.templateTitle(),
		TemplateHref: spec.templateHref(),
		Status:       taskStatus(t.Status),
		Running:      !t.Status.Terminal(),
		CreatedAt:    t.CreatedAt,
		CSRF:         viewerOf(r).CSRF,
		EventsURL:    "/create/tasks/" + url.PathEscape(t.ID) + "/events",
		LogTruncated: truncated,
	}
	if t.CreatedBy != "" {
		p.CreatedBy = linkTo(t.CreatedBy, "user")
	}
	names := map[string]string{}
	for _, s := range spec.Steps {
		names[s.ID] = s.Name
	}
	now := c.now()
	for _, st := range states {
		ts := taskStep{ID: st.StepID, Name: names[st.StepID], Status: taskStatus(st.Status)}
		if ts.Name == "" {
			ts.Name = st.StepID
		}
		if !st.StartedAt.IsZero() && st.Status != scaffolder.StatusSkipped {
			end := st.EndedAt
			if end.IsZero() {
				end = now
				ts.Started = st.StartedAt.UTC().Format(time.RFC3339Nano)
			}
			ts.Duration = formatDuration(end.Sub(st.StartedAt))
		}
		p.Steps = append(p.Steps, ts)
	}
	for _, ev := range events {
		p.LastEventID = max(p.LastEventID, ev.ID)
		var body scaffolder.EventBody
		if err := json.Unmarshal(ev.Body, &body); err != nil {
			continue
		}
		switch ev.Type {
		case scaffolder.EventCompletion:
			if body.Error != nil {
				p.Error = body.Error.Message
			}
			if t.Status == scaffolder.StatusCompleted {
				p.Output = outputOf(body.Output)
			}
			continue
		case scaffolder.EventCancelled:
			p.CancelRequested = p.Running
		}
		if body.Message != "" {
			p.Log = append(p.Log, logLine{ID: ev.ID, Time: ev.CreatedAt, Clock: ev.CreatedAt.UTC().Format("15:04:05"), StepID: body.StepID, Message: body.Message})
		}
	}
	if err := c.taskWorkflow(r, t, spec, states, p); err != nil {
		return err
	}
	return c.render(w, r, http.StatusOK, "task", p.Title+" · task "+shortID(t.ID), p)
}

// taskLog reads a task's events, up to maxTaskLog of them.
func (c *Create) taskLog(r *http.Request, id string) ([]scaffolder.Event, bool, error) {
	var out []scaffolder.Event
	var completion *scaffolder.Event
	after := int64(0)
	for len(out) < maxTaskLog {
		batch, err := c.sc.Events(r.Context(), id, after)
		if err != nil {
			return nil, false, err
		}
		progressed := false
		for _, ev := range batch {
			if ev.Type == scaffolder.EventCompletion {
				completion = &ev
			}
			if ev.ID <= after {
				continue
			}
			progressed = true
			after = ev.ID
			if ev.Type != scaffolder.EventCompletion && len(out) < maxTaskLog {
				out = append(out, ev)
			}
		}
		if !progressed {
			break
		}
	}
	truncated := len(out) >= maxTaskLog
	if completion != nil {
		out = append(out, *completion)
	}
	return out, truncated, nil
}

// outputOf reads a completed task's output: links to URLs or entities,
// and Markdown texts.
func outputOf(out map[string]any) *taskOutput {
	o := &taskOutput{}
	links, _ := out["links"].([]any)
	for _, it := range links {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		title, _ := m["title"].(string)
		icon, _ := m["icon"].(string)
		l := outputLink{Title: title, Icon: icon}
		if ref, ok := m["entityRef"].(string); ok && ref != "" {
			l.Href = entityPath(ref)
			if l.Title == "" {
				l.Title = ref
			}
		} else if u, ok := m["url"].(string); ok && u != "" {
			if href, ok := safeURL(u, false); ok {
				l.Href = href
			} else {
				l.Refused = u
			}
			if l.Title == "" {
				l.Title = u
			}
		} else {
			continue
		}
		o.Links = append(o.Links, l)
	}
	texts, _ := out["text"].([]any)
	for i, it := range texts {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		title, _ := m["title"].(string)
		content, _ := m["content"].(string)
		html, err := renderMarkdown(content)
		if err != nil {
			continue
		}
		if title == "" {
			title = "Output"
		}
		o.Texts = append(o.Texts, outputText{ID: fmt.Sprintf("output-text-%d", i), Title: title, Content: html})
	}
	if len(o.Links) == 0 && len(o.Texts) == 0 {
		return nil
	}
	return o
}

// formatDuration writes a step's duration: 350 ms, 4.2 s, 3 min 5 s.
func formatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0 ms"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
}

// shortID is the first part of a task id, for titles.
func shortID(id string) string {
	if i := strings.IndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}

// taskCancel asks a task to stop.
func (c *Create) taskCancel(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := c.allow(r, permission.ScaffolderTaskCancel, "task:"+id); err != nil {
		return err
	}
	if err := c.sc.Cancel(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, "/create/tasks/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}
