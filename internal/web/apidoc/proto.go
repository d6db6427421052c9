package apidoc

import (
	"html/template"
	"strings"
)

// protoDoc is a Protocol Buffers definition (a gRPC API) as shown.
type protoDoc struct {
	Syntax, Package string
	Imports         []string
	Options         []string
	Services        []protoService
	Messages        []protoMessage
	Enums           []protoEnum
	Notes           []string
}

type protoService struct {
	ID, Name string
	Doc      template.HTML
	Options  []string
	RPCs     []protoRPC
}

type protoRPC struct {
	ID, Name                   string
	Doc                        template.HTML
	Request, Response          typeRef
	ClientStream, ServerStream bool
	Deprecated                 bool
	Options                    []string
}

type protoMessage struct {
	ID, Name string // Name is the full name within the package: Outer.Inner
	Doc      template.HTML
	Fields   []protoField
	Reserved []string
}

type protoField struct {
	Number, Name, Label, Oneof string
	Type                       typeRef
	Doc                        template.HTML
	Deprecated                 bool
	Options                    []string
}

type protoEnum struct {
	ID, Name string
	Doc      template.HTML
	Values   []protoEnumValue
}

type protoEnumValue struct {
	Name, Number string
	Doc          template.HTML
	Deprecated   bool
}

// buildProto reads a .proto file.
func buildProto(src string, b *budget) (*protoDoc, error) {
	if len(src) > maxDefinitionBytes {
		return nil, errTooLarge
	}
	if strings.TrimSpace(src) == "" {
		return nil, &Error{Message: "the definition is empty"}
	}
	f, err := parseProto(src)
	if err != nil {
		return nil, err
	}
	pb := &protoBuilder{b: b, ids: uniqueIDs{}, pkg: f.Package, types: map[string]string{}}
	return pb.build(f), nil
}

type protoBuilder struct {
	b   *budget
	ids uniqueIDs
	pkg string
	// types maps the full name (within the package) of every message and
	// enum to its element id.
	types map[string]string
}

func (pb *protoBuilder) build(f *protoFile) *protoDoc {
	doc := &protoDoc{Syntax: f.Syntax, Package: f.Package, Imports: f.Imports, Options: f.Options}
	if f.Edition != "" {
		doc.Syntax = "edition " + f.Edition
	}
	// Name every type first, so fields can link to types declared later.
	var index func(prefix string, ms []*pMessage, es []*pEnum)
	index = func(prefix string, ms []*pMessage, es []*pEnum) {
		for _, m := range ms {
			full := prefix + m.Name
			pb.types[full] = pb.ids.id("message", full)
			index(full+".", m.Messages, m.Enums)
		}
		for _, e := range es {
			full := prefix + e.Name
			pb.types[full] = pb.ids.id("enum", full)
		}
	}
	index("", f.Messages, f.Enums)

	for _, s := range f.Services {
		if !pb.b.take() {
			break
		}
		svc := protoService{ID: pb.ids.id("service", s.Name), Name: s.Name, Doc: pb.b.md(s.Doc), Options: s.Options}
		for _, r := range s.RPCs {
			if !pb.b.take() {
				break
			}
			svc.RPCs = append(svc.RPCs, protoRPC{
				ID:           pb.ids.id("rpc", s.Name, r.Name),
				Name:         r.Name,
				Doc:          pb.b.md(r.Doc),
				Request:      pb.ref(r.Request, nil),
				Response:     pb.ref(r.Response, nil),
				ClientStream: r.ClientStream,
				ServerStream: r.ServerStream,
				Deprecated:   deprecatedOption(r.Options),
				Options:      withoutOption(r.Options, "deprecated"),
			})
		}
		doc.Services = append(doc.Services, svc)
	}
	var walk func(scope []string, ms []*pMessage, es []*pEnum)
	walk = func(scope []string, ms []*pMessage, es []*pEnum) {
		for _, m := range ms {
			if !pb.b.take() {
				return
			}
			inner := append(append([]string{}, scope...), m.Name)
			full := strings.Join(inner, ".")
			msg := protoMessage{ID: pb.types[full], Name: full, Doc: pb.b.md(m.Doc), Reserved: m.Reserved}
			for _, fl := range m.Fields {
				if !pb.b.take() {
					break
				}
				field := protoField{
					Number:     fl.Number,
					Name:       fl.Name,
					Label:      fl.Label,
					Oneof:      fl.Oneof,
					Type:       pb.ref(fl.Type, inner),
					Doc:        pb.b.md(fl.Doc),
					Deprecated: deprecatedOption(fl.Options),
					Options:    withoutOption(fl.Options, "deprecated"),
				}
				if fl.MapKey != "" {
					field.Type.Prefix = "map<" + fl.MapKey + ", "
					field.Type.Suffix = ">"
				}
				msg.Fields = append(msg.Fields, field)
			}
			doc.Messages = append(doc.Messages, msg)
			walk(inner, m.Messages, nil)
			for _, e := range m.Enums {
				doc.Enums = append(doc.Enums, pb.enum(full+".", e))
			}
		}
		for _, e := range es {
			doc.Enums = append(doc.Enums, pb.enum("", e))
		}
	}
	walk(nil, f.Messages, f.Enums)
	if pb.b.exhausted {
		doc.Notes = append(doc.Notes, truncatedNote)
	}
	return doc
}

func (pb *protoBuilder) enum(prefix string, e *pEnum) protoEnum {
	full := prefix + e.Name
	out := protoEnum{ID: pb.types[full], Name: full, Doc: pb.b.md(e.Doc)}
	for _, v := range e.Values {
		if !pb.b.take() {
			break
		}
		out.Values = append(out.Values, protoEnumValue{
			Name: v.Name, Number: v.Number, Doc: pb.b.md(v.Doc), Deprecated: deprecatedOption(v.Options),
		})
	}
	return out
}

// ref resolves a type name used in scope (the names of the enclosing
// messages) as protoc does: from the innermost scope outwards, then at the
// package level. A type of another package or a scalar is not linked.
func (pb *protoBuilder) ref(name string, scope []string) typeRef {
	out := typeRef{Name: name}
	rel := name
	if strings.HasPrefix(name, ".") {
		rel = strings.TrimPrefix(name[1:], pb.pkg+".")
		if pb.pkg == "" {
			rel = name[1:]
		}
		if id, ok := pb.types[rel]; ok {
			out.Href = "#" + id
		}
		return out
	}
	for i := len(scope); i >= 0; i-- {
		candidate := strings.Join(append(append([]string{}, scope[:i]...), rel), ".")
		if id, ok := pb.types[candidate]; ok {
			out.Href = "#" + id
			return out
		}
	}
	if pb.pkg != "" {
		if id, ok := pb.types[strings.TrimPrefix(rel, pb.pkg+".")]; ok && strings.HasPrefix(rel, pb.pkg+".") {
			out.Href = "#" + id
		}
	}
	return out
}

func deprecatedOption(opts []string) bool {
	for _, o := range opts {
		if strings.ReplaceAll(o, " ", "") == "deprecated=true" {
			return true
		}
	}
	return false
}

func withoutOption(opts []string, name string) []string {
	var out []string
	for _, o := range opts {
		if !strings.HasPrefix(o, name+" =") {
			out = append(out, o)
		}
	}
	return out
}
