package scaffolder

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/callboard/callboard/internal/scaffolder/nunjucks"
	"github.com/callboard/callboard/plugin"
)

// expressions is what the scaffolder needs of the template engine;
// *nunjucks.Env implements it.
type expressions interface {
	RenderValue(name, src string, ctx map[string]any) (any, error)
	Check(name, src string) error
	Refs(name, src string) ([][]string, error)
}

var _ expressions = (*nunjucks.Env)(nil)

// actionLookup finds a registered action by id.
type actionLookup func(id string) (plugin.Action, bool)

// errUnknownAction is Backstage's text for an action id nobody registered.
func errUnknownAction(id string) string {
	return fmt.Sprintf("Template action with ID '%s' is not registered. See https://backstage.io/docs/features/software-templates/builtin-actions/ on how to add a new action module.", id)
}

// checkTemplate finds every mistake that can be found before a task runs:
// unknown actions, inputs missing a property their action requires, step
// ids used twice, expressions that do not parse, references to steps that
// do not exist or run later, and parameter or secrets schemas that do not
// compile. Problems come in template order.
func checkTemplate(t *Template, lookup actionLookup, exprs expressions) []*TemplateError {
	var errs []*TemplateError
	add := func(e *TemplateError) {
		e.Template = t.Ref
		errs = append(errs, e)
	}
	for i, page := range t.Pages {
		if _, err := compileSchema(page); err != nil {
			add(&TemplateError{Field: fmt.Sprintf("parameters[%d]", i), Message: "invalid parameter schema: " + err.Error()})
		}
	}
	if t.SecretsSchema != nil {
		if _, err := compileSchema(t.SecretsSchema); err != nil {
			add(&TemplateError{Field: "secrets.schema", Message: "invalid secrets schema: " + err.Error()})
		}
	}
	position := map[string]int{}
	for _, s := range t.Steps {
		if prev, dup := position[s.ID]; dup {
			add(&TemplateError{Step: s.ID, StepIndex: s.Index, Field: "id", Message: fmt.Sprintf("step id '%s' is already used by step %d", s.ID, prev+1)})
			continue
		}
		position[s.ID] = s.Index
	}
	anc, dagErrs := stepAncestors(t.Steps)
	for _, e := range dagErrs {
		add(e)
	}
	all := map[string]bool{}
	for id := range position {
		all[id] = true
	}
	for _, s := range t.Steps {
		checkStep(s, lookup, exprs, all, anc[s.ID], add)
		for _, c := range s.OnFailure {
			if _, dup := position[c.ID]; dup {
				add(&TemplateError{Step: s.ID, StepIndex: s.Index, Field: "onFailure", Message: fmt.Sprintf("step id '%s' is already used", c.ID)})
			}
			// A compensation step sees what its step could see, and the
			// step itself.
			before := map[string]bool{s.ID: true}
			for a := range anc[s.ID] {
				before[a] = true
			}
			checkStep(c, lookup, exprs, all, before, func(e *TemplateError) {
				e.Field = "onFailure[" + c.ID + "]." + e.Field
				e.Step, e.StepIndex = s.ID, s.Index
				add(e)
			})
		}
	}
	walkStrings("output", t.Output, func(field, src string) {
		for _, e := range checkExpression(exprs, field, src, all, all) {
			add(e)
		}
	})
	return errs
}

// checkStep checks one step's action, required input and expressions;
// its expressions may refer to the steps in before.
func checkStep(s Step, lookup actionLookup, exprs expressions, all, before map[string]bool, add func(*TemplateError)) {
	action, ok := lookup(s.Action)
	if !ok {
		add(&TemplateError{Step: s.ID, StepIndex: s.Index, Field: "action", Message: errUnknownAction(s.Action)})
	} else if !s.HasEach() {
		for _, name := range missingRequired(action.Info().Input, s.Input) {
			add(&TemplateError{Step: s.ID, StepIndex: s.Index, Field: "input", Message: fmt.Sprintf("Invalid input passed to action %s, instance requires property %q", s.Action, name)})
		}
	}
	for _, f := range []struct {
		name string
		v    any
	}{{"if", s.If}, {"each", s.Each}, {"input", s.Input}} {
		walkStrings(f.name, f.v, func(field, src string) {
			for _, e := range checkExpression(exprs, field, src, all, before) {
				e.Step, e.StepIndex = s.ID, s.Index
				add(e)
			}
		})
	}
}

// missingRequired lists the properties an input schema requires that
// input does not have at all. Whether present values are valid can only
// be known once they are rendered.
func missingRequired(schema map[string]any, input map[string]any) []string {
	req, _ := schema["required"].([]any)
	var out []string
	for _, r := range req {
		name, ok := r.(string)
		if !ok {
			continue
		}
		if _, ok := input[name]; !ok {
			out = append(out, name)
		}
	}
	return out
}

// checkExpression parses one templated string and checks the steps it
// refers to exist and are sure to have run: they are in before.
func checkExpression(exprs expressions, field, src string, all, before map[string]bool) []*TemplateError {
	if !strings.Contains(src, "${{") && !strings.Contains(src, "{%") {
		return nil
	}
	refs, err := exprs.Refs(field, src)
	if err != nil {
		te := &TemplateError{Field: field, Message: err.Error()}
		var se *nunjucks.SyntaxError
		if errors.As(err, &se) {
			te.Line, te.Col, te.Message = se.Line, se.Col, se.Msg
		}
		return []*TemplateError{te}
	}
	var out []*TemplateError
	seen := map[string]bool{}
	for _, r := range refs {
		if len(r) < 2 || r[0] != "steps" || seen[r[1]] {
			continue
		}
		seen[r[1]] = true
		switch {
		case !all[r[1]]:
			out = append(out, &TemplateError{Field: field, Message: fmt.Sprintf("steps['%s'] refers to a step that does not exist", r[1])})
		case !before[r[1]]:
			out = append(out, &TemplateError{Field: field, Message: fmt.Sprintf("steps['%s'] refers to a step that has not run yet", r[1])})
		}
	}
	return out
}

// walkStrings calls fn for every string in v, with its field path.
func walkStrings(path string, v any, fn func(field, src string)) {
	switch x := v.(type) {
	case string:
		fn(path, x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walkStrings(path+"."+k, x[k], fn)
		}
	case []any:
		for i, e := range x {
			walkStrings(fmt.Sprintf("%s[%d]", path, i), e, fn)
		}
	}
}

// statusFuncs finds always() and failure() calls in an "if" expression.
var statusFuncs = regexp.MustCompile(`(^|[^\w.$])(always|failure)\s*\(`)

// usesStatusFunc reports whether an "if" runs after a failure: its text
// calls always() or failure() inside an expression.
func usesStatusFunc(cond any) bool {
	s, ok := cond.(string)
	if !ok {
		return false
	}
	for rest := s; ; {
		i := strings.Index(rest, "${{")
		if i < 0 {
			return false
		}
		rest = rest[i+3:]
		j := strings.Index(rest, "}}")
		if j < 0 {
			j = len(rest)
		}
		if statusFuncs.MatchString(rest[:j]) {
			return true
		}
		rest = rest[j:]
	}
}

// sortedActionIDs returns the ids of actions, sorted.
func sortedActionIDs(actions map[string]plugin.Action) []string {
	ids := make([]string, 0, len(actions))
	for id := range actions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
