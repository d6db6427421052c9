package scaffolder

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// APIVersion is the only template apiVersion the scaffolder runs.
const APIVersion = "scaffolder.backstage.io/v1beta3"

// Annotations that say where a template was read from.
const (
	annotationSourceLocation = "backstage.io/source-location"
	annotationLocation       = "backstage.io/managed-by-location"
)

// Template is a v1beta3 Template entity, decoded for running.
type Template struct {
	// Entity is the template entity as JSON-decoded data.
	Entity map[string]any
	// Ref is "template:<namespace>/<name>".
	Ref         string
	Name        string
	Namespace   string
	Title       string
	Description string
	// Pages are the parameter pages: spec.parameters as a list.
	Pages []map[string]any
	Steps []Step
	// Output is spec.output; nil when absent.
	Output map[string]any
	// SecretsSchema is spec.secrets.schema; nil when absent.
	SecretsSchema map[string]any
	// Presentation, FormDecorators and UIOptions are passed to the form
	// as they are.
	Presentation   any
	FormDecorators any
	UIOptions      any
	// Recovery is spec.EXPERIMENTAL_recovery; nil when absent.
	Recovery map[string]any
	// Concurrency bounds the steps that run at once (spec.concurrency);
	// 0 means DefaultStepConcurrency.
	Concurrency int
	// EntityFilter is spec.entityFilter: the entities a day-2 template
	// acts on; nil for none.
	EntityFilter []map[string]any
	// BaseURL is the directory the template was read from (a file:// or
	// SCM URL ending in "/"); "" when unknown.
	BaseURL string
}

// Step is one step of a template or task.
type Step struct {
	ID     string
	Name   string
	Action string
	// Input is the step's input before rendering; nil when absent.
	Input map[string]any
	// If and Each are the raw "if" and "each" values; nil when absent.
	If   any
	Each any
	// Index is the step's position, from 0.
	Index int
	// Needs are the steps this one waits for: its "needs", else the
	// step before it (Backstage's order).
	Needs []string
	// Flow is how the step runs: retries, timeout, failure handling and
	// parallel iterations.
	Flow StepFlow
	// OnFailure are the compensation steps run when this step fails.
	OnFailure []Step
	// raw is the step as written, with its defaulted id and name, so a
	// task spec keeps keys the runner does not read.
	raw map[string]any
}

// MarshalJSON writes the step as written, with its id and name.
func (s Step) MarshalJSON() ([]byte, error) { return json.Marshal(s.raw) }

// HasIf reports whether the step has an "if".
func (s Step) HasIf() bool {
	_, ok := s.raw["if"]
	return ok
}

// HasEach reports whether the step has an "each".
func (s Step) HasEach() bool {
	_, ok := s.raw["each"]
	return ok
}

