package form

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// builder turns a resolved page into fields.
type builder struct {
	ctx   context.Context
	r     *resolver
	st    *State
	all   []*field
	shown []string
}

// objectFields builds the fields of the object schema s holding value v
// at p, and the selector of its options when it has some.
func (b *builder) objectFields(s Schema, v any, p Path) ([]*field, *choiceView) {
	res := b.r.object(s, v, p)
	value, _ := v.(map[string]any)
	props := obj(res.schema, "properties")
	required := stringList(res.schema, "required")
	var out []*field
	for _, name := range propertyOrder(res.schema, res.order) {
		ps, ok := props[name].(map[string]any)
		if !ok {
			continue
		}
		ps = deref(b.r.root, ps)
		if str(ps, "backstage:featureFlag") != "" {
			// Callboard has no feature flags: a field behind one is off,
			// as it is in Backstage while the flag is not set.
			continue
		}
		f := b.field(ps, value[name], p.child(name), slices.Contains(required, name))
		f.Controls = slices.Contains(res.controls, name)
		out = append(out, f)
	}
	var cv *choiceView
	if res.choice != nil {
		cv = &choiceView{Name: choiceField + p.Pointer(), ID: inputID(p) + "-choice", Label: "Choose one"}
		if t := str(s, "title"); t != "" && len(p) == 0 {
			cv.Label = t
		}
		for i, t := range res.choice.titles {
			cv.Options = append(cv.Options, option{Value: strconv.Itoa(i), Label: t, Selected: i == res.choice.chosen})
		}
	}
	return out, cv
}

// field builds the field of the schema s holding value v at p.
func (b *builder) field(s Schema, v any, p Path, required bool) *field {
	f := &field{
		Path:        p,
		Pointer:     p.Pointer(),
		Name:        inputName(p),
		ID:          inputID(p),
		Label:       str(s, "title"),
		Required:    required,
		Description: str(s, "description"),
		Help:        str(s, "ui:help"),
		Placeholder: str(s, "ui:placeholder"),
		Autofocus:   boolKey(s, "ui:autofocus"),
		Readonly:    boolKey(s, "ui:readonly") || boolKey(s, "readOnly"),
		Disabled:    boolKey(s, "ui:disabled"),
	}
	if f.Label == "" && len(p) > 0 {
		f.Label = p[len(p)-1]
	}
	if l, ok := uiOptions(s)["label"].(bool); ok && !l {
		f.HideLabel = true
	}
	b.all = append(b.all, f)
	b.shown = append(b.shown, f.Pointer)
	uiField, widget := str(s, "ui:field"), str(s, "ui:widget")
	typ := typeOf(s)
	pk, isPicker := pickers[uiField]
	switch {
	case uiField == "Secret":
		f.Kind, f.InputType = kindSecret, "password"
		if len(p) > 0 {
			f.SecretKept = b.st.SecretsSet[p[len(p)-1]]
		}
		b.lengths(f, s)
	case uiField == "RepoUrlPicker":
		f.Kind = kindRepoURL
		f.Repo = repoPicker(f, s, valueText(v))
	case isPicker && typ == "array":
		f.Kind, f.InputType = kindList, "text"
		f.Items = listItems(v, s)
		f.Suggestions = b.suggest(f, s, pk)
	case isPicker:
		f.Kind, f.InputType, f.Value = kindText, "text", valueText(v)
		f.Suggestions = b.suggest(f, s, pk)
	case uiField == "EntityTagsPicker":
		f.Kind, f.InputType = kindList, "text"
		f.Items = listItems(v, s)
		f.Pattern = tagPattern
	case uiField == "EntityNamePicker":
		f.Kind, f.InputType, f.Value = kindText, "text", valueText(v)
		f.Pattern, f.MaxLength = entityNamePattern, "63"
	case widget == "hidden":
		f.Kind, f.Value = kindHidden, valueText(v)
	case typ == "object":
		f.Kind = kindObject
		f.Children, f.Choice = b.objectFields(s, v, p)
		if uiField == "AccordionField" {
			f.Accordion = true
			f.Open = boolKey(uiOptions(s), "defaultExpanded") || b.hasErrorsBelow(p)
			if t := str(uiOptions(s), "accordionTitle"); t != "" {
				f.Label = t
			}
		}
	case typ == "array":
		b.arrayField(f, s, v)
	case typ == "boolean":
		b.booleanField(f, widget, v)
	default:
		if values, labels, ok := choiceValues(s); ok {
			b.choiceField(f, widget, values, labels, v)
			break
		}
		b.scalarField(f, s, typ, widget, v)
	}
	return f
}

