package scaffolder

import (
	"context"
	"sort"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// ParseTemplateRef parses a template ref, kind defaulting to template;
// other kinds are refused as Backstage refuses them.
func ParseTemplateRef(ref string) (string, error) {
	r, err := entity.ParseRef(ref, entity.RefDefaults{Kind: "template"})
	if err != nil {
		return "", problem.Input("%v", err)
	}
	if !strings.EqualFold(r.Kind, "template") {
		return "", problem.Input("Invalid kind, only 'Template' kind is supported")
	}
	return r.String(), nil
}

// Template reads a template from the catalog as the caller in ctx may see
// it and decodes it.
func (e *Engine) Template(ctx context.Context, ref string) (*Template, error) {
	canonical, err := ParseTemplateRef(ref)
	if err != nil {
		return nil, err
	}
	if e.catalog == nil {
		return nil, problem.NotFound("Template %s not found", canonical)
	}
	raw, err := e.catalog.Entity(ctx, canonical)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, problem.NotFound("Template %s not found", canonical)
	}
	t, err := ParseTemplate(raw)
	if err != nil {
		return nil, err
	}
	e.withSourceOrder(ctx, t)
	return t, nil
}

// Templates returns the v1beta3 templates the caller may see, by title.
// Templates of other apiVersions are left out.
func (e *Engine) Templates(ctx context.Context) ([]*Template, error) {
	if e.catalog == nil {
		return nil, nil
	}
	raws, err := e.catalog.Templates(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Template, 0, len(raws))
	for _, raw := range raws {
		t, err := ParseTemplate(raw)
		if err != nil {
			continue
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.ToLower(out[i].DisplayTitle()) < strings.ToLower(out[j].DisplayTitle())
	})
	return out, nil
}

// DisplayTitle is metadata.title, or the name.
func (t *Template) DisplayTitle() string {
	if t.Title != "" {
		return t.Title
	}
	return t.Name
}

// ParameterSchema is what the form of a template is built from, in the
// shape of Backstage's parameter-schema endpoint.
type ParameterSchema struct {
	Title          string          `json:"title"`
	Description    string          `json:"description,omitempty"`
	Presentation   any             `json:"presentation,omitempty"`
	UIOptions      any             `json:"ui:options,omitempty"`
	Steps          []ParameterPage `json:"steps"`
	FormDecorators any             `json:"formDecorators,omitempty"`
}

// ParameterPage is one page of the form.
type ParameterPage struct {
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Schema      map[string]any `json:"schema"`
}

// defaultPageTitle is Backstage's title for a page without one.
const defaultPageTitle = "Please enter the following information"

// ParameterSchema returns the form of a template.
func (e *Engine) ParameterSchema(ctx context.Context, ref string) (*ParameterSchema, error) {
	t, err := e.Template(ctx, ref)
	if err != nil {
		return nil, err
	}
	return t.ParameterSchema(), nil
}

// ParameterSchema returns the template's form.
func (t *Template) ParameterSchema() *ParameterSchema {
	ps := &ParameterSchema{
		Title:          t.DisplayTitle(),
		Description:    t.Description,
		Presentation:   t.Presentation,
		UIOptions:      t.UIOptions,
		Steps:          []ParameterPage{},
		FormDecorators: t.FormDecorators,
	}
	for _, p := range t.Pages {
		page := ParameterPage{Title: defaultPageTitle, Schema: p}
		if s, ok := p["title"].(string); ok && s != "" {
			page.Title = s
		}
		page.Description, _ = p["description"].(string)
		ps.Steps = append(ps.Steps, page)
	}
	return ps
}

// Check finds every mistake in a template that can be found before it
// runs (see checkTemplate); nil when there is none.
func (e *Engine) Check(t *Template) []*TemplateError {
	return checkTemplate(t, e.action, e.exprs)
}

// validate checks a template, failing with its first mistake.
func (e *Engine) validate(t *Template) error {
	if errs := e.Check(t); len(errs) > 0 {
		return problem.Input("%s", errs[0].Error()).WithCause(errs[0])
	}
	return nil
}

// ValidateValues checks values against every parameter page and secrets
// against the secrets schema; a failure is a *ValuesError.
func (t *Template) ValidateValues(values map[string]any, secrets map[string]string) error {
	if values == nil {
		values = map[string]any{}
	}
	for i, page := range t.Pages {
		c, err := compileSchema(page)
		if err != nil {
			return problem.Input("%s: parameters[%d]: invalid parameter schema: %v", t.Ref, i, err)
		}
		verrs, err := c.validate(values)
		if err != nil {
			return err
		}
		if len(verrs) > 0 {
			return &ValuesError{Page: i, Errors: verrs}
		}
	}
	if t.SecretsSchema != nil {
		c, err := compileSchema(t.SecretsSchema)
		if err != nil {
			return problem.Input("%s: secrets.schema: invalid secrets schema: %v", t.Ref, err)
		}
		s := map[string]any{}
		for k, v := range secrets {
			s[k] = v
		}
		verrs, err := c.validate(s)
		if err != nil {
			return err
		}
		if len(verrs) > 0 {
			// The failing values are secrets: never echo them.
			red := newRedactor(secrets)
			for i := range verrs {
				verrs[i].Instance = red.Value(verrs[i].Instance)
			}
			return &ValuesError{Page: -1, Errors: verrs}
		}
	}
	return nil
}