// ParseTemplate decodes a Template entity. It checks the envelope and the
// shape of spec; Validate checks the rest.
func ParseTemplate(raw json.RawMessage) (*Template, error) {
	var data map[string]any
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, problem.Input("Template is not a JSON object: %v", err)
	}
	if data == nil {
		return nil, problem.Input("Template is not a JSON object")
	}
	if v, _ := data["apiVersion"].(string); v != APIVersion {
		return nil, problem.Input("Unsupported apiVersion field in schema entity, %v", data["apiVersion"])
	}
	if k, _ := data["kind"].(string); k != "Template" {
		return nil, problem.Input("Unsupported kind %v, expected Template", data["kind"])
	}
	meta, _ := data["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if name == "" {
		return nil, problem.Input("Template has no metadata.name")
	}
	ns, _ := meta["namespace"].(string)
	if ns == "" {
		ns = entity.DefaultNamespace
	}
	t := &Template{
		Entity:    data,
		Name:      name,
		Namespace: ns,
		Ref:       "template:" + ns + "/" + name,
		UIOptions: meta["ui:options"],
	}
	t.Title, _ = meta["title"].(string)
	t.Description, _ = meta["description"].(string)
	spec, ok := data["spec"].(map[string]any)
	if !ok {
		return nil, t.errorf("", "spec", "spec must be an object")
	}
	var err error
	if t.Pages, err = parsePages(spec["parameters"]); err != nil {
		return nil, t.errorf("", "parameters", "%v", err)
	}
	if t.Steps, err = parseSteps(spec["steps"]); err != nil {
		return nil, t.wrap(err)
	}
	if c, ok := spec["concurrency"]; ok && c != nil {
		n, ok := intValue(c)
		if !ok || n < 1 {
			return nil, t.errorf("", "concurrency", "concurrency must be a whole number of at least 1")
		}
		t.Concurrency = n
	}
	if f, ok := spec["entityFilter"]; ok && f != nil {
		if t.EntityFilter, err = parseEntityFilter(f); err != nil {
			return nil, t.errorf("", "entityFilter", "%v", err)
		}
	}
	if out, ok := spec["output"]; ok && out != nil {
		if t.Output, ok = out.(map[string]any); !ok {
			return nil, t.errorf("", "output", "output must be an object")
		}
	}
	if sec, ok := spec["secrets"].(map[string]any); ok {
		if s, ok := sec["schema"]; ok {
			if t.SecretsSchema, ok = s.(map[string]any); !ok {
				return nil, t.errorf("", "secrets.schema", "secrets.schema must be an object")
			}
		}
	}
	t.Presentation = spec["presentation"]
	t.FormDecorators = spec["formDecorators"]
	if t.FormDecorators == nil {
		t.FormDecorators = spec["EXPERIMENTAL_formDecorators"]
	}
	t.Recovery, _ = spec["EXPERIMENTAL_recovery"].(map[string]any)
	t.BaseURL = baseURL(meta)
	return t, nil
}

// parsePages reads spec.parameters: an object or a list of objects.
func parsePages(v any) ([]map[string]any, error) {
	switch p := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return []map[string]any{p}, nil
	case []any:
		pages := make([]map[string]any, 0, len(p))
		for i, it := range p {
			m, ok := it.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("parameters[%d] must be an object", i)
			}
			pages = append(pages, m)
		}
		return pages, nil
	}
	return nil, fmt.Errorf("parameters must be an object or a list of objects")
}

// parseSteps reads a list of steps, defaulting id to step-<n> (from 1)
// and name to the action id, and needs to the step before.
func parseSteps(v any) ([]Step, error) {
	return parseStepList(v, "steps", "step-")
}

// parseStepList reads the steps at field; ids default to prefix<n>.
func parseStepList(v any, field, prefix string) ([]Step, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, &TemplateError{Field: field, Message: field + " must be a list"}
	}
	steps := make([]Step, 0, len(list))
	for i, it := range list {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, &TemplateError{Field: fmt.Sprintf("%s[%d]", field, i), StepIndex: i, Message: "a step must be an object"}
		}
		raw := maps.Clone(m)
		s := Step{Index: i, raw: raw}
		s.ID, _ = m["id"].(string)
		if s.ID == "" {
			s.ID = fmt.Sprintf("%s%d", prefix, i+1)
		}
		act, ok := m["action"].(string)
		if !ok || strings.TrimSpace(act) == "" {
			return nil, &TemplateError{Step: s.ID, StepIndex: i, Field: "action", Message: "a step needs an action"}
		}
		s.Action = act
		s.Name, _ = m["name"].(string)
		if s.Name == "" {
			s.Name = act
		}
		raw["id"], raw["name"] = s.ID, s.Name
		if in, ok := m["input"]; ok && in != nil {
			if s.Input, ok = in.(map[string]any); !ok {
				return nil, &TemplateError{Step: s.ID, StepIndex: i, Field: "input", Message: "input must be an object"}
			}
		}
		s.If, s.Each = m["if"], m["each"]
		needs, explicit, err := parseNeeds(m["needs"])
		if err != nil {
			return nil, &TemplateError{Step: s.ID, StepIndex: i, Field: "needs", Message: err.Error()}
		}
		if !explicit && i > 0 {
			needs = []string{steps[i-1].ID}
		}
		s.Needs = needs
		if s.Flow, err = parseFlow(m); err != nil {
			var te *TemplateError
			if errors.As(err, &te) {
				te.Step, te.StepIndex = s.ID, i
				return nil, te
			}
			return nil, err
		}
		if of, ok := m["onFailure"]; ok && of != nil {
			comp, err := parseStepList(of, "onFailure", s.ID+"-onFailure-")
			if err != nil {
				var te *TemplateError
				if errors.As(err, &te) {
					te.Field = "onFailure: " + te.Field
					te.Step, te.StepIndex = s.ID, i
				}
				return nil, err
			}
			for j := range comp {
				// Compensation steps run one after another once their
				// step failed; their own needs say nothing.
				comp[j].Needs = nil
				if j > 0 {
					comp[j].Needs = []string{comp[j-1].ID}
				}
			}
			s.OnFailure = comp
		}
		steps = append(steps, s)
	}
	return steps, nil
}