// Patterns the pickers' values must match, written as HTML pattern
// attributes (anchored by the browser).
const (
	tagPattern        = `[a-z0-9:+#]+(-[a-z0-9:+#]+)*`
	entityNamePattern = `[A-Za-z0-9]([\-A-Za-z0-9_.]*[A-Za-z0-9])?`
)

func (b *builder) scalarField(f *field, s Schema, typ, widget string, v any) {
	f.Value = valueText(v)
	switch {
	case widget == "textarea":
		f.Kind, f.Rows = kindTextarea, 5
		if n, ok := number(uiOptions(s), "rows"); ok && n > 0 {
			f.Rows = int(n)
		}
		b.lengths(f, s)
	case widget == "password":
		f.Kind, f.InputType = kindText, "password"
		b.lengths(f, s)
	case typ == "number" || typ == "integer":
		// A text input, not type=number: a browser shows a number input
		// holding text as empty, which would hide what was typed from the
		// error beside it.
		f.Kind, f.InputType, f.InputMode = kindNumber, "text", "decimal"
		if typ == "integer" {
			f.InputMode = "numeric"
		}
	default:
		f.Kind, f.InputType = kindText, inputType(s)
		b.lengths(f, s)
		f.Pattern = htmlPattern(str(s, "pattern"))
	}
}

// lengths copies minLength and maxLength to the field.
func (b *builder) lengths(f *field, s Schema) {
	if n, ok := number(s, "minLength"); ok {
		f.MinLength = valueText(n)
	}
	if n, ok := number(s, "maxLength"); ok {
		f.MaxLength = valueText(n)
	}
}

// htmlPattern turns a JSON schema pattern (unanchored, a search) into an
// HTML pattern attribute (anchored to the whole value).
func htmlPattern(p string) string {
	if p == "" {
		return ""
	}
	if strings.HasPrefix(p, "^") && strings.HasSuffix(p, "$") && !strings.HasSuffix(p, `\$`) {
		return strings.TrimSuffix(strings.TrimPrefix(p, "^"), "$")
	}
	return ".*(?:" + p + ").*"
}

func (b *builder) booleanField(f *field, widget string, v any) {
	val, _ := v.(bool)
	switch widget {
	case "radio", "select":
		f.Kind = kindRadio
		if widget == "select" {
			f.Kind = kindSelect
		}
		_, set := v.(bool)
		f.Options = []option{
			{Value: "true", Label: "Yes", Selected: set && val, ID: f.ID + "-true"},
			{Value: "false", Label: "No", Selected: set && !val, ID: f.ID + "-false"},
		}
	default:
		f.Kind, f.Value = kindCheckbox, strconv.FormatBool(val)
	}
}

func (b *builder) choiceField(f *field, widget string, values []any, labels []string, v any) {
	f.Kind = kindSelect
	if widget == "radio" {
		f.Kind = kindRadio
	}
	cur := ""
	if v != nil {
		cur = optionValue(v)
	}
	for i, val := range values {
		ov := optionValue(val)
		f.Options = append(f.Options, option{Value: ov, Label: labels[i], Selected: v != nil && ov == cur, ID: f.ID + "-" + strconv.Itoa(i)})
	}
}

func (b *builder) arrayField(f *field, s Schema, v any) {
	items, _ := s["items"].(map[string]any)
	items = deref(b.r.root, items)
	widget := str(s, "ui:widget")
	if values, labels, ok := choiceValues(items); ok {
		f.Kind = kindCheckboxes
		if widget == "select" {
			f.Kind, f.Multiple = kindMultiSelect, true
		}
		cur := map[string]bool{}
		arr, _ := v.([]any)
		for _, it := range arr {
			cur[optionValue(it)] = true
		}
		for i, val := range values {
			ov := optionValue(val)
			f.Options = append(f.Options, option{Value: ov, Label: labels[i], Selected: cur[ov], ID: f.ID + "-" + strconv.Itoa(i)})
		}
		return
	}
	if typeOf(items) == "object" {
		f.Kind = kindObjectList
		arr, _ := v.([]any)
		n := len(arr)
		if max, ok := number(s, "maxItems"); !ok || float64(n) < max {
			n++ // an empty entry to fill in
		}
		for i := range min(n, maxListItems) {
			var iv any
			if i < len(arr) {
				iv = arr[i]
			}
			fields, _ := b.objectFields(items, iv, f.Path.child(strconv.Itoa(i)))
			f.Entries = append(f.Entries, entry{Label: itemLabel(items, i), Fields: fields})
		}
		return
	}
	f.Kind, f.InputType = kindList, "text"
	if t := typeOf(items); t == "number" || t == "integer" {
		f.InputMode = "decimal"
	}
	f.Items = listItems(v, s)
}

