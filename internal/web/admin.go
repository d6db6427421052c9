package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/problem"
)

// PolicyExplainer shows the permission policy and answers "may user X do
// Y on entity Z"; the composition root adapts the policy and the catalog.
type PolicyExplainer interface {
	View() permission.PolicyView
	// PermissionNames lists the known permissions, for the form.
	PermissionNames() []string
	Explain(ctx context.Context, q ExplainQuery) (*Explanation, error)
}

// ExplainQuery is the admin page's question.
type ExplainQuery struct {
	User       string // a user ref; the kind defaults to user
	Permission string
	Entity     string // an entity ref, for resource permissions; optional
}

// Explanation is the policy's answer and how it came about.
type Explanation struct {
	// User is the canonical user ref asked about; InCatalog says whether
	// a User entity has it (its ownership then comes from its groups).
	User      string
	InCatalog bool
	Ownership []string
	// Permission is the permission decided; Known says whether Callboard
	// defines it.
	Permission permission.Permission
	Known      bool
	// Entity is the canonical entity ref decided about, "" for none.
	Entity string
	Result permission.Result
	Rule   string
	// Conditions are the criteria of a CONDITIONAL answer (JSON).
	Conditions string
	// Note explains something about the question (an entity given for a
	// basic permission, say).
	Note string
}

// AuditReader reads the audit log; *audit.Log implements it.
type AuditReader interface {
	Events(ctx context.Context, f audit.Filter, cursor string, limit int) (*audit.Page, error)
}

var _ AuditReader = (*audit.Log)(nil)

// AdminOptions configure the administration pages. Policy and Audit are
// required.
type AdminOptions struct {
	Policy PolicyExplainer
	Audit  AuditReader
	// Authorize decides a permission for the request's reader
	// (callboard.policy.read, callboard.audit.read) and returns a
	// NotAllowed problem to refuse; nil allows every reader.
	Authorize func(ctx context.Context, permission string) error
	Logger    *slog.Logger
	// Dev, DevDir and Title are as in Options.
	Dev    bool
	DevDir string
	Title  string
}

// AdminPaths are the path patterns NewAdminPages serves, for the
// composition root's router.
var AdminPaths = []string{"/admin/permissions", "/audit"}

// adminPages are the permission policy page and the audit log page.
type adminPages struct {
	*site
	policy    PolicyExplainer
	audit     AuditReader
	authorize func(ctx context.Context, permission string) error
}

// NewAdminPages returns the handler for /admin/permissions (the policy as
// configured and a form that explains a decision) and /audit (the audit
// log with filters, paging and an export link), in the portal's layout.
func NewAdminPages(o AdminOptions) http.Handler {
	s := &site{log: o.Logger, title: o.Title, dev: o.Dev, devDir: o.DevDir}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.title == "" {
		s.title = DefaultTitle
	}
	if s.devDir == "" {
		s.devDir = DefaultDevDir
	}
	if !s.dev {
		b, err := embeddedBundle()
		if err != nil {
			panic(fmt.Sprintf("web: embedded templates: %v", err))
		}
		s.fixed = b
	}
	a := &adminPages{site: s, policy: o.Policy, audit: o.Audit, authorize: o.Authorize}
	mux := http.NewServeMux()
	mux.Handle("GET /admin/permissions", s.handle(a.permissions))
	mux.Handle("GET /audit", s.handle(a.auditLog))
	mux.Handle("/", s.handle(s.notFound))
	return s.observe(securityHeaders(mux))
}

// allowed checks a permission of the reader.
func (a *adminPages) allowed(r *http.Request, name string) error {
	if a.authorize == nil {
		return nil
	}
	return a.authorize(r.Context(), name)
}

// permissionsPage is the data of /admin/permissions.
type permissionsPage struct {
	View        permission.PolicyView
	Rules       []ruleRow
	Defaults    []string
	Permissions []string
	Form        ExplainQuery
	Asked       bool
	Answer      *Explanation
	Error       string
}

// ruleRow is a rule with its position.
type ruleRow struct {
	N int
	permission.RuleView
}

// policyDefaults describe what happens when no rule matches, as the
// permission package decides it.
var policyDefaults = []string{
	"Services (external access tokens) skip the rules, as in Backstage, but their token's access restrictions apply.",
	"Callers who are not signed in are denied.",
	"Callboard's admin permissions (callboard.admin, callboard.audit.read, callboard.policy.read, scaffolder.template.management) are allowed to the admins above and denied to everyone else.",
	"Every other permission Callboard knows (the catalog's, the scaffolder's, approvals) is allowed to every signed-in user.",
	"Permissions Callboard does not know are denied.",
}

