package apidoc

import (
	"errors"
	"html/template"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// graphQLDoc is a GraphQL schema (SDL) as shown.
type graphQLDoc struct {
	Description template.HTML
	Roots       []gqlRoot
	Sections    []gqlSection
	Directives  []gqlDirective
	Notes       []string
}

// gqlRoot is a root operation type: query, mutation or subscription.
type gqlRoot struct {
	Operation string
	Type      typeRef
}

// gqlSection holds the types of one kind.
type gqlSection struct {
	ID, Title string
	Types     []gqlType
}

type gqlType struct {
	ID, Kind, Name string
	Description    template.HTML
	Implements     []typeRef
	Members        []typeRef // of a union
	Fields         []gqlField
	Values         []gqlEnumValue
	Directives     []string
	// Extended is set when `extend` added to the type.
	Extended bool
}

type gqlField struct {
	Name        string
	Args        []gqlArg
	Type        typeRef
	Default     string
	Description template.HTML
	Deprecated  string // the reason, or "deprecated"
	Directives  []string
}

type gqlArg struct {
	Name        string
	Type        typeRef
	Default     string
	Description template.HTML
}

type gqlEnumValue struct {
	Name        string
	Description template.HTML
	Deprecated  string
}

type gqlDirective struct {
	ID, Name    string
	Description template.HTML
	Args        []gqlArg
	Locations   []string
	Repeatable  bool
}

// typeRef is a type expression such as GraphQL's [Pet!]! or proto's
// map<string, Pet>: Prefix "[", Name
// "Pet", Suffix "!]!", Href set when Pet is defined in the schema.
type typeRef struct {
	Prefix, Name, Suffix, Href string
}

// maxGraphQLTokens bounds the parser's work on one schema.
const maxGraphQLTokens = 200_000

// buildGraphQL reads a GraphQL schema in SDL. It is parsed, not validated,
// so a schema that relies on types defined elsewhere still renders.
func buildGraphQL(src string, b *budget) (*graphQLDoc, error) {
	if strings.TrimSpace(src) == "" {
		return nil, &Error{Message: "the definition is empty"}
	}
	sd, err := parser.ParseSchemaWithLimit(&ast.Source{Name: "definition", Input: src}, maxGraphQLTokens)
	if err != nil {
		return nil, graphQLError(err)
	}
	g := &gqlBuilder{b: b, ids: uniqueIDs{}, anchors: map[string]string{}}
	return g.build(sd), nil
}

// graphQLError turns a parser error into an *Error with its position.
func graphQLError(err error) error {
	var ge *gqlerror.Error
	if errors.As(err, &ge) {
		e := &Error{Message: "not valid GraphQL: " + ge.Message}
		if len(ge.Locations) > 0 {
			e.Line, e.Column = ge.Locations[0].Line, ge.Locations[0].Column
		}
		return e
	}
	return &Error{Message: "not valid GraphQL: " + err.Error()}
}

type gqlBuilder struct {
	b       *budget
	ids     uniqueIDs
	anchors map[string]string // type name → element id
}

// gqlKinds orders the sections.
var gqlKinds = []struct {
	kind  ast.DefinitionKind
	title string
}{
	{ast.Object, "Types"},
	{ast.Interface, "Interfaces"},
	{ast.Union, "Unions"},
	{ast.InputObject, "Inputs"},
	{ast.Enum, "Enums"},
	{ast.Scalar, "Scalars"},
}

func (g *gqlBuilder) build(sd *ast.SchemaDocument) *graphQLDoc {
	doc := &graphQLDoc{}
	// Extensions add to the type they extend, or stand alone when the
	// type is defined elsewhere.
	defs := map[string]*ast.Definition{}
	var order []*ast.Definition
	extended := map[string]bool{}
	for _, d := range sd.Definitions {
		if _, dup := defs[d.Name]; dup {
			continue
		}
		c := *d
		defs[d.Name] = &c
		order = append(order, &c)
	}
	for _, e := range sd.Extensions {
		extended[e.Name] = true
		d, ok := defs[e.Name]
		if !ok {
			c := *e
			defs[e.Name] = &c
			order = append(order, &c)
			continue
		}
		d.Fields = append(append(ast.FieldList{}, d.Fields...), e.Fields...)
		d.EnumValues = append(append(ast.EnumValueList{}, d.EnumValues...), e.EnumValues...)
		d.Interfaces = append(append([]string{}, d.Interfaces...), e.Interfaces...)
		d.Types = append(append([]string{}, d.Types...), e.Types...)
		d.Directives = append(append(ast.DirectiveList{}, d.Directives...), e.Directives...)
	}
	for _, d := range order {
		g.anchors[d.Name] = g.ids.id("type", d.Name)
	}

	roots := map[ast.Operation]string{}
	for _, list := range []ast.SchemaDefinitionList{sd.Schema, sd.SchemaExtension} {
		for _, s := range list {
			if doc.Description == "" {
				doc.Description = g.b.md(s.Description)
			}
			for _, ot := range s.OperationTypes {
				roots[ot.Operation] = ot.Type
			}
		}
	}
	for _, op := range []ast.Operation{ast.Query, ast.Mutation, ast.Subscription} {
		name := roots[op]
		if name == "" {
			// By convention a type named Query (Mutation ...) is the root.
			if d, ok := defs[defaultRootName(op)]; ok && d.Kind == ast.Object {
				name = d.Name
			}
		}
		if name != "" {
			doc.Roots = append(doc.Roots, gqlRoot{Operation: string(op), Type: g.named(name)})
		}
	}

	for _, k := range gqlKinds {
		sec := gqlSection{ID: "apidoc-gql-" + strings.ToLower(k.title), Title: k.title}
		for _, d := range order {
			if d.Kind != k.kind || !g.b.take() {
				continue
			}
			sec.Types = append(sec.Types, g.typeOf(d, extended[d.Name]))
		}
		if len(sec.Types) > 0 {
			doc.Sections = append(doc.Sections, sec)
		}
	}
	for _, d := range sd.Directives {
		if !g.b.take() {
			break
		}
		dir := gqlDirective{
			ID:          g.ids.id("directive", d.Name),
			Name:        d.Name,
			Description: g.b.md(d.Description),
			Repeatable:  d.IsRepeatable,
			Args:        g.args(d.Arguments),
		}
		for _, l := range d.Locations {
			dir.Locations = append(dir.Locations, string(l))
		}
		doc.Directives = append(doc.Directives, dir)
	}
	if g.b.exhausted {
		doc.Notes = append(doc.Notes, truncatedNote)
	}
	return doc
}

func defaultRootName(op ast.Operation) string {
	switch op {
	case ast.Mutation:
		return "Mutation"
	case ast.Subscription:
		return "Subscription"
	}
	return "Query"
}

func (g *gqlBuilder) typeOf(d *ast.Definition, extended bool) gqlType {
	t := gqlType{
		ID:          g.anchors[d.Name],
		Kind:        strings.ToLower(strings.ReplaceAll(string(d.Kind), "_", " ")),
		Name:        d.Name,
		Description: g.b.md(d.Description),
		Directives:  directives(d.Directives),
		Extended:    extended,
	}
	for _, i := range d.Interfaces {
		t.Implements = append(t.Implements, g.named(i))
	}
	for _, m := range d.Types {
		t.Members = append(t.Members, g.named(m))
	}
	for _, f := range d.Fields {
		if !g.b.take() {
			break
		}
		field := gqlField{
			Name:        f.Name,
			Args:        g.args(f.Arguments),
			Type:        g.ref(f.Type),
			Description: g.b.md(f.Description),
			Deprecated:  deprecation(f.Directives),
			Directives:  directives(withoutDeprecated(f.Directives)),
		}
		if f.DefaultValue != nil {
			field.Default = f.DefaultValue.String()
		}
		t.Fields = append(t.Fields, field)
	}
	for _, v := range d.EnumValues {
		if !g.b.take() {
			break
		}
		t.Values = append(t.Values, gqlEnumValue{
			Name:        v.Name,
			Description: g.b.md(v.Description),
			Deprecated:  deprecation(v.Directives),
		})
	}
	return t
}

func (g *gqlBuilder) args(list ast.ArgumentDefinitionList) []gqlArg {
	var out []gqlArg
	for _, a := range list {
		arg := gqlArg{Name: a.Name, Type: g.ref(a.Type), Description: g.b.md(a.Description)}
		if a.DefaultValue != nil {
			arg.Default = a.DefaultValue.String()
		}
		out = append(out, arg)
	}
	return out
}

// ref is a type expression with its named type linked when defined here.
func (g *gqlBuilder) ref(t *ast.Type) typeRef {
	var prefix, suffix strings.Builder
	var wrappers []bool // non-null flags of list levels, outermost first
	depth := 0
	for t != nil && t.NamedType == "" && t.Elem != nil && depth < maxNesting {
		prefix.WriteByte('[')
		wrappers = append(wrappers, t.NonNull)
		t = t.Elem
		depth++
	}
	if t == nil {
		return typeRef{Name: "?"}
	}
	out := g.named(t.NamedType)
	if t.NonNull {
		suffix.WriteByte('!')
	}
	for i := len(wrappers) - 1; i >= 0; i-- {
		suffix.WriteByte(']')
		if wrappers[i] {
			suffix.WriteByte('!')
		}
	}
	out.Prefix, out.Suffix = prefix.String(), suffix.String()
	return out
}

func (g *gqlBuilder) named(name string) typeRef {
	r := typeRef{Name: name}
	if id, ok := g.anchors[name]; ok {
		r.Href = "#" + id
	}
	return r
}

// deprecation is the reason of an @deprecated directive, "" without one.
func deprecation(list ast.DirectiveList) string {
	d := list.ForName("deprecated")
	if d == nil {
		return ""
	}
	if a := d.Arguments.ForName("reason"); a != nil && a.Value != nil {
		return strings.Trim(a.Value.String(), `"`)
	}
	return "deprecated"
}

func withoutDeprecated(list ast.DirectiveList) ast.DirectiveList {
	var out ast.DirectiveList
	for _, d := range list {
		if d.Name != "deprecated" {
			out = append(out, d)
		}
	}
	return out
}

// directives writes applied directives as in the source: @key(fields: "id").
func directives(list ast.DirectiveList) []string {
	var out []string
	for _, d := range list {
		var b strings.Builder
		b.WriteString("@" + d.Name)
		if len(d.Arguments) > 0 {
			b.WriteByte('(')
			for i, a := range d.Arguments {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(a.Name + ": ")
				if a.Value != nil {
					b.WriteString(a.Value.String())
				}
			}
			b.WriteByte(')')
		}
		out = append(out, b.String())
	}
	return out
}
