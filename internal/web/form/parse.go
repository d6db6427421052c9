package form

import (
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Result is a submitted page read back.
type Result struct {
	// Values are all the values: those of the other pages as they were,
	// and this page's as submitted. Fields the page shows but the
	// submission did not hold (they appeared with the values just given)
	// get their defaults.
	Values map[string]any
	// Secrets are the secret fields filled in, by field name. Their
	// values hold asterisks of the same length instead, as Backstage's
	// form sends them.
	Secrets map[string]string
	// Kept names the secret fields left empty whose earlier value the
	// server holds (State.SecretsSet): the caller keeps those.
	Kept []string
	// Choices are the oneOf/anyOf options picked, by object pointer.
	Choices map[string]int
	// Changed reports that, with these values, the page shows fields it
	// did not show when it was filled in: it should be shown again
	// before it is accepted.
	Changed bool
	// Problems are what the field extensions' own rules found wrong:
	// entity names, tags, repository locations.
	Problems []Problem
}

// maxParsePasses bounds the passes Parse makes: each resolves the page's
// conditions with the values the previous one read, until the fields in
// force stop changing.
const maxParsePasses = 4

// Parse reads a submitted page. prev are the values before it (of every
// page); the page's own properties are replaced by what was submitted.
func (f *Form) Parse(posted url.Values, prev map[string]any) *Result {
	own := propertyNames(f.schema)
	page := map[string]any{}
	base := map[string]any{}
	for k, v := range prev {
		if slices.Contains(own, k) {
			page[k] = v
		} else {
			base[k] = v
		}
	}
	shown := map[string]bool{}
	for _, s := range posted[shownField] {
		shown[s] = true
	}
	kept := map[string]bool{}
	for _, s := range posted[secretSetField] {
		kept[s] = true
	}
	choices := choicesFrom(posted)
	var p *parser
	var lastVisible []string
	for range maxParsePasses {
		p = &parser{
			r:       newResolver(f.schema, choices),
			posted:  posted,
			shown:   shown,
			kept:    kept,
			secrets: map[string]string{},
		}
		page = p.object(f.schema, page, Path{})
		if slices.Equal(p.visible, lastVisible) {
			break
		}
		lastVisible = p.visible
	}
	res := &Result{Values: base, Secrets: p.secrets, Kept: p.keptNames, Choices: choices, Problems: p.problems}
	maps.Copy(res.Values, page)
	if len(shown) > 0 {
		for _, v := range p.visible {
			if !shown[v] {
				res.Changed = true
				break
			}
		}
	}
	return res
}

// choicesFrom reads the oneOf/anyOf options picked: _choice<pointer>.
func choicesFrom(posted url.Values) map[string]int {
	out := map[string]int{}
	for k, vs := range posted {
		ptr, ok := strings.CutPrefix(k, choiceField)
		if !ok || len(vs) == 0 {
			continue
		}
		if _, ok := ParsePointer(ptr); !ok {
			continue
		}
		if n, err := strconv.Atoi(vs[0]); err == nil && n >= 0 {
			out[ptr] = n
		}
	}
	return out
}

// parser reads one pass over a submitted page.
type parser struct {
	r         *resolver
	posted    url.Values
	shown     map[string]bool
	kept      map[string]bool
	secrets   map[string]string
	keptNames []string
	problems  []Problem
	// visible lists the pointers of the fields in force, in order.
	visible []string
}

// object reads the object schema s at p; cur is its value so far, which
// decides its conditions.
func (p *parser) object(s Schema, cur any, at Path) map[string]any {
	res := p.r.object(s, cur, at)
	curMap, _ := cur.(map[string]any)
	props := obj(res.schema, "properties")
	out := map[string]any{}
	for _, name := range sortedKeys(props) {
		ps, ok := props[name].(map[string]any)
		if !ok {
			continue
		}
		ps = deref(p.r.root, ps)
		if str(ps, "backstage:featureFlag") != "" {
			continue
		}
		cp := at.child(name)
		ptr := cp.Pointer()
		p.visible = append(p.visible, ptr)
		if !p.shown[ptr] {
			// Not on the page that was filled in: keep what it had, or
			// start from its default.
			if v, ok := curMap[name]; ok && v != nil {
				out[name] = v
			} else if d := defaultValue(p.r, ps, cp); d != nil {
				out[name] = d
			}
			continue
		}
		if v, ok := p.value(ps, curMap[name], cp); ok {
			out[name] = v
		}
	}
	return out
}

// value reads the field of schema s at p; false when it was left empty.
func (p *parser) value(s Schema, cur any, at Path) (any, bool) {
	name := inputName(at)
	uiField, widget := str(s, "ui:field"), str(s, "ui:widget")
	typ := typeOf(s)
	pk, isPicker := pickers[uiField]
	switch {
	case uiField == "Secret":
		return p.secret(at, cur)
	case uiField == "RepoUrlPicker":
		return p.repoURL(s, at)
	case isPicker && typ == "array":
		kind, ns := pickerDefaults(s, pk)
		var refs []any
		for _, t := range p.texts(name) {
			refs = append(refs, canonicalRef(t, kind, ns))
		}
		return refs, refs != nil
	case isPicker:
		kind, ns := pickerDefaults(s, pk)
		ref := canonicalRef(p.posted.Get(name), kind, ns)
		return ref, ref != ""
	case uiField == "EntityTagsPicker":
		var tags []any
		for _, t := range p.texts(name) {
			if !validTag(t) {
				p.problem(at, fmt.Sprintf("%q is not a valid tag: use lower-case letters, digits and + # : in words joined by single dashes, at most 63 characters.", t))
			}
			tags = append(tags, t)
		}
		return tags, tags != nil
	case uiField == "EntityNamePicker":
		t := strings.TrimSpace(p.posted.Get(name))
		if t != "" && !validEntityName(t) {
			p.problem(at, "Use 1 to 63 letters and digits, with - _ or . between them.")
		}
		return t, t != ""
	case typ == "object" && widget != "hidden":
		return p.object(s, cur, at), true
	case typ == "array" && widget != "hidden":
		return p.array(s, cur, at)
	case typ == "boolean":
		if widget == "radio" || widget == "select" {
			switch p.posted.Get(name) {
			case "true":
				return true, true
			case "false":
				return false, true
			}
			return nil, false
		}
		if widget == "hidden" {
			return scalar(s, p.posted.Get(name))
		}
		return p.posted.Get(name) == "true", true
	}
	if values, _, ok := choiceValues(s); ok {
		text := p.posted.Get(name)
		if text == "" {
			return nil, false
		}
		return optionFor(values, text), true
	}
	return scalar(s, p.posted.Get(name))
}

// scalar converts the text of a string, number or integer field; text
// that is not a number stays text, for the schema to report.
func scalar(s Schema, text string) (any, bool) {
	typ := typeOf(s)
	if typ == "number" || typ == "integer" {
		text = strings.TrimSpace(text)
	}
	if text == "" {
		if ev, ok := s["ui:emptyValue"]; ok {
			return ev, true
		}
		return nil, false
	}
	switch typ {
	case "integer":
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n, true
		}
		fallthrough
	case "number":
		if x, err := strconv.ParseFloat(text, 64); err == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
			return x, true
		}
	case "boolean":
		if b, err := strconv.ParseBool(text); err == nil {
			return b, true
		}
	}
	return text, true
}

