package apidoc

import (
	"html/template"
	"strconv"
	"strings"
)

// asyncAPIDoc is an AsyncAPI 2.x or 3.x definition as shown.
type asyncAPIDoc struct {
	Info
	Spec               string
	DefaultContentType string
	Servers            []server
	Channels           []channel
	Schemas            []namedSchema
	Notes              []string
	V3                 bool
}

// channel is where messages flow, with what the application does there.
type channel struct {
	ID, Name    string
	Address     string
	Title       string
	Description template.HTML
	Params      []param
	Ops         []asyncOp
	// Messages are the channel's messages no operation names (AsyncAPI 3).
	Messages []message
}

// asyncOp is a publish or subscribe (2.x), or a send or receive (3.x).
type asyncOp struct {
	ID          string
	Action      string
	Explain     string
	Name        string // the operation's key in 3.x, its operationId in 2.x
	Summary     string
	Description template.HTML
	Messages    []message
}

type message struct {
	ID, Name, Title, Summary string
	ContentType              string
	Description              template.HTML
	Headers                  *schemaView
	Payload                  *schemaView
	// SchemaFormat names a payload format other than JSON Schema (Avro,
	// RAML ...); the payload is then shown as written.
	SchemaFormat string
	RawPayload   string
	Examples     []example
}

// What each action means for the application the definition describes.
var asyncActions = map[string]string{
	"publish":   "Other applications publish these messages; this application receives them.",
	"subscribe": "This application sends these messages; other applications subscribe to them.",
	"send":      "This application sends these messages.",
	"receive":   "This application receives these messages.",
}

// buildAsyncAPI reads an AsyncAPI 2.x or 3.x definition.
func buildAsyncAPI(src string, b *budget) (*asyncAPIDoc, error) {
	v, err := decode(src)
	if err != nil {
		return nil, err
	}
	root, ok := v.(*object)
	if !ok {
		return nil, &Error{Message: "an AsyncAPI definition must be a mapping at the top level"}
	}
	version := root.str("asyncapi")
	a := &asyncBuilder{root: root, b: b, ids: uniqueIDs{}}
	switch {
	case strings.HasPrefix(version, "2."):
	case strings.HasPrefix(version, "3."):
		a.v3 = true
	case version == "":
		return nil, &Error{Message: `this is not an AsyncAPI definition: it has no "asyncapi" version field`}
	default:
		return nil, &Error{Message: "AsyncAPI version " + version + " is not supported; Callboard renders AsyncAPI 2.x and 3.x"}
	}
	a.res = &resolver{root: root, named: map[string]string{}}
	root.obj("components").obj("schemas").each(func(name string, _ any) {
		a.res.named["#/components/schemas/"+escapePointer(name)] = a.ids.id("schema", name)
	})
	doc := &asyncAPIDoc{
		Info:               readInfo(root, b),
		Spec:               "AsyncAPI " + version,
		DefaultContentType: root.str("defaultContentType"),
		V3:                 a.v3,
	}
	doc.Servers = a.servers()
	if a.v3 {
		doc.Channels = a.channelsV3()
	} else {
		doc.Channels = a.channelsV2()
	}
	inline := newWalker(a.res, b, false)
	root.obj("components").obj("schemas").each(func(name string, s any) {
		if !b.take() {
			return
		}
		doc.Schemas = append(doc.Schemas, namedSchema{
			ID:     a.res.named["#/components/schemas/"+escapePointer(name)],
			Name:   name,
			Schema: inline.view(s),
		})
	})
	if b.exhausted {
		doc.Notes = append(doc.Notes, truncatedNote)
	}
	return doc, nil
}

type asyncBuilder struct {
	root *object
	v3   bool
	b    *budget
	ids  uniqueIDs
	res  *resolver
}

