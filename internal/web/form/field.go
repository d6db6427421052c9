package form

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Field kinds: the template that renders a field.
const (
	kindText        = "text"
	kindTextarea    = "textarea"
	kindNumber      = "number"
	kindCheckbox    = "checkbox"
	kindSelect      = "select"
	kindRadio       = "radio"
	kindCheckboxes  = "checkboxes"
	kindMultiSelect = "multiselect"
	kindList        = "list"
	kindObject      = "object"
	kindObjectList  = "objectlist"
	kindHidden      = "hidden"
	kindSecret      = "secret"
	kindRepoURL     = "repourl"
)

// field is one control, or group of controls, ready to render.
type field struct {
	Kind    string
	Path    Path
	Pointer string
	Name    string
	ID      string
	Label   string
	// HideLabel keeps the label for screen readers only
	// (ui:options.label: false).
	HideLabel   bool
	Required    bool
	Description string
	Help        string
	Placeholder string
	// InputType is the type of an <input>: text, email, url, date,
	// number, password.
	InputType string
	// InputMode picks the on-screen keyboard of a number field.
	InputMode string
	Value     string
	// Items are a list's values, followed by an empty slot.
	Items    []string
	Options  []option
	Children []*field
	// Entries are the items of a list of objects.
	Entries   []entry
	Errors    []string
	Autofocus bool
	Readonly  bool
	Disabled  bool
	// Constraints written as input attributes.
	MinLength, MaxLength, Pattern string
	Rows                          int
	// Controls marks a field whose value decides which other fields
	// show; the script asks for the form again when it changes.
	Controls bool
	// Suggestions is the datalist of an entity picker.
	Suggestions *datalist
	// Choice is an object's selector of oneOf/anyOf options.
	Choice *choiceView
	Repo   *repoView
	// SecretKept: the server holds a value for this secret field.
	SecretKept bool
	// Accordion renders an object as a disclosure (AccordionField); Open
	// says whether it starts expanded.
	Accordion, Open bool
	// Multiple is set for <select multiple>.
	Multiple bool
}

// option is one choice of a select, radio group or checkbox group.
type option struct {
	Value    string
	Label    string
	Selected bool
	ID       string
}

// entry is one item of a list of objects.
type entry struct {
	Label  string
	Fields []*field
}

// datalist is the suggestions offered to an entity picker.
type datalist struct {
	ID      string
	Options []option
}

// choiceView is the selector of an object's options.
type choiceView struct {
	Name, ID, Label string
	Options         []option
}

// repoView holds RepoUrlPicker's parts.
type repoView struct {
	Parts []repoPart
}

// repoPart is one input of a RepoUrlPicker: host, owner, repo ...
type repoPart struct {
	Name, ID, Label, Value, Help string
	Options                      []option
	Required                     bool
}

// DescribedBy lists the ids of the texts that describe the field's
// control: description, help and errors.
func (f *field) DescribedBy() string {
	var ids []string
	if f.Description != "" {
		ids = append(ids, f.ID+"-desc")
	}
	if f.Help != "" || f.SecretKept {
		ids = append(ids, f.ID+"-help")
	}
	if len(f.Errors) > 0 {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// Invalid reports whether the field has errors.
func (f *field) Invalid() bool { return len(f.Errors) > 0 }

// valueText is a value as an input shows it.
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case json.Number:
		return x.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// optionValue is how a choice's value is written in the form: strings as
// they are, anything else as JSON.
func optionValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// choiceValues returns the values a field may take and their labels:
// enum with enumNames (or ui:enumNames), or oneOf/anyOf of constants
// with titles.
func choiceValues(s Schema) (values []any, labels []string, ok bool) {
	if e := list(s, "enum"); len(e) > 0 {
		names := list(s, "enumNames")
		if names == nil {
			names = list(s, "ui:enumNames")
		}
		for i, v := range e {
			label := valueText(v)
			if i < len(names) {
				if n, ok := names[i].(string); ok {
					label = n
				}
			}
			values, labels = append(values, v), append(labels, label)
		}
		return values, labels, true
	}
	for _, kw := range []string{"oneOf", "anyOf"} {
		opts := list(s, kw)
		if len(opts) == 0 {
			continue
		}
		for _, it := range opts {
			o, isObj := it.(map[string]any)
			c, hasConst := o["const"]
			if !isObj || !hasConst {
				return nil, nil, false
			}
			label := str(o, "title")
			if label == "" {
				label = valueText(c)
			}
			values, labels = append(values, c), append(labels, label)
		}
		return values, labels, true
	}
	return nil, nil, false
}

// inputType maps a string format to an <input> type.
func inputType(s Schema) string {
	if t := str(uiOptions(s), "inputType"); t != "" {
		return t
	}
	switch str(s, "format") {
	case "email":
		return "email"
	case "uri", "url":
		return "url"
	case "date":
		return "date"
	case "time":
		return "time"
	}
	return "text"
}