func (a *adminPages) permissions(w http.ResponseWriter, r *http.Request) error {
	if err := a.allowed(r, permission.CallboardPolicyRead); err != nil {
		return err
	}
	q := r.URL.Query()
	p := permissionsPage{
		View:        a.policy.View(),
		Defaults:    policyDefaults,
		Permissions: a.policy.PermissionNames(),
		Form: ExplainQuery{
			User:       strings.TrimSpace(q.Get("user")),
			Permission: strings.TrimSpace(q.Get("permission")),
			Entity:     strings.TrimSpace(q.Get("entity")),
		},
	}
	for i, r := range p.View.Rules {
		p.Rules = append(p.Rules, ruleRow{N: i + 1, RuleView: r})
	}
	status := http.StatusOK
	if p.Form.User != "" || p.Form.Permission != "" || p.Form.Entity != "" {
		p.Asked = true
		switch {
		case p.Form.User == "" || p.Form.Permission == "":
			p.Error = "Give a user and a permission."
			status = http.StatusBadRequest
		default:
			ans, err := a.policy.Explain(r.Context(), p.Form)
			if err != nil {
				if msg, ok := inputMessage(err); ok {
					p.Error, status = msg, http.StatusBadRequest
					break
				}
				return err
			}
			p.Answer = ans
		}
	}
	return a.render(w, r, status, "admin-permissions", "Permissions", p)
}

// auditPage is the data of /audit.
type auditPage struct {
	Filter     auditFilter
	Events     []auditRow
	NewerURL   string // back to the first page, when not on it
	OlderURL   string
	ExportURL  string
	Error      string
	Limit      int
	FirstPage  bool
	AnyFilter  bool
	ClearURL   string
	ActionHelp string
}

// auditFilter is the filter form as sent.
type auditFilter struct {
	Actor, Action, Target, From, To string
}

// auditRow is one event as the page shows it.
type auditRow struct {
	audit.Event
	OutcomeClass string
	Before       string
	After        string
	Details      string
}

// auditPageSize is how many events the page lists.
const auditPageSize = 50

func (a *adminPages) auditLog(w http.ResponseWriter, r *http.Request) error {
	if err := a.allowed(r, permission.CallboardAuditRead); err != nil {
		return err
	}
	q := r.URL.Query()
	f := auditFilter{
		Actor:  strings.TrimSpace(q.Get("actor")),
		Action: strings.TrimSpace(q.Get("action")),
		Target: strings.TrimSpace(q.Get("target")),
		From:   strings.TrimSpace(q.Get("from")),
		To:     strings.TrimSpace(q.Get("to")),
	}
	p := auditPage{Filter: f, Limit: auditPageSize, FirstPage: q.Get("cursor") == "",
		AnyFilter: f != auditFilter{}, ClearURL: "/audit"}
	status := http.StatusOK
	filter := audit.Filter{Actor: f.Actor, Action: f.Action, Target: f.Target}
	var err error
	if filter.From, err = audit.ParseTime(f.From, false); err != nil {
		p.Error, status = "From: "+err.Error(), http.StatusBadRequest
	} else if filter.To, err = audit.ParseTime(f.To, true); err != nil {
		p.Error, status = "To: "+err.Error(), http.StatusBadRequest
	}
	params := func(extra ...string) string {
		v := make(map[string]string)
		for _, kv := range [][2]string{{"actor", f.Actor}, {"action", f.Action}, {"target", f.Target}, {"from", f.From}, {"to", f.To}} {
			if kv[1] != "" {
				v[kv[0]] = kv[1]
			}
		}
		for i := 0; i+1 < len(extra); i += 2 {
			v[extra[i]] = extra[i+1]
		}
		return encodeQuery(v)
	}
	if p.Error == "" {
		page, err := a.audit.Events(r.Context(), filter, q.Get("cursor"), auditPageSize)
		if err != nil {
			if msg, ok := inputMessage(err); ok {
				p.Error, status = msg, http.StatusBadRequest
			} else {
				return err
			}
		} else {
			for _, e := range page.Items {
				p.Events = append(p.Events, auditRowOf(e))
			}
			if page.NextCursor != "" {
				p.OlderURL = "/audit" + params("cursor", page.NextCursor)
			}
		}
	}
	if !p.FirstPage {
		p.NewerURL = "/audit" + params()
	}
	exp := map[string]string{}
	if f.From != "" {
		exp["from"] = f.From
	}
	if f.To != "" {
		exp["to"] = f.To
	}
	p.ExportURL = "/api/audit/events/export" + encodeQuery(exp)
	return a.render(w, r, status, "audit", "Audit log", p)
}

func auditRowOf(e audit.Event) auditRow {
	row := auditRow{Event: e, Before: string(e.Before), After: string(e.After), Details: string(e.Details)}
	switch e.Outcome {
	case audit.OutcomeDenied, audit.OutcomeFailed:
		row.OutcomeClass = "badge--error"
	case audit.OutcomeSucceeded, audit.OutcomeAllowed:
		row.OutcomeClass = "badge--ok"
	}
	row.Time = e.Time.UTC().Truncate(time.Second)
	return row
}

// inputMessage returns the message of an InputError, which the page shows
// beside its form.
func inputMessage(err error) (string, bool) {
	if p, ok := problem.As(err); ok && p.Name == problem.InputError {
		return p.Message, true
	}
	return "", false
}

// encodeQuery is "?a=b&..." in key order, or "" for no parameters.
func encodeQuery(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	v := url.Values{}
	for k, x := range m {
		v.Set(k, x)
	}
	return "?" + v.Encode()
}
