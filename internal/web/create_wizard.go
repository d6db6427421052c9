package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/auth"
	"github.com/callboard/callboard/internal/permission"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/web/form"
)

// The wizard is one form per parameter page, then a review page, posted
// back to the template's address. Besides the page's fields the form
// carries its state in hidden fields: the page (_step), the values of
// every page so far (_values, JSON; secrets appear there only as
// asterisks), the oneOf options chosen (_choices) and the id of the
// server-side draft holding the secrets (_draft). The button pressed is
// _action: next (the default), back, refresh (show the page again with
// the values given, as the script does when a controlling field changes),
// edit-<page> (from the review) or create.

// maxWizardBody bounds a posted page.
const maxWizardBody = 1 << 20

// wizardState is what the wizard carries from page to page.
type wizardState struct {
	values  map[string]any
	choices map[string]int
	secrets map[string]string
	draft   string
	// entityRef is the entity a day-2 template acts on (_entityRef).
	entityRef string
}

// wizardPage is the data of the wizard's page.
type wizardPage struct {
	Title       string
	Description string
	Ref         string
	Action      string
	Steps       []wizardStep
	// Step is the page shown; Review is set on the review page.
	Step   int
	Review bool
	// StepTitle and StepDescription describe the parameter page shown.
	StepTitle, StepDescription string
	Fields                     template.HTML
	Errors                     []form.ErrorLink
	// Notice tells why a page is shown again without errors.
	Notice string
	// FormError is a problem with the whole form (rate limit, a failed
	// create).
	FormError string
	Reviews   []reviewSection
	// Hidden state.
	Values, Choices, Draft, CSRF string
	Labels                       buttonLabels
	// NextLabel is the forward button of a parameter page: Review on the
	// last one.
	NextLabel string
	// EntityRef is the entity the task will act on, ActingOn its link.
	EntityRef string
	ActingOn  refLink
	// Workflow draws the template's steps.
	Workflow *workflowDrawing
}

// wizardStep is one entry of the steps list.
type wizardStep struct {
	Number        int
	Title         string
	Current, Done bool
}

// reviewSection lists one parameter page's values on the review page.
type reviewSection struct {
	Title string
	Step  int
	Items []form.ReviewItem
}

// buttonLabels are the wizard's buttons, as spec.presentation may name
// them.
type buttonLabels struct {
	Back, Next, Review, Create string
}

// wizardTemplate reads the template of a wizard address as the reader may
// see it.
func (c *Create) wizardTemplate(r *http.Request) (*scaffolder.Template, error) {
	ref := "template:" + r.PathValue("namespace") + "/" + r.PathValue("name")
	return c.sc.Template(r.Context(), ref)
}

// wizardStart shows the first page, with the defaults and any values the
// address gives in formData (a JSON object, as Backstage takes it).
func (c *Create) wizardStart(w http.ResponseWriter, r *http.Request) error {
	t, err := c.wizardTemplate(r)
	if err != nil {
		return err
	}
	st := &wizardState{values: map[string]any{}, choices: map[string]int{}, secrets: map[string]string{}}
	if st.entityRef, err = entityRefParam(r.URL.Query().Get("entityRef")); err != nil {
		return err
	}
	if fd := r.URL.Query().Get("formData"); fd != "" {
		if err := json.Unmarshal([]byte(fd), &st.values); err != nil || st.values == nil {
			return problem.Input("formData must be a JSON object of field values.")
		}
	}
	if len(t.Pages) == 0 {
		return c.renderReview(w, r, http.StatusOK, t, st, "")
	}
	return c.renderStep(w, r, http.StatusOK, t, st, 0, nil, "")
}

