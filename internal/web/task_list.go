package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

// tasksPerPage is the size of a page of the task list.
const tasksPerPage = 25

// tasksPageData is the data of /create/tasks.
type tasksPageData struct {
	// Owner is "mine" or "all".
	Owner            string
	Tabs             []option
	Rows             []taskRow
	Total            int
	First, Last      int
	PrevURL, NextURL string
}

// taskRow is one task of the list.
type taskRow struct {
	Href, Title string
	Status      statusView
	CreatedAt   time.Time
	CreatedBy   refLink
}

// tasksPage lists tasks, newest first: the reader's own (owner=mine, the
// default) or everyone's (owner=all). Both need scaffolder.task.read.
func (c *Create) tasksPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	owner := q.Get("owner")
	switch owner {
	case "":
		owner = "mine"
	case "mine", "all":
	default:
		return problem.Input("owner must be mine or all.")
	}
	pageNo := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return problem.Input("page must be a page number.")
		}
		pageNo = n
	}
	if err := c.allow(r, permission.ScaffolderTaskRead, ""); err != nil {
		return err
	}
	tq := scaffolder.TaskQuery{
		Order:  []scaffolder.TaskOrder{{Field: "created_at", Desc: true}},
		Limit:  tasksPerPage,
		Offset: (pageNo - 1) * tasksPerPage,
	}
	p := &tasksPageData{Owner: owner}
	_, createdBy := taskCreator(r)
	if owner == "mine" {
		tq.CreatedBy = []string{createdBy}
	}
	var tasks []scaffolder.Task
	if owner == "all" || createdBy != "" {
		var err error
		if tasks, p.Total, err = c.sc.Tasks(r.Context(), tq); err != nil {
			return err
		}
	}
	for _, o := range []struct{ value, label string }{{"mine", "Your tasks"}, {"all", "All tasks"}} {
		p.Tabs = append(p.Tabs, option{Value: o.value, Label: o.label, Selected: o.value == owner, Href: "/create/tasks?owner=" + o.value})
	}
	for _, t := range tasks {
		spec := decodeTaskSpec(t.Spec)
		row := taskRow{
			Href:      "/create/tasks/" + url.PathEscape(t.ID),
			Title:     spec.templateTitle(),
			Status:    taskStatus(t.Status),
			CreatedAt: t.CreatedAt,
		}
		if t.CreatedBy != "" {
			row.CreatedBy = linkTo(t.CreatedBy, "user")
		}
		p.Rows = append(p.Rows, row)
	}
	if len(p.Rows) > 0 {
		p.First = tq.Offset + 1
		p.Last = tq.Offset + len(p.Rows)
	}
	pageURL := func(n int) string {
		return "/create/tasks?" + url.Values{"owner": {owner}, "page": {strconv.Itoa(n)}}.Encode()
	}
	if pageNo > 1 {
		p.PrevURL = pageURL(pageNo - 1)
	}
	if p.Last < p.Total {
		p.NextURL = pageURL(pageNo + 1)
	}
	title := "Your tasks"
	if owner == "all" {
		title = "All tasks"
	}
	return c.render(w, r, http.StatusOK, "tasks", title, p)
}
