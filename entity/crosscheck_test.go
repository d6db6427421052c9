package entity

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v4"
)

// The schemas in schemas.go restate Backstage's JSON schema files. These
// tests hold them to the files: structurally (every keyword, with
// properties in the same order, since the order decides which error ajv
// reports first) and by validating the same documents with an independent
// JSON schema implementation.

// upstreamSchemas lists the schema files and the Go schema restating each.
var upstreamSchemas = []struct {
	file string
	ours *schema
}{
	{"catalog-model/schema/Entity.schema.json", entitySchema},
	{"catalog-model/schema/EntityEnvelope.schema.json", envelopeSchema},
	{"catalog-model/schema/kinds/API.v1alpha1.schema.json", apiSchema},
	{"catalog-model/schema/kinds/Component.v1alpha1.schema.json", componentSchema},
	{"catalog-model/schema/kinds/Resource.v1alpha1.schema.json", resourceSchema},
	{"catalog-model/schema/kinds/Group.v1alpha1.schema.json", groupSchema},
	{"catalog-model/schema/kinds/Location.v1alpha1.schema.json", locationSchema},
	{"catalog-model/schema/kinds/User.v1alpha1.schema.json", userSchema},
	{"catalog-model/schema/kinds/System.v1alpha1.schema.json", systemSchema},
	{"catalog-model/schema/kinds/Domain.v1alpha1.schema.json", domainSchema},
	{"scaffolder-common/Template.v1beta3.schema.json", templateSchema},
}

// referencedSchemas are only reached through $ref.
var referencedSchemas = []string{
	"catalog-model/schema/EntityMeta.schema.json",
	"catalog-model/schema/shared/common.schema.json",
}

// schemaNodes reads schema files as YAML nodes, which keep key order, and
// indexes them and their "#anchor" definitions by $id.
type schemaNodes struct {
	t    *testing.T
	byID map[string]*yaml.Node
}