// wizardPost handles every button of the wizard.
func (c *Create) wizardPost(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxWizardBody)
	if err := r.ParseForm(); err != nil {
		return problem.Input("The form could not be read.")
	}
	t, err := c.wizardTemplate(r)
	if err != nil {
		return err
	}
	st, err := c.wizardStateOf(r)
	if err != nil {
		return err
	}
	step, err := strconv.Atoi(r.PostForm.Get("_step"))
	if err != nil || step < 0 || step > len(t.Pages) {
		return problem.Input("The form names no page of this template; start again from the template's page.")
	}
	action := r.PostForm.Get("_action")
	if step == len(t.Pages) {
		return c.reviewAction(w, r, t, st, action)
	}
	f := form.New(t.Pages[step])
	res := f.Parse(r.PostForm, st.values)
	st.values = res.Values
	for k, v := range res.Choices {
		st.choices[k] = v
	}
	for k, v := range res.Secrets {
		st.secrets[k] = v
	}
	if len(st.secrets) > 0 {
		st.draft = c.drafts.put(st.draft, viewerRef(r), st.secrets)
	}
	switch {
	case action == "refresh":
		return c.renderStep(w, r, http.StatusOK, t, st, step, nil, "")
	case action == "back":
		return c.renderStep(w, r, http.StatusOK, t, st, max(step-1, 0), nil, "")
	case res.Changed:
		return c.renderStep(w, r, http.StatusOK, t, st, step, nil, "Your answers brought up more questions on this page. Check them, then continue.")
	}
	problems := res.Problems
	failed, verrs, err := validatePages(t, st.values, step)
	if err != nil {
		return err
	}
	if failed >= 0 && failed < step {
		// An earlier page no longer holds (its values came back changed):
		// show it again.
		return c.renderStep(w, r, http.StatusBadRequest, t, st, failed, verrs, "")
	}
	problems = append(problems, verrs...)
	problems = append(problems, c.missingSecrets(t, st, step)...)
	if len(problems) > 0 {
		return c.renderStep(w, r, http.StatusBadRequest, t, st, step, problems, "")
	}
	if step+1 == len(t.Pages) {
		return c.renderReview(w, r, http.StatusOK, t, st, "")
	}
	return c.renderStep(w, r, http.StatusOK, t, st, step+1, nil, "")
}

// reviewAction handles the review page's buttons.
func (c *Create) reviewAction(w http.ResponseWriter, r *http.Request, t *scaffolder.Template, st *wizardState, action string) error {
	switch {
	case action == "create":
		return c.createTask(w, r, t, st)
	case action == "back" && len(t.Pages) > 0:
		return c.renderStep(w, r, http.StatusOK, t, st, len(t.Pages)-1, nil, "")
	case strings.HasPrefix(action, "edit-"):
		n, err := strconv.Atoi(strings.TrimPrefix(action, "edit-"))
		if err == nil && n >= 0 && n < len(t.Pages) {
			return c.renderStep(w, r, http.StatusOK, t, st, n, nil, "")
		}
	}
	return c.renderReview(w, r, http.StatusOK, t, st, "")
}

