package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
)

// Bounds of the approvals inbox.
const (
	// maxApprovals bounds the approvals one tab lists.
	maxApprovals = 100
	// maxDecisionComment bounds a decision's comment, in characters.
	maxDecisionComment = 2000
)

// Tabs of the inbox: its ?status= values.
const (
	approvalsPending = "pending"
	approvalsDecided = "decided"
)

// approvalsPageData is the data of /create/approvals.
type approvalsPageData struct {
	Tab  string
	Tabs []approvalsTab
	Rows []approvalRow
	// Notice says what the reader's last decision did; Error is a failed
	// decision whose approval is not listed.
	Notice, Error string
	CSRF          string
}

// approvalsTab is one tab of the inbox.
type approvalsTab struct {
	Label, Href string
	Selected    bool
}

// approvalRow is one approval.
type approvalRow struct {
	// Key tells rows apart in element ids.
	Key                     string
	TaskID, StepID          string
	Iteration               string
	TaskHref, TaskShort     string
	Template                refLink
	StepName                string
	Requester               refLink
	Message                 string
	Approvers               []refLink
	MinApprovals, Approvals int
	Votes                   []voteView
	CreatedAt, Deadline     time.Time
	DecidedAt               time.Time
	Decision                statusView
	// CanDecide shows the form: the approval is pending and the reader
	// has not voted on it.
	CanDecide bool
	// Voted is the reader's own vote, when they cast one.
	Voted string
	// Error is why the reader's decision was refused; Comment is what
	// they typed, kept for another try.
	ErrorTitle, Error string
	Comment           string
}

// voteView is one vote.
type voteView struct {
	Actor   refLink
	Label   string
	Class   string
	Comment string
	At      time.Time
}

// decisionView shows a decision, or a vote, with a badge class.
func decisionView(d string) statusView {
	switch d {
	case scaffolder.DecisionApprove:
		return statusView{Value: d, Label: "Approved", Class: "badge--ok"}
	case scaffolder.DecisionReject:
		return statusView{Value: d, Label: "Rejected", Class: "badge--error"}
	case scaffolder.DecisionTimeout:
		return statusView{Value: d, Label: "Timed out", Class: "badge--warn"}
	}
	return statusView{Value: d, Label: titleCase(d)}
}

// approvalQuery is what the reader may see of the approvals: pending ones
// naming them or their groups, and those they decided.
func approvalQuery(r *http.Request, status string) (scaffolder.ApprovalQuery, viewer, error) {
	me := viewerOf(r)
	if me.Ref == "" {
		return scaffolder.ApprovalQuery{}, me, problem.Unauthenticated("Sign in as a user to see the approvals you can give.")
	}
	refs := []string{me.Ref}
	for _, o := range me.Ownership {
		if o = strings.ToLower(o); !slices.Contains(refs, o) {
			refs = append(refs, o)
		}
	}
	return scaffolder.ApprovalQuery{Status: status, Actor: me.Ref, Refs: refs, Limit: maxApprovals}, me, nil
}

// approvalsPage is the inbox: Pending lists the approvals the reader may
// give, with a form to approve or reject each; Decided lists those they
// decided.
func (c *Create) approvalsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	tab := cmp.Or(q.Get("status"), approvalsPending)
	if tab != approvalsPending && tab != approvalsDecided {
		return problem.Input("status must be pending or decided, not %q.", tab)
	}
	p, err := c.approvalsData(r, tab)
	if err != nil {
		return err
	}
	switch q.Get("done") {
	case scaffolder.DecisionApprove:
		p.Notice = "Your approval is recorded."
	case scaffolder.DecisionReject:
		p.Notice = "Your rejection is recorded."
	}
	return c.render(w, r, http.StatusOK, "approvals", approvalsTitle(tab), p)
}

func approvalsTitle(tab string) string {
	if tab == approvalsDecided {
		return "Decided approvals"
	}
	return "Approvals"
}

// approvalsData reads one tab of the inbox.
func (c *Create) approvalsData(r *http.Request, tab string) (*approvalsPageData, error) {
	query, me, err := approvalQuery(r, tab)
	if err != nil {
		return nil, err
	}
	list, err := c.sc.Approvals(r.Context(), query)
	if err != nil {
		return nil, err
	}
	titles := c.templateTitles(r, list)
	p := &approvalsPageData{Tab: tab, CSRF: me.CSRF}
	for _, t := range []struct{ value, label string }{{approvalsPending, "Pending"}, {approvalsDecided, "Decided"}} {
		p.Tabs = append(p.Tabs, approvalsTab{Label: t.label, Href: "/create/approvals?status=" + t.value, Selected: t.value == tab})
	}
	for i, a := range list {
		p.Rows = append(p.Rows, approvalRowOf(i, a, me.Ref, titles))
	}
	return p, nil
}