func (a *asyncBuilder) servers() []server {
	var out []server
	a.root.obj("servers").each(func(name string, raw any) {
		s, _, _ := a.res.deref(raw)
		if s == nil {
			return
		}
		url := s.str("url")
		if a.v3 {
			url = s.str("host") + s.str("pathname")
			if p := s.str("protocol"); p != "" && !strings.Contains(url, "://") {
				url = p + "://" + url
			}
		}
		srv := server{URL: url, Protocol: s.str("protocol"), Description: strings.TrimSpace(name + " " + dash(s.str("description")))}
		if pv := s.str("protocolVersion"); pv != "" {
			srv.Protocol += " " + pv
		}
		s.obj("variables").each(func(vname string, v any) {
			vo, _, _ := a.res.deref(v)
			sv := serverVariable{Name: vname, Default: vo.str("default"), Description: vo.str("description")}
			for _, e := range vo.list("enum") {
				sv.Enum = append(sv.Enum, scalarText(e))
			}
			srv.Variables = append(srv.Variables, sv)
		})
		out = append(out, srv)
	})
	return out
}

func dash(s string) string {
	if s == "" {
		return ""
	}
	return "— " + s
}

func (a *asyncBuilder) channelsV2() []channel {
	var out []channel
	a.root.obj("channels").each(func(name string, raw any) {
		c, _, _ := a.res.deref(raw)
		if c == nil || !a.b.take() {
			return
		}
		ch := channel{ID: a.ids.id("channel", name), Name: name, Description: a.b.md(c.str("description"))}
		ch.Params = a.params(c.obj("parameters"))
		for _, action := range []string{"publish", "subscribe"} {
			op, _, _ := a.res.deref(c.get(action))
			if op == nil {
				continue
			}
			o := asyncOp{
				ID:          a.ids.id("op", name, action),
				Action:      action,
				Explain:     asyncActions[action],
				Name:        op.str("operationId"),
				Summary:     op.str("summary"),
				Description: a.b.md(op.str("description")),
			}
			msg := op.get("message")
			if m, _, _ := a.res.deref(msg); m != nil && m.has("oneOf") {
				for _, alt := range m.list("oneOf") {
					o.Messages = append(o.Messages, a.message("", alt))
				}
			} else if msg != nil {
				o.Messages = append(o.Messages, a.message("", msg))
			}
			ch.Ops = append(ch.Ops, o)
		}
		out = append(out, ch)
	})
	return out
}

// channelsV3 lists the channels, each with the operations that use it;
// operations whose channel is not in the definition get a channel of
// their own so they are not lost.
func (a *asyncBuilder) channelsV3() []channel {
	var out []*channel
	byRef := map[string]*channel{}
	a.root.obj("channels").each(func(key string, raw any) {
		c, _, _ := a.res.deref(raw)
		if c == nil || !a.b.take() {
			return
		}
		ch := &channel{
			ID:          a.ids.id("channel", key),
			Name:        key,
			Address:     c.str("address"),
			Title:       c.str("title"),
			Description: a.b.md(orDefault(c.str("description"), c.str("summary"))),
			Params:      a.params(c.obj("parameters")),
		}
		c.obj("messages").each(func(mkey string, m any) {
			ch.Messages = append(ch.Messages, a.message(mkey, m))
		})
		byRef["#/channels/"+escapePointer(key)] = ch
		out = append(out, ch)
	})
	used := map[*channel]map[string]bool{}
	a.root.obj("operations").each(func(key string, raw any) {
		op, _, _ := a.res.deref(raw)
		if op == nil || !a.b.take() {
			return
		}
		chRef, _ := op.obj("channel").get("$ref").(string)
		ch := byRef[chRef]
		if ch == nil {
			ch = &channel{ID: a.ids.id("channel", chRef), Name: orDefault(chRef, "(no channel)")}
			byRef[chRef] = ch
			out = append(out, ch)
		}
		action := op.str("action")
		o := asyncOp{
			ID:          a.ids.id("op", key),
			Action:      action,
			Explain:     asyncActions[action],
			Name:        key,
			Summary:     orDefault(op.str("summary"), op.str("title")),
			Description: a.b.md(op.str("description")),
		}
		refs := op.list("messages")
		if len(refs) == 0 {
			// No list: every message of the channel.
			o.Messages = ch.Messages
		}
		for _, m := range refs {
			msg := a.message("", m)
			if ref, ok := m.(*object); ok {
				if s, isRef := ref.get("$ref").(string); isRef {
					msg.Name = orDefault(msg.Name, refName(s))
					if used[ch] == nil {
						used[ch] = map[string]bool{}
					}
					used[ch][refName(s)] = true
				}
			}
			o.Messages = append(o.Messages, msg)
		}
		if len(refs) == 0 {
			used[ch] = map[string]bool{"*": true}
		}
		ch.Ops = append(ch.Ops, o)
	})
	res := make([]channel, 0, len(out))
	for _, ch := range out {
		if u := used[ch]; u != nil {
			// Messages shown under an operation are not repeated.
			var rest []message
			for _, m := range ch.Messages {
				if !u["*"] && !u[m.Name] {
					rest = append(rest, m)
				}
			}
			ch.Messages = rest
		}
		res = append(res, *ch)
	}
	return res
}

