package examples

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/callboard/callboard/entity"
)

// notEntities are YAML files in the catalog that hold no entities.
var notEntities = []string{
	"catalog/apis/vessel-positions.openapi.yaml",     // read in by a $text placeholder
	"catalog/components/tidewater-ui-kit/mkdocs.yml", // the UI kit's TechDocs
}

// demoEntity is an entity of the demo catalog and the file it is in.
type demoEntity struct {
	*entity.Entity
	file string
}

// readCatalog follows the Locations from catalog/all.yaml as the catalog
// does and validates every entity it finds as Backstage would.
func readCatalog(t *testing.T) (map[string]demoEntity, map[string]bool) {
	t.Helper()
	entities := map[string]demoEntity{}
	files := map[string]bool{}
	var read func(file string)
	read = func(file string) {
		file = filepath.Clean(file)
		if files[file] {
			t.Errorf("%s is read twice", file)
			return
		}
		files[file] = true
		for i, doc := range readDocuments(t, file) {
			e := validate(t, file, i, doc)
			if e == nil {
				continue
			}
			ref := e.Ref().String()
			if prev, ok := entities[ref]; ok {
				t.Errorf("%s: %s is also defined in %s", file, ref, prev.file)
			}
			entities[ref] = demoEntity{e, file}
			if e.Kind != "Location" {
				continue
			}
			targets, _ := e.Spec["targets"].([]any)
			if target, ok := e.Spec["target"].(string); ok {
				targets = append(targets, target)
			}
			for _, target := range targets {
				read(filepath.Join(filepath.Dir(file), target.(string)))
			}
		}
	}
	read("catalog/all.yaml")
	return entities, files
}

func readDocuments(t *testing.T, file string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

// validate runs a document through Backstage's checks: placeholders, the
// envelope, the entity policies and the kind's schema.
func validate(t *testing.T, file string, i int, doc map[string]any) *entity.Entity {
	t.Helper()
	resolveText(t, filepath.Dir(file), doc)
	if err := entity.ValidateEnvelope(doc); err != nil {
		t.Errorf("%s #%d: %v", file, i, err)
		return nil
	}
	e, err := entity.EnforcePolicies(doc)
	if err != nil {
		t.Errorf("%s #%d: %v", file, i, err)
		return nil
	}
	ok, err := entity.ValidateKind(e)
	if !ok || err != nil {
		t.Errorf("%s #%d (%s): kind not valid: ok=%v %v", file, i, e.Ref(), ok, err)
		return nil
	}
	return e
}

// resolveText replaces {$text: path} objects with the file's content.
func resolveText(t *testing.T, dir string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if m, ok := child.(map[string]any); ok && len(m) == 1 && m["$text"] != nil {
				b, err := os.ReadFile(filepath.Join(dir, m["$text"].(string)))
				if err != nil {
					t.Errorf("$text: %v", err)
					continue
				}
				v[k] = string(b)
				continue
			}
			resolveText(t, dir, child)
		}
	case []any:
		for _, child := range v {
			resolveText(t, dir, child)
		}
	}
}