// createTask starts the task and sends the browser to its page.
func (c *Create) createTask(w http.ResponseWriter, r *http.Request, t *scaffolder.Template, st *wizardState) error {
	for i := range t.Pages {
		if missing := c.missingSecrets(t, st, i); len(missing) > 0 {
			return c.renderStep(w, r, http.StatusBadRequest, t, st, i, missing, "")
		}
	}
	if err := c.allow(r, permission.ScaffolderTaskCreate, t.Ref); err != nil {
		return c.renderReview(w, r, problem.Status(err), t, st, problemMessage(err))
	}
	userRef, createdBy := taskCreator(r)
	id, err := c.sc.Create(r.Context(), scaffolder.CreateRequest{
		TemplateRef: t.Ref,
		Values:      st.values,
		Secrets:     st.secrets,
		UserRef:     userRef,
		CreatedBy:   createdBy,
		EntityRef:   st.entityRef,
	})
	var verr *scaffolder.ValuesError
	var rl *scaffolder.RateLimitError
	switch {
	case errors.As(err, &verr) && verr.Page >= 0 && verr.Page < len(t.Pages):
		return c.renderStep(w, r, http.StatusBadRequest, t, st, verr.Page, problemsOf(verr.Errors), "")
	case errors.As(err, &verr):
		return c.renderReview(w, r, http.StatusBadRequest, t, st, "The secrets do not meet the template's rules: "+verr.Error())
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Seconds()+0.999)))
		return c.renderReview(w, r, http.StatusTooManyRequests, t, st, rl.Error()+".")
	case err != nil:
		if p, ok := problem.As(err); ok && problem.Status(err) < 500 {
			return c.renderReview(w, r, problem.Status(err), t, st, p.Message)
		}
		return err
	}
	if st.draft != "" {
		c.drafts.drop(st.draft)
	}
	http.Redirect(w, r, "/create/tasks/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

// problemMessage is the message of a problem error.
func problemMessage(err error) string {
	if p, ok := problem.As(err); ok {
		return p.Message
	}
	return err.Error()
}

// taskCreator is who a task is created for and recorded as created by:
// the user (or guest), or a service's subject.
func taskCreator(r *http.Request) (userRef, createdBy string) {
	id, ok := auth.IdentityFrom(r.Context())
	if !ok {
		return "", ""
	}
	if id.Kind == auth.KindService {
		return "", id.Principal()
	}
	return id.UserEntityRef, id.UserEntityRef
}

// wizardStateOf reads the hidden state of a posted page.
func (c *Create) wizardStateOf(r *http.Request) (*wizardState, error) {
	st := &wizardState{values: map[string]any{}, choices: map[string]int{}, draft: r.PostForm.Get("_draft")}
	var err error
	if st.entityRef, err = entityRefParam(r.PostForm.Get("_entityRef")); err != nil {
		return nil, err
	}
	if v := r.PostForm.Get("_values"); v != "" {
		if err := json.Unmarshal([]byte(v), &st.values); err != nil || st.values == nil {
			return nil, problem.Input("The form's values could not be read; start again from the template's page.")
		}
	}
	if v := r.PostForm.Get("_choices"); v != "" {
		if err := json.Unmarshal([]byte(v), &st.choices); err != nil || st.choices == nil {
			return nil, problem.Input("The form's choices could not be read; start again from the template's page.")
		}
	}
	st.secrets = c.drafts.get(st.draft, viewerRef(r))
	return st, nil
}

// validatePages checks the values against the parameter pages up to
// and including upTo, as the scaffolder will when the task is created; it
// returns the first page that fails and its problems, or -1.
func validatePages(t *scaffolder.Template, values map[string]any, upTo int) (int, []form.Problem, error) {
	part := *t
	part.Pages = t.Pages[:upTo+1]
	part.SecretsSchema = nil
	err := part.ValidateValues(values, nil)
	var verr *scaffolder.ValuesError
	switch {
	case err == nil:
		return -1, nil, nil
	case errors.As(err, &verr):
		return verr.Page, problemsOf(verr.Errors), nil
	}
	return -1, nil, err
}

// problemsOf turns the scaffolder's validation errors into the form's
// problems.
func problemsOf(errs []scaffolder.ValidationError) []form.Problem {
	out := make([]form.Problem, 0, len(errs))
	for _, e := range errs {
		p := form.Problem{Keyword: e.Name, Argument: e.Argument, Message: e.Message}
		for _, seg := range e.Path {
			p.Path = append(p.Path, fmt.Sprint(seg))
		}
		out = append(out, p)
	}
	return out
}

// missingSecrets finds the page's secret fields that were filled in but
// whose secret the server no longer holds (the draft expired, or another
// replica served the page): they must be typed again.
func (c *Create) missingSecrets(t *scaffolder.Template, st *wizardState, step int) []form.Problem {
	var out []form.Problem
	for _, p := range form.New(t.Pages[step]).SecretFields(st.values, st.choices) {
		name := p[len(p)-1]
		if valueAt(st.values, p) == nil || st.secrets[name] != "" {
			continue
		}
		out = append(out, form.Problem{Path: p, Message: "Enter this again: secrets are kept only while the form is filled in."})
		deleteAt(st.values, p)
	}
	return out
}

// valueAt returns the value at p inside values; nil when there is none.
func valueAt(values map[string]any, p form.Path) any {
	var cur any = values
	for _, seg := range p {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[seg]
	}
	return cur
}

// deleteAt removes the value at p.
func deleteAt(values map[string]any, p form.Path) {
	cur := values
	for i, seg := range p {
		if i == len(p)-1 {
			delete(cur, seg)
			return
		}
		next, ok := cur[seg].(map[string]any)
		if !ok {
			return
		}
		cur = next
	}
}

// renderStep shows parameter page step with its problems.
func (c *Create) renderStep(w http.ResponseWriter, r *http.Request, status int, t *scaffolder.Template, st *wizardState, step int, problems []form.Problem, notice string) error {
	f := form.New(t.Pages[step])
	st.values = f.Defaults(st.values, st.choices)
	cat, err := c.reader(r)
	if err != nil {
		return err
	}
	me := viewerOf(r)
	secretsSet := map[string]bool{}
	for k := range st.secrets {
		secretsSet[k] = true
	}
	view, err := f.View(r.Context(), form.State{
		Values:     st.values,
		Problems:   problems,
		Choices:    st.choices,
		SecretsSet: secretsSet,
		Entities:   pickerEntities{cat},
		Ownership:  me.Ownership,
	})
	if err != nil {
		return err
	}
	p, err := c.wizardData(r, t, st, step)
	if err != nil {
		return err
	}
	p.StepTitle, p.StepDescription = pageTitle(t, step), f.Description()
	p.Fields, p.Errors, p.Notice = view.HTML, view.Errors, notice
	title := t.DisplayTitle()
	if len(view.Errors) > 0 {
		title = "Error: " + title
	}
	return c.render(w, r, status, "create-template", title, p)
}

// renderReview shows the review page.
func (c *Create) renderReview(w http.ResponseWriter, r *http.Request, status int, t *scaffolder.Template, st *wizardState, formError string) error {
	p, err := c.wizardData(r, t, st, len(t.Pages))
	if err != nil {
		return err
	}
	p.Review, p.FormError = true, formError
	for i, page := range t.Pages {
		p.Reviews = append(p.Reviews, reviewSection{Title: pageTitle(t, i), Step: i, Items: form.New(page).Review(st.values, st.choices)})
	}
	title := "Review: " + t.DisplayTitle()
	if formError != "" {
		title = "Error: " + title
	}
	return c.render(w, r, status, "create-template", title, p)
}

// wizardData is what every page of the wizard shows.
func (c *Create) wizardData(r *http.Request, t *scaffolder.Template, st *wizardState, step int) (*wizardPage, error) {
	values, err := json.Marshal(st.values)
	if err != nil {
		return nil, fmt.Errorf("encode form values: %w", err)
	}
	choices, err := json.Marshal(st.choices)
	if err != nil {
		return nil, fmt.Errorf("encode form choices: %w", err)
	}
	ref, _ := entity.ParseRef(t.Ref, entity.RefDefaults{})
	p := &wizardPage{
		Title:       t.DisplayTitle(),
		Description: markdownSummary(t.Description),
		Ref:         t.Ref,
		Action:      "/create/templates/" + url.PathEscape(ref.Namespace) + "/" + url.PathEscape(ref.Name),
		Step:        step,
		Values:      string(values),
		Choices:     string(choices),
		Draft:       st.draft,
		CSRF:        viewerOf(r).CSRF,
		Labels:      presentationLabels(t.Presentation),
		EntityRef:   st.entityRef,
		Workflow:    drawWorkflow(scaffolder.TemplateGraph(t), false),
	}
	if st.entityRef != "" {
		p.ActingOn = linkTo(st.entityRef, "component")
	}
	for i := range t.Pages {
		p.Steps = append(p.Steps, wizardStep{Number: i + 1, Title: pageTitle(t, i), Current: i == step, Done: i < step})
	}
	p.Steps = append(p.Steps, wizardStep{Number: len(t.Pages) + 1, Title: "Review", Current: step == len(t.Pages)})
	p.NextLabel = p.Labels.Next
	if step == len(t.Pages)-1 {
		p.NextLabel = p.Labels.Review
	}
	return p, nil
}

// pageTitle is a parameter page's title, Backstage's default when it has
// none.
func pageTitle(t *scaffolder.Template, i int) string {
	if s, ok := t.Pages[i]["title"].(string); ok && s != "" {
		return s
	}
	return "Please enter the following information"
}

// presentationLabels reads spec.presentation.buttonLabels.
func presentationLabels(p any) buttonLabels {
	l := buttonLabels{Back: "Back", Next: "Next", Review: "Review", Create: "Create"}
	m, _ := p.(map[string]any)
	bl, _ := m["buttonLabels"].(map[string]any)
	for key, dst := range map[string]*string{"backButtonText": &l.Back, "reviewButtonText": &l.Review, "createButtonText": &l.Create} {
		if s, ok := bl[key].(string); ok && strings.TrimSpace(s) != "" {
			*dst = s
		}
	}
	return l
}
