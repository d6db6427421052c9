package apidoc

import (
	"html/template"
	"strings"
)

// openAPIDoc is an OpenAPI 3.x or Swagger 2.0 definition as shown.
type openAPIDoc struct {
	Info
	// Spec names the format and version, e.g. "OpenAPI 3.1.0".
	Spec     string
	Servers  []server
	Security []securityScheme
	Groups   []opGroup
	Schemas  []namedSchema
	Notes    []string
}

// Info is what every definition says about itself.
type Info struct {
	Title, Version string
	Description    template.HTML
	Terms          string
	Contact        []link
	License        *link
	ExternalDocs   *link
}

// link is a labelled URL; Href is empty when the URL is not safe to follow.
type link struct {
	Label, Href string
}

func newLink(label, href string) link {
	if label == "" {
		label = href
	}
	if !SafeURL(href) {
		href = ""
	}
	return link{Label: label, Href: href}
}

// server is a base URL an API is served at.
type server struct {
	URL, Description string
	// Protocol is AsyncAPI's (kafka, amqp, mqtt ...).
	Protocol  string
	Variables []serverVariable
}

type serverVariable struct {
	Name, Default, Description string
	Enum                       []string
}

// securityScheme is one way to authenticate.
type securityScheme struct {
	Name, Type  string
	Description template.HTML
	Details     []fact
}

// opGroup is the operations of one tag.
type opGroup struct {
	ID, Name     string
	Description  template.HTML
	ExternalDocs *link
	Ops          []operation
}

// operation is one method on one path.
type operation struct {
	ID                   string
	Method, Path         string
	Summary, OperationID string
	Description          template.HTML
	Deprecated           bool
	Params               []param
	Body                 *requestBody
	Responses            []response
	Security             []string
}

// param is a parameter or a header.
type param struct {
	Name, In             string
	Required, Deprecated bool
	Description          template.HTML
	Schema               *schemaView
	Example              string
}

type requestBody struct {
	Description template.HTML
	Required    bool
	Contents    []content
}

// content is a body in one media type.
type content struct {
	MediaType string
	Schema    *schemaView
	Examples  []example
}

type example struct {
	Name, Summary string
	Description   template.HTML
	Value         string
}

type response struct {
	Code string
	// Class is the status class for styling: "2xx", "4xx" ... or "default".
	Class       string
	Description template.HTML
	Headers     []param
	Contents    []content
}

// namedSchema is a reusable schema in the Schemas section.
type namedSchema struct {
	ID, Name string
	Schema   *schemaView
}

// httpMethods are the operation keys of a path item, in the order
// swagger-ui shows them.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// buildOpenAPI reads an OpenAPI 3.x or Swagger 2.0 definition.
func buildOpenAPI(src string, b *budget) (*openAPIDoc, error) {
	v, err := decode(src)
	if err != nil {
		return nil, err
	}
	root, ok := v.(*object)
	if !ok {
		return nil, &Error{Message: "an OpenAPI definition must be a mapping at the top level"}
	}
	o := &openAPIBuilder{root: root, b: b, ids: uniqueIDs{}}
	switch {
	case strings.HasPrefix(root.str("openapi"), "3."):
		o.v2 = false
	case root.str("swagger") == "2.0":
		o.v2 = true
	case root.has("openapi"):
		return nil, &Error{Message: "OpenAPI version " + root.str("openapi") + " is not supported; Callboard renders OpenAPI 3.x and Swagger 2.0"}
	case root.has("swagger"):
		return nil, &Error{Message: "Swagger version " + root.str("swagger") + " is not supported; Callboard renders OpenAPI 3.x and Swagger 2.0"}
	default:
		return nil, &Error{Message: `this is not an OpenAPI definition: it has neither an "openapi" nor a "swagger" version field`}
	}
	return o.build(), nil
}

// openAPIBuilder turns the decoded document into an openAPIDoc.
type openAPIBuilder struct {
	root *object
	v2   bool
	b    *budget
	ids  uniqueIDs
	res  *resolver
}