// parseNeeds reads a step's "needs": a step id or a list of them.
func parseNeeds(v any) (needs []string, explicit bool, err error) {
	switch x := v.(type) {
	case nil:
		return nil, false, nil
	case string:
		return []string{x}, true, nil
	case []any:
		needs = []string{}
		for i, it := range x {
			id, ok := it.(string)
			if !ok || id == "" {
				return nil, false, fmt.Errorf("needs[%d] must be a step id", i)
			}
			needs = append(needs, id)
		}
		return needs, true, nil
	}
	return nil, false, fmt.Errorf("needs must be a step id or a list of step ids")
}

// baseURL is the directory the template was read from, from its source
// or managed-by location annotation, as Backstage's getEntityBaseUrl
// finds it.
func baseURL(meta map[string]any) string {
	ann, _ := meta["annotations"].(map[string]any)
	loc, _ := ann[annotationSourceLocation].(string)
	if loc == "" {
		loc, _ = ann[annotationLocation].(string)
	}
	typ, target, ok := strings.Cut(loc, ":")
	if !ok {
		return ""
	}
	switch typ {
	case "url":
	case "file":
		target = "file://" + target
	default:
		return ""
	}
	if !strings.HasSuffix(target, "/") {
		i := strings.LastIndex(target, "/")
		if i < 0 {
			return ""
		}
		target = target[:i+1]
	}
	return target
}

// TemplateError is a mistake in a template found before anything runs.
type TemplateError struct {
	// Template is the template's ref.
	Template string
	// Step is the id of the step at fault; "" for the template itself.
	Step string
	// StepIndex is the position of the step at fault, from 0.
	StepIndex int
	// Field is the field at fault, relative to the step (input.url, if,
	// action) or to spec when Step is "" (output.links[0].url).
	Field string
	// Line and Col locate an expression error inside the field's text,
	// from 1; 0 when unknown.
	Line, Col int
	Message   string
}

func (e *TemplateError) Error() string {
	var b strings.Builder
	if e.Template != "" {
		b.WriteString(e.Template)
		b.WriteString(": ")
	}
	if e.Step != "" {
		fmt.Fprintf(&b, "step %s: ", e.Step)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

func (t *Template) errorf(step, field, format string, args ...any) error {
	return t.wrap(&TemplateError{Step: step, Field: field, Message: fmt.Sprintf(format, args...)})
}

// wrap classifies a template error as an InputError naming the template.
func (t *Template) wrap(err error) error {
	te, ok := err.(*TemplateError)
	if !ok {
		return err
	}
	te.Template = t.Ref
	return problem.Input("%s", te.Error()).WithCause(te)
}