// approvalRowOf shows approval a to the reader me.
func approvalRowOf(i int, a scaffolder.Approval, me string, titles map[string]string) approvalRow {
	row := approvalRow{
		Key:          strconv.Itoa(i),
		TaskID:       a.TaskID,
		StepID:       a.StepID,
		Iteration:    a.Iteration,
		TaskHref:     "/create/tasks/" + url.PathEscape(a.TaskID),
		TaskShort:    shortID(a.TaskID),
		StepName:     cmp.Or(a.StepName, a.StepID),
		Message:      a.Message,
		MinApprovals: max(a.MinApprovals, 1),
		CreatedAt:    a.CreatedAt,
		Deadline:     a.Deadline,
		DecidedAt:    a.DecidedAt,
		CanDecide:    a.Status == approvalsPending,
	}
	if a.Requester != "" {
		row.Requester = linkTo(a.Requester, "user")
	}
	if a.TemplateRef != "" {
		row.Template = templateLink(a.TemplateRef, titles)
	}
	for _, ref := range a.Approvers {
		row.Approvers = append(row.Approvers, linkTo(ref, "user"))
	}
	for _, v := range a.Votes {
		d := decisionView(v.Decision)
		row.Votes = append(row.Votes, voteView{Actor: linkTo(v.Actor, "user"), Label: d.Label, Class: d.Class, Comment: v.Comment, At: v.At})
		if v.Decision == scaffolder.DecisionApprove {
			row.Approvals++
		}
		if strings.EqualFold(v.Actor, me) {
			row.CanDecide = false
			row.Voted = d.Label
		}
	}
	if a.Decision != "" {
		row.Decision = decisionView(a.Decision)
	}
	return row
}

// templateLink links a template ref to its form, with its title when
// the catalog gave one.
func templateLink(ref string, titles map[string]string) refLink {
	r, err := entity.ParseRef(ref, entity.RefDefaults{Kind: "template"})
	if err != nil {
		return refLink{Label: ref, Ref: ref}
	}
	return refLink{
		Label: cmp.Or(titles[r.String()], r.Name),
		Href:  "/create/templates/" + url.PathEscape(r.Namespace) + "/" + url.PathEscape(r.Name),
		Ref:   r.String(),
	}
}

// templateTitles reads the titles of the approvals' templates in one
// catalog read; a failed read leaves the names showing.
func (c *Create) templateTitles(r *http.Request, list []scaffolder.Approval) map[string]string {
	var refs []string
	for _, a := range list {
		ref, err := entity.ParseRef(a.TemplateRef, entity.RefDefaults{Kind: "template"})
		if err == nil && !slices.Contains(refs, ref.String()) {
			refs = append(refs, ref.String())
		}
	}
	out := map[string]string{}
	if len(refs) == 0 {
		return out
	}
	ctx := r.Context()
	cat, err := c.reader(r)
	var ents []*entity.Entity
	if err == nil {
		ents, err = summariesByRefs(ctx, cat, refs)
	}
	if err != nil {
		c.log.WarnContext(ctx, "approval template titles failed", "error", err)
		return out
	}
	for i, e := range ents {
		if e != nil && i < len(refs) {
			out[refs[i]] = displayName(e)
		}
	}
	return out
}

// approvalDecide records the reader's decision (POST /create/approvals
// with taskId, stepId, iteration, decision and comment), then shows the
// inbox. A refused decision shows the inbox again with the reason beside
// the approval, under the status the refusal has.
func (c *Create) approvalDecide(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return problem.Input("The form could not be read.")
	}
	f := r.PostForm
	query, _, err := approvalQuery(r, approvalsPending)
	if err != nil {
		return err
	}
	d := scaffolder.Decision{
		TaskID:    f.Get("taskId"),
		StepID:    f.Get("stepId"),
		Iteration: f.Get("iteration"),
		Actor:     query.Actor,
		Refs:      query.Refs,
		Decision:  f.Get("decision"),
		Comment:   strings.TrimSpace(f.Get("comment")),
		Via:       "ui",
	}
	switch {
	case d.TaskID == "" || d.StepID == "":
		err = problem.Input("The form names no approval; open it again from the inbox.")
	case len([]rune(d.Comment)) > maxDecisionComment:
		err = problem.Input("The comment is longer than %d characters.", maxDecisionComment)
	default:
		_, err = c.sc.Decide(r.Context(), d)
	}
	if err == nil {
		http.Redirect(w, r, "/create/approvals?"+url.Values{"done": {d.Decision}}.Encode(), http.StatusSeeOther)
		return nil
	}
	pe, ok := problem.As(err)
	if !ok || problem.Status(err) >= 500 {
		return err
	}
	p, lerr := c.approvalsData(r, approvalsPending)
	if lerr != nil {
		return lerr
	}
	title, msg := refusalTitle(pe.Name), pe.Message
	placed := false
	for i := range p.Rows {
		row := &p.Rows[i]
		if row.TaskID == d.TaskID && row.StepID == d.StepID {
			row.ErrorTitle, row.Error, row.Comment = title, msg, d.Comment
			placed = true
		}
	}
	if !placed {
		p.Error = title + ": " + msg
	}
	return c.render(w, r, problem.Status(err), "approvals", "Error: "+approvalsTitle(approvalsPending), p)
}

// refusalTitle names why a decision was refused.
func refusalTitle(name string) string {
	switch name {
	case problem.NotAllowedError:
		return "You cannot decide this approval"
	case problem.ConflictError:
		return "This approval was decided already"
	case problem.NotFoundError:
		return "There is no such approval"
	}
	return "The decision was not recorded"
}