func (a *asyncBuilder) params(ps *object) []param {
	var out []param
	walker := newWalker(a.res, a.b, true)
	ps.each(func(name string, raw any) {
		p, _, _ := a.res.deref(raw)
		pr := param{Name: name, In: "channel", Required: true, Description: a.b.md(p.str("description"))}
		schema := p.get("schema")
		if schema == nil && (p.has("enum") || p.has("default")) {
			// AsyncAPI 3 parameters carry enum and default themselves.
			s := newObject()
			s.set("type", "string")
			for _, k := range []string{"enum", "default", "examples"} {
				if p.has(k) {
					s.set(k, p.get(k))
				}
			}
			schema = s
		}
		if schema != nil {
			pr.Schema = walker.view(schema)
			pr.Schema.Description, pr.Schema.Example, pr.Schema.Generated = "", "", false
		} else {
			pr.Schema = &schemaView{Type: typeLabel{Name: "string"}}
		}
		out = append(out, pr)
	})
	return out
}

// message reads a message; key is its name in a messages map.
func (a *asyncBuilder) message(key string, raw any) message {
	m, ref, _ := a.res.deref(raw)
	name := key
	if name == "" && ref != "" {
		name = refName(ref)
	}
	out := message{ID: a.ids.id("message", name), Name: orDefault(m.str("name"), name)}
	if m == nil {
		out.Title = ref
		return out
	}
	out.Title = m.str("title")
	out.Summary = m.str("summary")
	out.ContentType = m.str("contentType")
	out.Description = a.b.md(m.str("description"))
	walker := newWalker(a.res, a.b, true)
	if h := m.get("headers"); h != nil {
		out.Headers = walker.view(schemaOf(h))
	}
	payload := m.get("payload")
	format := m.str("schemaFormat")
	if p, _, _ := a.res.deref(payload); p != nil && p.has("schemaFormat") && p.has("schema") {
		// AsyncAPI 3's multi-format schema object.
		format, payload = p.str("schemaFormat"), p.get("schema")
	}
	if format != "" && !jsonSchemaFormat(format) {
		out.SchemaFormat = format
		out.RawPayload = jsonText(payload)
	} else if payload != nil {
		out.Payload = walker.view(payload)
	}
	for i, raw := range m.list("examples") {
		ex, _ := raw.(*object)
		if ex == nil || !a.b.take() {
			continue
		}
		e := example{Name: orDefault(ex.str("name"), "Example "+strconv.Itoa(i+1)), Summary: ex.str("summary")}
		var parts []string
		if ex.has("headers") {
			parts = append(parts, "headers: "+jsonText(ex.get("headers")))
		}
		if ex.has("payload") {
			if len(parts) > 0 {
				parts = append(parts, "payload: "+jsonText(ex.get("payload")))
			} else {
				parts = append(parts, jsonText(ex.get("payload")))
			}
		}
		e.Value = strings.Join(parts, "\n")
		out.Examples = append(out.Examples, e)
	}
	if len(out.Examples) > 0 && out.Payload != nil {
		out.Payload.Example, out.Payload.Generated = "", false
	}
	return out
}

// schemaOf unwraps a multi-format schema object to its schema.
func schemaOf(v any) any {
	if o, ok := v.(*object); ok && o.has("schemaFormat") && o.has("schema") {
		return o.get("schema")
	}
	return v
}

// jsonSchemaFormat reports whether a schemaFormat is JSON Schema or
// AsyncAPI's own schema, which the schema tables can show.
func jsonSchemaFormat(f string) bool {
	f = strings.ToLower(f)
	return strings.HasPrefix(f, "application/vnd.aai.asyncapi") ||
		strings.HasPrefix(f, "application/schema+json") ||
		strings.HasPrefix(f, "application/schema+yaml") ||
		strings.HasPrefix(f, "application/vnd.oai.openapi")
}