func (o *openAPIBuilder) build() *openAPIDoc {
	doc := &openAPIDoc{Info: readInfo(o.root, o.b)}
	schemasKey := "#/components/schemas/"
	schemas := o.root.obj("components").obj("schemas")
	if o.v2 {
		doc.Spec = "Swagger 2.0"
		schemasKey = "#/definitions/"
		schemas = o.root.obj("definitions")
	} else {
		doc.Spec = "OpenAPI " + o.root.str("openapi")
	}
	o.res = &resolver{root: o.root, named: map[string]string{}}
	schemas.each(func(name string, _ any) {
		o.res.named[schemasKey+escapePointer(name)] = o.ids.id("schema", name)
	})
	doc.Servers = o.servers()
	doc.Security = o.securitySchemes()
	doc.Groups = o.operations()
	inline := newWalker(o.res, o.b, false)
	schemas.each(func(name string, s any) {
		if !o.b.take() {
			return
		}
		doc.Schemas = append(doc.Schemas, namedSchema{
			ID:     o.res.named[schemasKey+escapePointer(name)],
			Name:   name,
			Schema: inline.view(s),
		})
	})
	if o.b.exhausted {
		doc.Notes = append(doc.Notes, truncatedNote)
	}
	return doc
}

// escapePointer escapes a name for a JSON pointer.
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// readInfo reads the info object OpenAPI and AsyncAPI share.
func readInfo(root *object, b *budget) Info {
	info := root.obj("info")
	out := Info{
		Title:       info.str("title"),
		Version:     info.str("version"),
		Description: b.md(info.str("description")),
		Terms:       info.str("termsOfService"),
	}
	if c := info.obj("contact"); c != nil {
		if u := c.str("url"); u != "" {
			out.Contact = append(out.Contact, newLink(orDefault(c.str("name"), u), u))
		}
		if e := c.str("email"); e != "" {
			out.Contact = append(out.Contact, newLink(e, "mailto:"+e))
		}
		if len(out.Contact) == 0 && c.str("name") != "" {
			out.Contact = append(out.Contact, link{Label: c.str("name")})
		}
	}
	if l := info.obj("license"); l != nil && l.str("name") != "" {
		lk := newLink(l.str("name"), l.str("url"))
		if l.str("url") == "" {
			lk.Href = ""
		}
		out.License = &lk
	}
	out.ExternalDocs = externalDocs(root)
	return out
}

