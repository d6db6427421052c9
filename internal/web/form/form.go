package form

import (
	"bytes"
	"context"
	"embed"
	"html/template"
)

// Form is one parameter page of a template: a JSON schema of an object
// whose properties are the page's fields.
type Form struct {
	schema Schema
}

// New returns the form of a parameter page.
func New(page Schema) *Form {
	if page == nil {
		page = Schema{}
	}
	return &Form{schema: page}
}

// Title is the page's title ("" when it has none).
func (f *Form) Title() string { return str(f.schema, "title") }

// Description is the page's description.
func (f *Form) Description() string { return str(f.schema, "description") }

// State is what a form is rendered from.
type State struct {
	// Values are the values so far (of every page).
	Values map[string]any
	// Problems are shown beside the fields they concern.
	Problems []Problem
	// Choices are the oneOf/anyOf options the user picked, by the
	// pointer of the object offering them (Result.Choices).
	Choices map[string]int
	// SecretsSet names the secrets the server holds already; their
	// fields may be left empty to keep them.
	SecretsSet map[string]bool
	// Entities offers entities to the pickers; nil offers none.
	Entities Entities
	// Ownership are the reader's ownership refs (user and groups), for
	// OwnedEntityPicker.
	Ownership []string

	// errors are the problems' texts by the pointer of the field they
	// concern.
	errors map[string][]string
}

// View is a rendered form.
type View struct {
	// HTML holds the page's fields, to put inside a <form>.
	HTML template.HTML
	// Errors lists every problem in the order of the fields, each with
	// the id of the control it concerns ("" when no field on the page
	// shows it), for a summary above the form.
	Errors []ErrorLink
}

// ErrorLink is one problem of a View.
type ErrorLink struct {
	Label   string
	Message string
	ID      string
}

//go:embed fields.html
var templateFS embed.FS

var fieldsTemplate = template.Must(template.New("").Funcs(template.FuncMap{
	"inc":         func(i int) int { return i + 1 },
	"blankOption": blankOption,
}).ParseFS(templateFS, "fields.html"))

// blankOption reports whether a select starts with an empty choice: when
// nothing is chosen yet, or the field may be left empty.
func blankOption(f *field) bool {
	if !f.Required {
		return true
	}
	for _, o := range f.Options {
		if o.Selected {
			return false
		}
	}
	return true
}

// View renders the form for st.
func (f *Form) View(ctx context.Context, st State) (*View, error) {
	b := &builder{ctx: ctx, r: newResolver(f.schema, st.Choices), st: &st}
	st.errors = problemTexts(st.Problems)
	fields, choice := b.objectFields(f.schema, st.Values, Path{})
	v := &View{}
	// Each problem goes beside its field, or the nearest field that holds
	// the value (a list item, a condition); the summary follows the order
	// of the fields, then lists what no field shows.
	var unplaced []string
	for _, p := range st.Problems {
		fl := nearest(b.all, problemPointer(p))
		if fl == nil {
			unplaced = append(unplaced, problemText(p))
			continue
		}
		fl.Errors = append(fl.Errors, problemText(p))
	}
	for _, fl := range b.all {
		for _, m := range fl.Errors {
			v.Errors = append(v.Errors, ErrorLink{Label: fl.Label, Message: m, ID: errorTarget(fl)})
		}
	}
	for _, m := range unplaced {
		v.Errors = append(v.Errors, ErrorLink{Message: m})
	}
	var buf bytes.Buffer
	data := struct {
		Fields []*field
		Choice *choiceView
		Shown  []string
		Kept   []string
	}{fields, choice, b.shown, keptSecrets(b.all)}
	if err := fieldsTemplate.ExecuteTemplate(&buf, "form", data); err != nil {
		return nil, err
	}
	v.HTML = template.HTML(buf.String())
	return v, nil
}

// errorTarget is the id a summary links to: the field's first control.
func errorTarget(f *field) string {
	switch f.Kind {
	case kindRadio, kindCheckboxes:
		if len(f.Options) > 0 {
			return f.Options[0].ID
		}
	case kindList:
		return f.ID + "-0"
	case kindRepoURL:
		if f.Repo != nil && len(f.Repo.Parts) > 0 {
			return f.Repo.Parts[0].ID
		}
	case kindObject, kindObjectList, kindHidden:
		return ""
	}
	return f.ID
}

// nearest returns the field at ptr or the closest one above it.
func nearest(all []*field, ptr string) *field {
	p, ok := ParsePointer(ptr)
	if !ok {
		return nil
	}
	for n := len(p); n > 0; n-- {
		want := Path(p[:n]).Pointer()
		for _, f := range all {
			if f.Pointer == want {
				return f
			}
		}
	}
	return nil
}

// keptSecrets lists the pointers of secret fields whose value the server
// holds.
func keptSecrets(all []*field) []string {
	var out []string
	for _, f := range all {
		if f.Kind == kindSecret && f.SecretKept {
			out = append(out, f.Pointer)
		}
	}
	return out
}