// optionFor returns the choice written as text, or the text itself when
// it is none of them (the schema's enum then reports it).
func optionFor(values []any, text string) any {
	for _, v := range values {
		if optionValue(v) == text {
			return v
		}
	}
	return text
}

// texts are the non-empty values submitted under name, trimmed.
func (p *parser) texts(name string) []string {
	var out []string
	for _, v := range p.posted[name] {
		if t := strings.TrimSpace(v); t != "" {
			out = append(out, t)
		}
		if len(out) == maxListItems {
			break
		}
	}
	return out
}

func (p *parser) array(s Schema, cur any, at Path) (any, bool) {
	items, _ := s["items"].(map[string]any)
	items = deref(p.r.root, items)
	name := inputName(at)
	if values, _, ok := choiceValues(items); ok {
		var out []any
		for _, t := range p.posted[name] {
			if t != "" && len(out) < maxListItems {
				out = append(out, optionFor(values, t))
			}
		}
		return out, out != nil
	}
	if typeOf(items) == "object" {
		curList, _ := cur.([]any)
		var out []any
		for i := range maxListItems {
			ip := at.child(strconv.Itoa(i))
			if !p.hasUnder(ip) {
				break
			}
			var ci any
			if i < len(curList) {
				ci = curList[i]
			}
			item := p.object(items, ci, ip)
			if !isBlank(item) {
				out = append(out, item)
			}
		}
		return out, out != nil
	}
	var out []any
	for _, t := range p.texts(name) {
		v, _ := scalar(items, t)
		out = append(out, v)
	}
	return out, out != nil
}