func TestEveryFileIsReached(t *testing.T) {
	_, read := readCatalog(t)
	err := filepath.WalkDir("catalog", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		if slices.Contains(notEntities, filepath.ToSlash(path)) {
			return nil
		}
		if !read[path] {
			t.Errorf("%s is not reached from catalog/all.yaml", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range notEntities {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("listed file: %v", err)
		}
	}
}

// specRefs lists, per kind, the spec fields holding entity references and
// the kind a reference without one defaults to ("" = must name its kind).
var specRefs = map[string][]struct{ field, kind string }{
	"Component": {{"owner", "group"}, {"system", "system"}, {"subcomponentOf", "component"}, {"providesApis", "api"}, {"consumesApis", "api"}, {"dependsOn", ""}},
	"API":       {{"owner", "group"}, {"system", "system"}},
	"Resource":  {{"owner", "group"}, {"system", "system"}, {"dependsOn", ""}},
	"System":    {{"owner", "group"}, {"domain", "domain"}},
	"Domain":    {{"owner", "group"}, {"subdomainOf", "domain"}},
	"Group":     {{"parent", "group"}, {"children", "group"}, {"members", "user"}},
	"User":      {{"memberOf", "group"}},
}

func TestRelationsResolve(t *testing.T) {
	entities, _ := readCatalog(t)
	edges := 0
	for ref, e := range entities {
		for _, f := range specRefs[e.Kind] {
			var targets []string
			switch v := e.Spec[f.field].(type) {
			case string:
				targets = []string{v}
			case []any:
				for _, x := range v {
					targets = append(targets, x.(string))
				}
			}
			for _, target := range targets {
				r, err := entity.ParseRef(target, entity.RefDefaults{Kind: f.kind, Namespace: e.Metadata.Namespace})
				if err != nil {
					t.Errorf("%s: spec.%s: %v", ref, f.field, err)
					continue
				}
				if _, ok := entities[r.String()]; !ok {
					t.Errorf("%s: spec.%s: %s is not in the demo catalog", ref, f.field, r)
				}
				edges++
			}
		}
	}
	if edges < 60 {
		t.Errorf("%d references between entities, want a richer graph", edges)
	}
	// A group's parent lists it among its children, and the reverse.
	for ref, e := range entities {
		if e.Kind != "Group" {
			continue
		}
		if parent, ok := e.Spec["parent"].(string); ok {
			p := entities["group:default/"+parent]
			if !slices.Contains(p.Spec["children"].([]any), any(e.Metadata.Name)) {
				t.Errorf("%s names parent %s, which does not list it as a child", ref, parent)
			}
		}
		for _, child := range e.Spec["children"].([]any) {
			c := entities["group:default/"+child.(string)]
			if c.Spec["parent"] != e.Metadata.Name {
				t.Errorf("%s lists child %s, whose parent is %v", ref, child, c.Spec["parent"])
			}
		}
	}
}

func TestOrganisationShape(t *testing.T) {
	entities, _ := readCatalog(t)
	count := map[string]int{}
	specTypes := map[string][]string{}
	lifecycles := map[string]bool{}
	var techdocs []demoEntity
	for _, e := range entities {
		count[e.Kind]++
		if typ, ok := e.Spec["type"].(string); ok && !slices.Contains(specTypes[e.Kind], typ) {
			specTypes[e.Kind] = append(specTypes[e.Kind], typ)
		}
		if e.Kind == "Component" {
			lifecycles[e.Spec["lifecycle"].(string)] = true
			if len(e.Metadata.Tags) == 0 {
				t.Errorf("%s has no tags", e.Ref())
			}
		}
		if e.Kind == "User" {
			profile, _ := e.Spec["profile"].(map[string]any)
			if email, _ := profile["email"].(string); !strings.Contains(email, "@") || profile["displayName"] == nil {
				t.Errorf("%s has no profile with a display name and an email", e.Ref())
			}
		}
		if e.Annotation(entity.AnnotationTechDocsRef) != "" {
			techdocs = append(techdocs, e)
		}
	}
	want := map[string][2]int{ // kind → [min, max]
		"Group": {3, 4}, "User": {8, 12}, "Domain": {2, 2}, "System": {3, 3},
		"Component": {10, 12}, "API": {6, 6}, "Resource": {3, 3}, "Location": {2, 10},
	}
	for kind, r := range want {
		if count[kind] < r[0] || count[kind] > r[1] {
			t.Errorf("%d entities of kind %s, want %d to %d", count[kind], kind, r[0], r[1])
		}
	}
	for kind, types := range map[string][]string{
		"Component": {"library", "service", "website"},
		"API":       {"asyncapi", "graphql", "grpc", "openapi"},
		"Resource":  {"database", "s3-bucket"},
	} {
		got := specTypes[kind]
		sort.Strings(got)
		if !slices.Equal(got, types) {
			t.Errorf("%s types = %v, want %v", kind, got, types)
		}
	}
	for _, l := range []string{"production", "experimental", "deprecated"} {
		if !lifecycles[l] {
			t.Errorf("no component has lifecycle %s", l)
		}
	}
	if len(techdocs) != 1 || techdocs[0].Annotation(entity.AnnotationTechDocsRef) != "dir:." {
		t.Fatalf("entities with TechDocs = %d, want one with dir:.", len(techdocs))
	}
	dir := filepath.Dir(techdocs[0].file)
	for _, f := range []string{"mkdocs.yml", "docs/index.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("TechDocs of %s: %v", techdocs[0].Ref(), err)
		}
	}
}

func TestOpenAPIDefinitions(t *testing.T) {
	entities, _ := readCatalog(t)
	n := 0
	for ref, e := range entities {
		if e.Kind != "API" || e.Spec["type"] != "openapi" {
			continue
		}
		n++
		def, _ := e.Spec["definition"].(string)
		for _, problem := range checkOpenAPI(def) {
			t.Errorf("%s: %s", ref, problem)
		}
	}
	if n < 3 {
		t.Errorf("%d OpenAPI definitions checked, want 3", n)
	}
}

// checkOpenAPI checks the structure of an OpenAPI 3.0 document: the
// required top-level fields, operations with responses, path parameters
// that are declared, and local $refs that resolve.
func checkOpenAPI(def string) []string {
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(def), &doc); err != nil {
		return []string{err.Error()}
	}
	var problems []string
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		problems = append(problems, fmt.Sprintf("openapi = %q, want 3.0.x", v))
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		problems = append(problems, "info needs title and version")
	}
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		problems = append(problems, "no paths")
	}
	methods := []string{"get", "put", "post", "delete", "patch", "head", "options"}
	for p, item := range paths {
		item, _ := item.(map[string]any)
		shared := paramNames(item["parameters"])
		for _, m := range methods {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			if responses, _ := op["responses"].(map[string]any); len(responses) == 0 {
				problems = append(problems, fmt.Sprintf("%s %s has no responses", m, p))
			}
			declared := append(paramNames(op["parameters"]), shared...)
			for _, seg := range strings.Split(p, "/") {
				if name, ok := strings.CutPrefix(seg, "{"); ok && !slices.Contains(declared, strings.TrimSuffix(name, "}")) {
					problems = append(problems, fmt.Sprintf("%s %s does not declare path parameter %s", m, p, seg))
				}
			}
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok && resolvePointer(doc, r) == nil {
				problems = append(problems, "unresolved $ref "+r)
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(doc)
	return problems
}

func paramNames(v any) []string {
	var names []string
	list, _ := v.([]any)
	for _, p := range list {
		if p, ok := p.(map[string]any); ok && p["in"] == "path" {
			names = append(names, fmt.Sprint(p["name"]))
		}
	}
	return names
}

// resolvePointer resolves a local "#/a/b" reference; nil when it does not.
func resolvePointer(doc map[string]any, ref string) any {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = doc
	for _, part := range strings.Split(rest, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func TestCheckOpenAPIFindsMistakes(t *testing.T) {
	bad := "openapi: 3.0.3\ninfo: {title: x}\npaths:\n  /a/{id}:\n    get:\n      responses: {}\n      parameters: []\n    post:\n      responses:\n        '200': {$ref: '#/components/responses/Nope'}\n      parameters: [{name: id, in: path}]\n"
	want := []string{
		"info needs title and version",
		"get /a/{id} has no responses",
		"get /a/{id} does not declare path parameter {id}",
		"unresolved $ref #/components/responses/Nope",
	}
	got := checkOpenAPI(bad)
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("checkOpenAPI found\n%q\nwant\n%q", got, want)
	}
}

func TestDefinitionsAreNotEmpty(t *testing.T) {
	entities, _ := readCatalog(t)
	markers := map[string]string{"asyncapi": "asyncapi: ", "graphql": "type Query", "grpc": `syntax = "proto3"`, "openapi": "openapi: 3."}
	for ref, e := range entities {
		if e.Kind != "API" {
			continue
		}
		def, _ := e.Spec["definition"].(string)
		if marker := markers[e.Spec["type"].(string)]; !strings.Contains(def, marker) {
			t.Errorf("%s: %s definition does not contain %q", ref, e.Spec["type"], marker)
		}
	}
}