// maxListItems bounds the items a list shows and reads.
const maxListItems = 100

// itemLabel names the i-th entry of a list of objects.
func itemLabel(items Schema, i int) string {
	t := str(items, "title")
	if t == "" {
		t = "Item"
	}
	return t + " " + strconv.Itoa(i+1)
}

// listItems are a list's values as text, followed by an empty slot
// unless the list is full.
func listItems(v any, s Schema) []string {
	arr, _ := v.([]any)
	var out []string
	for _, it := range arr {
		if len(out) == maxListItems {
			break
		}
		out = append(out, valueText(it))
	}
	if max, ok := number(s, "maxItems"); (!ok || float64(len(out)) < max) && len(out) < maxListItems {
		out = append(out, "")
	}
	return out
}

// suggest looks up the entities an entity picker offers.
func (b *builder) suggest(f *field, s Schema, pk pickerKind) *datalist {
	if b.st.Entities == nil {
		return nil
	}
	q, err := pickerQuery(s, pk, b.st.Ownership)
	if err != nil {
		return nil
	}
	opts, err := b.st.Entities.Suggest(b.ctx, q)
	if err != nil || len(opts) == 0 {
		return nil
	}
	dl := &datalist{ID: f.ID + "-options"}
	for _, o := range opts {
		dl.Options = append(dl.Options, option{Value: o.Ref, Label: o.Label})
	}
	return dl
}

// hasErrorsBelow reports whether a problem concerns p or a value inside
// it, so a folded group opens to show it.
func (b *builder) hasErrorsBelow(p Path) bool {
	prefix := p.Pointer()
	for ptr := range b.st.errors {
		if ptr == prefix || strings.HasPrefix(ptr, prefix+"/") {
			return true
		}
	}
	return false
}

// repoPicker builds RepoUrlPicker's inputs from its ui:options and the
// current value "host?owner=x&repo=y".
func repoPicker(f *field, s Schema, value string) *repoView {
	opts := uiOptions(s)
	host, query, _ := strings.Cut(value, "?")
	params, _ := url.ParseQuery(query)
	part := func(key, label, help string, allowed []string, req bool) repoPart {
		rp := repoPart{
			Name: repoPrefix + key + f.Pointer, ID: f.ID + "-" + key, Label: label, Help: help,
			Value: params.Get(key), Required: req,
		}
		if key == "host" {
			rp.Value = host
		}
		for _, a := range allowed {
			rp.Options = append(rp.Options, option{Value: a, Label: a, Selected: a == rp.Value})
		}
		return rp
	}
	v := &repoView{}
	v.Parts = append(v.Parts, part("host", "Host", "Where the repository is hosted.", stringList(opts, "allowedHosts"), true))
	for _, extra := range []struct{ key, label, opt string }{
		{"organization", "Organization", "allowedOrganizations"},
		{"workspace", "Workspace", "allowedWorkspaces"},
		{"project", "Project", "allowedProjects"},
	} {
		if allowed := stringList(opts, extra.opt); len(allowed) > 0 {
			v.Parts = append(v.Parts, part(extra.key, extra.label, "", allowed, true))
		}
	}
	v.Parts = append(v.Parts,
		part("owner", "Owner", "The organization, user or group the repository belongs to.", stringList(opts, "allowedOwners"), true),
		part("repo", "Repository", "The name of the repository.", stringList(opts, "allowedRepos"), true))
	return v
}

// repoPrefix starts the names of RepoUrlPicker's inputs: r.host/<pointer>.
const repoPrefix = "r."

// repoParams are the query parameters of a RepoUrlPicker value, in the
// order Backstage writes them.
var repoParams = []string{"owner", "repo", "organization", "workspace", "project"}