// hasUnder reports whether the page showed a field inside p.
func (p *parser) hasUnder(at Path) bool {
	prefix := at.Pointer() + "/"
	for s := range p.shown {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// isBlank reports whether an entry of a list of objects was left empty:
// every value empty, false or blank.
func isBlank(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case []any:
		return len(x) == 0
	case map[string]any:
		for _, it := range x {
			if !isBlank(it) {
				return false
			}
		}
		return true
	}
	return false
}

// secret reads a Secret field: the value goes to the secrets, asterisks
// of its length to the values. Left empty, a value the server holds is
// kept.
func (p *parser) secret(at Path, cur any) (any, bool) {
	if len(at) == 0 {
		return nil, false
	}
	key := at[len(at)-1]
	text := p.posted.Get(inputName(at))
	if text != "" {
		p.secrets[key] = text
		return strings.Repeat("*", utf8.RuneCountInString(text)), true
	}
	if p.kept[at.Pointer()] {
		p.keptNames = append(p.keptNames, key)
		if cur != nil {
			return cur, true
		}
	}
	return nil, false
}

// repoURL reads RepoUrlPicker's inputs into "host?owner=x&repo=y".
func (p *parser) repoURL(s Schema, at Path) (any, bool) {
	opts := uiOptions(s)
	get := func(part string) string {
		return strings.TrimSpace(p.posted.Get(repoPrefix + part + at.Pointer()))
	}
	host := get("host")
	params := url.Values{}
	var order []string
	for _, k := range repoParams {
		if v := get(k); v != "" {
			params.Set(k, v)
			order = append(order, k)
		}
	}
	if host == "" && len(order) == 0 {
		return nil, false
	}
	allowed := func(opt, v string) bool {
		list := stringList(opts, opt)
		return len(list) == 0 || slices.Contains(list, v)
	}
	switch {
	case host == "":
		p.problem(at, "Choose the host of the repository.")
	case !allowed("allowedHosts", host):
		p.problem(at, fmt.Sprintf("The host %s is not one of the allowed hosts.", host))
	}
	switch {
	case params.Get("owner") == "":
		p.problem(at, "Enter the owner of the repository.")
	case !allowed("allowedOwners", params.Get("owner")):
		p.problem(at, fmt.Sprintf("The owner %s is not one of the allowed owners.", params.Get("owner")))
	}
	switch {
	case params.Get("repo") == "":
		p.problem(at, "Enter the name of the repository.")
	case !allowed("allowedRepos", params.Get("repo")):
		p.problem(at, fmt.Sprintf("The repository %s is not one of the allowed repositories.", params.Get("repo")))
	}
	// Backstage writes the parameters in a fixed order, escaped as
	// URLSearchParams escapes them.
	var q []string
	for _, k := range order {
		q = append(q, k+"="+url.QueryEscape(params.Get(k)))
	}
	return host + "?" + strings.Join(q, "&"), true
}

func (p *parser) problem(at Path, msg string) {
	p.problems = append(p.problems, Problem{Path: at, Message: msg})
}