func loadSchemaNodes(t *testing.T, root string) (*schemaNodes, map[string]*yaml.Node) {
	sn := &schemaNodes{t: t, byID: map[string]*yaml.Node{}}
	files := map[string]*yaml.Node{}
	all := referencedSchemas
	for _, u := range upstreamSchemas {
		all = append(all, u.file)
	}
	for _, f := range all {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		var n yaml.Node
		if err := yaml.Unmarshal(b, &n); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		top := n.Content[0]
		id := mapValue(top, "$id").Value
		files[f] = top
		sn.byID[id] = top
		if defs := mapValue(top, "definitions"); defs != nil {
			for i := 1; i < len(defs.Content); i += 2 {
				d := defs.Content[i]
				if anchor := mapValue(d, "$id"); anchor != nil {
					sn.byID[id+anchor.Value] = d
				}
			}
		}
	}
	return sn, files
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// toSchema converts a schema node to a *schema, resolving $ref. doc is the
// $id of the file the node is in.
func (sn *schemaNodes) toSchema(n *yaml.Node, doc, where string) *schema {
	if ref := mapValue(n, "$ref"); ref != nil {
		id := ref.Value
		if strings.HasPrefix(id, "#") {
			id = doc + id
		}
		target, ok := sn.byID[id]
		if !ok {
			sn.t.Fatalf("%s: unresolved $ref %q", where, ref.Value)
		}
		docID, _, _ := strings.Cut(id, "#")
		return sn.toSchema(target, docID, where+"→"+ref.Value)
	}
	s := &schema{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, v := n.Content[i].Value, n.Content[i+1]
		at := where + "/" + key
		switch key {
		case "$schema", "$id", "description", "examples", "default", "deprecated", "definitions":
		case "type":
			if v.Kind == yaml.SequenceNode {
				for _, e := range v.Content {
					s.types = append(s.types, e.Value)
				}
			} else {
				s.types = []string{v.Value}
			}
		case "minLength":
			s.minLength = atoi(sn.t, at, v.Value)
		case "minItems":
			s.minItems = atoi(sn.t, at, v.Value)
		case "pattern":
			s.pattern = &pattern{source: v.Value}
		case "enum":
			s.enum = []string{}
			for _, e := range v.Content {
				s.enum = append(s.enum, e.Value)
			}
		case "const":
			c := v.Value
			s.constant = &c
		case "required":
			s.required = []string{}
			for _, e := range v.Content {
				s.required = append(s.required, e.Value)
			}
		case "items":
			s.items = sn.toSchema(v, doc, at)
		case "properties":
			for j := 0; j+1 < len(v.Content); j += 2 {
				name := v.Content[j].Value
				s.props = append(s.props, prop(name, sn.toSchema(v.Content[j+1], doc, at+"/"+name)))
			}
		case "patternProperties":
			for j := 0; j+1 < len(v.Content); j += 2 {
				src := v.Content[j].Value
				s.patterns = append(s.patterns, patternProperty{pattern: &pattern{source: src},
					schema: sn.toSchema(v.Content[j+1], doc, at+"/"+src)})
			}
		case "additionalProperties":
			switch {
			case v.Kind == yaml.MappingNode:
				s.additional = sn.toSchema(v, doc, at)
			case v.Value == "false":
				s.closed = true
			}
		case "oneOf", "allOf":
			var subs []*schema
			for j, e := range v.Content {
				subs = append(subs, sn.toSchema(e, doc, at+"/"+strconv.Itoa(j)))
			}
			if key == "oneOf" {
				s.oneOf = subs
			} else {
				s.allOf = subs
			}
		default:
			sn.t.Errorf("%s: keyword not supported by the evaluator", at)
		}
	}
	return s
}

func atoi(t *testing.T, where, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	return n
}

func TestSchemasMatchUpstreamFiles(t *testing.T) {
	root := sharedRef(t)
	sn, files := loadSchemaNodes(t, root)
	opts := []cmp.Option{
		cmp.AllowUnexported(schema{}, property{}, patternProperty{}),
		cmp.Comparer(func(a, b *pattern) bool { return (a == nil) == (b == nil) && (a == nil || a.source == b.source) }),
	}
	for _, u := range upstreamSchemas {
		t.Run(filepath.Base(u.file), func(t *testing.T) {
			top := files[u.file]
			want := sn.toSchema(top, mapValue(top, "$id").Value, u.file)
			if diff := cmp.Diff(want, u.ours, opts...); diff != "" {
				t.Errorf("schema differs from %s (-upstream +ours):\n%s", u.file, diff)
			}
		})
	}
}

// upstreamValidator compiles the upstream schema files with
// santhosh-tekuri/jsonschema.
type upstreamValidator struct {
	schemas map[string]*jsonschema.Schema // by file
}

func newUpstreamValidator(t *testing.T, root string) *upstreamValidator {
	const base = "https://callboard.invalid/schemas/"
	c := jsonschema.NewCompiler()
	ids := map[string]string{}
	all := referencedSchemas
	for _, u := range upstreamSchemas {
		all = append(all, u.file)
	}
	for _, f := range all {
		r, err := os.Open(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		d, err := jsonschema.UnmarshalJSON(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		id := d.(map[string]any)["$id"].(string)
		ids[f] = base + id
		if err := c.AddResource(base+id, d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	v := &upstreamValidator{schemas: map[string]*jsonschema.Schema{}}
	for _, u := range upstreamSchemas {
		s, err := c.Compile(ids[u.file])
		if err != nil {
			t.Fatalf("compile %s: %v", u.file, err)
		}
		v.schemas[u.file] = s
	}
	return v
}

func (v *upstreamValidator) valid(t *testing.T, file string, d map[string]any) bool {
	n, err := normalize(d)
	if err != nil {
		t.Fatal(err)
	}
	return v.schemas[file].Validate(n) == nil
}

func TestSchemasAgreeWithJSONSchemaValidator(t *testing.T) {
	root := sharedRef(t)
	up := newUpstreamValidator(t, root)

	t.Run("Entity", func(t *testing.T) {
		for _, tt := range policySchemaCases {
			d := doc(t, tt.doc)
			ours := len(entitySchema.validate(d, newInstancePath(), nil)) == 0
			if theirs := up.valid(t, "catalog-model/schema/Entity.schema.json", d); ours != theirs {
				t.Errorf("%s: valid = %v, upstream schema says %v", tt.name, ours, theirs)
			}
		}
	})
	t.Run("EntityEnvelope", func(t *testing.T) {
		for _, tt := range envelopeCases {
			d := doc(t, tt.doc)
			ours := ValidateEnvelope(d) == nil
			if theirs := up.valid(t, "catalog-model/schema/EntityEnvelope.schema.json", d); ours != theirs {
				t.Errorf("%s: valid = %v, upstream schema says %v", tt.name, ours, theirs)
			}
		}
	})
	t.Run("kinds", func(t *testing.T) {
		for _, tt := range kindCases {
			d := doc(t, tt.doc)
			ok, err := validateKindDoc(d)
			ours := ok && err == nil
			theirs := false
			for _, u := range upstreamSchemas[2:] {
				theirs = theirs || up.valid(t, u.file, d)
			}
			if ours != theirs {
				t.Errorf("%s: valid = %v, upstream kind schemas say %v", tt.name, ours, theirs)
			}
		}
	})
	t.Run("examples", func(t *testing.T) {
		// Every example entity that passes the policies is accepted by
		// exactly the kind schemas that our kind validation accepts.
		for _, dir := range []string{"catalog-model/examples/components", "catalog-model/examples/apis", "catalog-model/examples/acme"} {
			matches, _ := filepath.Glob(filepath.Join(root, dir, "*.yaml"))
			for _, f := range matches {
				if strings.HasSuffix(f, ".oas.yaml") {
					continue
				}
				for _, d := range readYAMLDocuments(t, f) {
					resolvePlaceholders(d)
					ok, err := validateKindDoc(d)
					ours := ok && err == nil
					theirs := false
					for _, u := range upstreamSchemas[2:] {
						theirs = theirs || up.valid(t, u.file, d)
					}
					if ours != theirs {
						t.Errorf("%s: valid = %v, upstream kind schemas say %v", f, ours, theirs)
					}
				}
			}
		}
	})
}