func externalDocs(o *object) *link {
	d := o.obj("externalDocs")
	if d == nil || d.str("url") == "" {
		return nil
	}
	l := newLink(orDefault(d.str("description"), "More documentation"), d.str("url"))
	return &l
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (o *openAPIBuilder) servers() []server {
	if o.v2 {
		host := o.root.str("host")
		base := o.root.str("basePath")
		if host == "" && base == "" {
			return nil
		}
		var out []server
		schemes := o.root.list("schemes")
		if host == "" || len(schemes) == 0 {
			prefix := ""
			if host != "" {
				prefix = "//" + host
			}
			return []server{{URL: prefix + base}}
		}
		for _, s := range schemes {
			out = append(out, server{URL: scalarText(s) + "://" + host + base})
		}
		return out
	}
	var out []server
	for _, raw := range o.root.list("servers") {
		s, _ := raw.(*object)
		if s == nil {
			continue
		}
		srv := server{URL: s.str("url"), Description: s.str("description")}
		s.obj("variables").each(func(name string, v any) {
			vo, _ := v.(*object)
			sv := serverVariable{Name: name, Default: vo.str("default"), Description: vo.str("description")}
			for _, e := range vo.list("enum") {
				sv.Enum = append(sv.Enum, scalarText(e))
			}
			srv.Variables = append(srv.Variables, sv)
		})
		out = append(out, srv)
	}
	return out
}

func (o *openAPIBuilder) securitySchemes() []securityScheme {
	schemes := o.root.obj("components").obj("securitySchemes")
	if o.v2 {
		schemes = o.root.obj("securityDefinitions")
	}
	var out []securityScheme
	schemes.each(func(name string, raw any) {
		s, _, _ := o.res.deref(raw)
		if s == nil {
			return
		}
		sc := securityScheme{Name: name, Type: s.str("type"), Description: o.b.md(s.str("description"))}
		for _, k := range []struct{ label, key string }{
			{"scheme", "scheme"}, {"bearer format", "bearerFormat"}, {"in", "in"}, {"name", "name"},
			{"flow", "flow"}, {"authorization URL", "authorizationUrl"}, {"token URL", "tokenUrl"},
			{"OpenID Connect URL", "openIdConnectUrl"},
		} {
			if v := s.str(k.key); v != "" {
				sc.Details = append(sc.Details, fact{Label: k.label, Value: v})
			}
		}
		s.obj("flows").each(func(flow string, raw any) {
			f, _ := raw.(*object)
			var parts []string
			for _, k := range []string{"authorizationUrl", "tokenUrl", "refreshUrl"} {
				if v := f.str(k); v != "" {
					parts = append(parts, k+": "+v)
				}
			}
			sc.Details = append(sc.Details, fact{Label: flow + " flow", Value: strings.Join(parts, ", ")})
			if scopes := f.obj("scopes"); scopes != nil && len(scopes.keys) > 0 {
				sc.Details = append(sc.Details, fact{Label: flow + " scopes", Values: scopes.keys})
			}
		})
		if scopes := s.obj("scopes"); scopes != nil && len(scopes.keys) > 0 {
			sc.Details = append(sc.Details, fact{Label: "scopes", Values: scopes.keys})
		}
		out = append(out, sc)
	})
	return out
}

// operations groups every operation by its first tag, tags in the order
// the definition lists them, then in order of first use; untagged
// operations go to "default", as in swagger-ui.
func (o *openAPIBuilder) operations() []opGroup {
	var groups []*opGroup
	byName := map[string]*opGroup{}
	group := func(name string) *opGroup {
		if g, ok := byName[name]; ok {
			return g
		}
		g := &opGroup{ID: o.ids.id("tag", name), Name: name}
		byName[name] = g
		groups = append(groups, g)
		return g
	}
	for _, raw := range o.root.list("tags") {
		t, _ := raw.(*object)
		if t == nil || t.str("name") == "" {
			continue
		}
		g := group(t.str("name"))
		g.Description = o.b.md(t.str("description"))
		g.ExternalDocs = externalDocs(t)
	}
	used := map[*opGroup]bool{}
	add := func(paths *object, webhook bool) {
		paths.each(func(path string, raw any) {
			item, _, _ := o.res.deref(raw)
			if item == nil {
				return
			}
			for _, m := range httpMethods {
				op, ok := item.get(m).(*object)
				if !ok || !o.b.take() {
					continue
				}
				tag := "default"
				if webhook {
					tag = "Webhooks"
				}
				if tags := op.list("tags"); len(tags) > 0 && scalarText(tags[0]) != "" {
					tag = scalarText(tags[0])
				}
				g := group(tag)
				used[g] = true
				g.Ops = append(g.Ops, o.operation(path, m, item, op))
			}
		})
	}
	add(o.root.obj("paths"), false)
	add(o.root.obj("webhooks"), true)
	out := make([]opGroup, 0, len(groups))
	for _, g := range groups {
		if used[g] {
			out = append(out, *g)
		}
	}
	return out
}

func (o *openAPIBuilder) operation(path, method string, item, op *object) operation {
	out := operation{
		ID:          o.ids.id("op", method, path),
		Method:      strings.ToUpper(method),
		Path:        path,
		Summary:     orDefault(op.str("summary"), item.str("summary")),
		OperationID: op.str("operationId"),
		Description: o.b.md(orDefault(op.str("description"), item.str("description"))),
		Deprecated:  op.boolean("deprecated"),
	}
	walker := newWalker(o.res, o.b, true)
	var formParams []*object
	var bodyParam *object
	for _, p := range mergeParams(o.res, item.list("parameters"), op.list("parameters")) {
		switch {
		case o.v2 && p.str("in") == "body":
			bodyParam = p
		case o.v2 && p.str("in") == "formData":
			formParams = append(formParams, p)
		default:
			out.Params = append(out.Params, o.param(p, walker))
		}
	}
	if o.v2 {
		out.Body = o.v2Body(op, bodyParam, formParams, walker)
	} else if rb, _, _ := o.res.deref(op.get("requestBody")); rb != nil {
		out.Body = &requestBody{
			Description: o.b.md(rb.str("description")),
			Required:    rb.boolean("required"),
			Contents:    o.contents(rb.obj("content"), walker),
		}
	}
	op.obj("responses").each(func(code string, raw any) {
		r, _, _ := o.res.deref(raw)
		if r == nil {
			return
		}
		resp := response{Code: code, Class: statusClass(code), Description: o.b.md(r.str("description"))}
		r.obj("headers").each(func(name string, raw any) {
			h, _, _ := o.res.deref(raw)
			if h == nil {
				return
			}
			resp.Headers = append(resp.Headers, o.header(name, h, walker))
		})
		if o.v2 {
			resp.Contents = o.v2Response(op, r, walker)
		} else {
			resp.Contents = o.contents(r.obj("content"), walker)
		}
		out.Responses = append(out.Responses, resp)
	})
	security := op.list("security")
	if !op.has("security") {
		security = o.root.list("security")
	}
	for _, raw := range security {
		req, _ := raw.(*object)
		req.each(func(name string, scopes any) {
			s := name
			if l, ok := scopes.([]any); ok && len(l) > 0 {
				var names []string
				for _, x := range l {
					names = append(names, scalarText(x))
				}
				s += " (" + strings.Join(names, ", ") + ")"
			}
			out.Security = append(out.Security, s)
		})
	}
	return out
}

// mergeParams applies an operation's parameters over its path's: a
// parameter is identified by its name and location.
func mergeParams(res *resolver, pathParams, opParams []any) []*object {
	var out []*object
	index := map[string]int{}
	for _, list := range [][]any{pathParams, opParams} {
		for _, raw := range list {
			p, _, _ := res.deref(raw)
			if p == nil {
				continue
			}
			key := p.str("in") + "\x00" + p.str("name")
			if i, ok := index[key]; ok {
				out[i] = p
				continue
			}
			index[key] = len(out)
			out = append(out, p)
		}
	}
	return out
}

// param reads a parameter. Swagger 2 puts the type on the parameter
// itself, which then serves as its schema.
func (o *openAPIBuilder) param(p *object, w *schemaWalker) param {
	out := param{
		Name:        p.str("name"),
		In:          p.str("in"),
		Required:    p.boolean("required"),
		Deprecated:  p.boolean("deprecated"),
		Description: o.b.md(p.str("description")),
	}
	schema := p.get("schema")
	if c := p.obj("content"); schema == nil && c != nil && len(c.keys) > 0 {
		// OpenAPI 3 may give a parameter's schema per media type.
		schema = c.obj(c.keys[0]).get("schema")
	}
	if schema == nil {
		if _, ok := p.get("type").(string); ok {
			// Swagger 2 puts the type on the parameter itself.
			schema = p
		}
	}
	if schema != nil {
		out.Schema = w.view(schema)
		out.Schema.Description = ""
	}
	if p.has("example") {
		out.Example = compact(p.get("example"))
	} else if ex := firstExample(o.res, p.obj("examples")); ex != nil {
		out.Example = compact(ex.get("value"))
	}
	if out.Schema != nil {
		// A parameter's example is shown inline; no generated one.
		out.Schema.Example, out.Schema.Generated = "", false
	}
	return out
}

// header reads a response header, which is a parameter without a name.
func (o *openAPIBuilder) header(name string, h *object, w *schemaWalker) param {
	p := o.param(h, w)
	p.Name, p.In = name, "header"
	return p
}

func firstExample(res *resolver, examples *object) *object {
	if examples == nil || len(examples.keys) == 0 {
		return nil
	}
	ex, _, _ := res.deref(examples.get(examples.keys[0]))
	return ex
}

// contents reads an OpenAPI 3 content map.
func (o *openAPIBuilder) contents(m *object, w *schemaWalker) []content {
	var out []content
	m.each(func(mediaType string, raw any) {
		mt, _ := raw.(*object)
		c := content{MediaType: mediaType}
		if s := mt.get("schema"); s != nil {
			c.Schema = w.view(s)
		}
		if mt.has("example") {
			c.Examples = append(c.Examples, example{Name: "Example", Value: jsonText(mt.get("example"))})
		}
		mt.obj("examples").each(func(name string, raw any) {
			ex, _, _ := o.res.deref(raw)
			if ex == nil || !o.b.take() {
				return
			}
			e := example{Name: name, Summary: ex.str("summary"), Description: o.b.md(ex.str("description"))}
			switch {
			case ex.has("value"):
				e.Value = jsonText(ex.get("value"))
			case ex.str("externalValue") != "":
				e.Value = "See " + ex.str("externalValue")
			}
			c.Examples = append(c.Examples, e)
		})
		if len(c.Examples) > 0 && c.Schema != nil {
			// The definition's own examples replace the schema's.
			c.Schema.Example, c.Schema.Generated = "", false
		}
		out = append(out, c)
	})
	return out
}

// v2Body makes Swagger 2's body or form parameters into a request body.
func (o *openAPIBuilder) v2Body(op, body *object, form []*object, w *schemaWalker) *requestBody {
	switch {
	case body != nil:
		rb := &requestBody{Description: o.b.md(body.str("description")), Required: body.boolean("required")}
		schema := w.view(body.get("schema"))
		for _, mt := range o.v2MediaTypes(op, "consumes", "application/json") {
			rb.Contents = append(rb.Contents, content{MediaType: mt, Schema: schema})
		}
		return rb
	case len(form) > 0:
		schema := newObject()
		schema.set("type", "object")
		props := newObject()
		var required []any
		for _, p := range form {
			props.set(p.str("name"), p)
			if p.boolean("required") {
				required = append(required, p.str("name"))
			}
		}
		schema.set("properties", props)
		schema.set("required", required)
		rb := &requestBody{}
		view := w.view(schema)
		for _, mt := range o.v2MediaTypes(op, "consumes", "application/x-www-form-urlencoded") {
			rb.Contents = append(rb.Contents, content{MediaType: mt, Schema: view})
		}
		return rb
	}
	return nil
}

// v2Response makes a Swagger 2 response's schema and examples into
// contents, one per media type the operation produces.
func (o *openAPIBuilder) v2Response(op, r *object, w *schemaWalker) []content {
	examples := r.obj("examples")
	if !r.has("schema") && examples == nil {
		return nil
	}
	var schema *schemaView
	if r.has("schema") {
		schema = w.view(r.get("schema"))
	}
	var out []content
	for _, mt := range o.v2MediaTypes(op, "produces", "application/json") {
		c := content{MediaType: mt, Schema: schema}
		if examples.has(mt) {
			c.Examples = append(c.Examples, example{Name: "Example", Value: jsonText(examples.get(mt))})
		}
		out = append(out, c)
	}
	return out
}

// v2MediaTypes is an operation's consumes or produces list, or the
// definition's, or def.
func (o *openAPIBuilder) v2MediaTypes(op *object, key, def string) []string {
	list := op.list(key)
	if !op.has(key) {
		list = o.root.list(key)
	}
	var out []string
	for _, x := range list {
		if s := scalarText(x); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = []string{def}
	}
	return out
}

// statusClass is the class of a response code: "2xx" for 200 or 2XX.
func statusClass(code string) string {
	if code == "" || strings.EqualFold(code, "default") {
		return "default"
	}
	switch code[0] {
	case '1', '2', '3', '4', '5':
		return code[:1] + "xx"
	}
	return "default"
}
