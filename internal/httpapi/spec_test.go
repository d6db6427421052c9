package httpapi

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// backstageSpecPath is Backstage's catalog OpenAPI spec in the shared
// reference data beside the repository; tests skip what needs it when it is
// absent.
var backstageSpecPath = filepath.Join("..", "..", "..", "shared", "backstage-ref", "openapi", "catalog-backend.openapi.yaml")

// ourSpecGlob matches Callboard's own OpenAPI documents.
var ourSpecGlob = filepath.Join("..", "..", "api", "*.yaml")

func loadSpec(t testing.TB, path string) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return doc
}

// backstageSpec loads Backstage's catalog spec, or returns nil when the
// reference data is not there.
func backstageSpec(t testing.TB) *openapi3.T {
	t.Helper()
	if _, err := os.Stat(backstageSpecPath); err != nil {
		return nil
	}
	doc := loadSpec(t, backstageSpecPath)
	// Backstage's RecursivePartialEntityMeta puts its properties under
	// allOf and additionalProperties: false beside it. Under JSON Schema
	// 2020-12 properties inside allOf do not count for additionalProperties,
	// so the schema refuses any metadata at all, including what Backstage's
	// own analyze-location returns. Dropping that one keyword keeps the
	// properties checked and makes the schema mean what it says.
	if ref := doc.Components.Schemas["RecursivePartialEntityMeta"]; ref != nil && ref.Value != nil {
		ref.Value.AdditionalProperties = openapi3.AdditionalProperties{}
	}
	return doc
}

// ourSpecs loads every document in api/.
func ourSpecs(t testing.TB) []*openapi3.T {
	t.Helper()
	files, err := filepath.Glob(ourSpecGlob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no OpenAPI documents in api/ (%v)", err)
	}
	var docs []*openapi3.T
	for _, f := range files {
		docs = append(docs, loadSpec(t, f))
	}
	return docs
}

// operations lists "METHOD /path" for every operation of doc, with prefix
// put before each path.
func operations(doc *openapi3.T, prefix string) map[string]bool {
	ops := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			ops[strings.ToUpper(method)+" "+prefix+path] = true
		}
	}
	return ops
}

func TestOurSpecsAreValid(t *testing.T) {
	for _, doc := range ourSpecs(t) {
		if err := doc.Validate(context.Background()); err != nil {
			t.Errorf("%s: %v", doc.Info.Title, err)
		}
	}
}

// TestRoutesMatchSpecs ties routes.go to the specs: every route is an
// operation of Backstage's catalog spec or of api/*.yaml, every operation
// in api/*.yaml is routed, and every operation of Backstage's catalog spec
// is routed.
func TestRoutesMatchSpecs(t *testing.T) {
	ours := map[string]bool{}
	for _, doc := range ourSpecs(t) {
		for op := range operations(doc, "") {
			ours[op] = true
		}
	}
	var backstage map[string]bool
	if doc := backstageSpec(t); doc != nil {
		backstage = operations(doc, catalogMount)
	} else {
		t.Log("Backstage reference spec absent: checking catalog routes against api/*.yaml only")
	}

	routed := map[string]bool{}
	for _, rt := range (&server{}).routes() {
		routed[rt.pattern] = true
		switch {
		case ours[rt.pattern] || backstage[rt.pattern]:
		case backstage == nil && strings.Contains(rt.pattern, " "+catalogMount+"/"):
			// Only Backstage's spec could say; it is not here.
		default:
			t.Errorf("route %q is in no OpenAPI document", rt.pattern)
		}
	}
	for _, op := range sortedKeys(ours) {
		// The sign-in API is internal/auth's; its own test ties
		// api/auth.openapi.yaml to its routes.
		if strings.Contains(op, " /api/auth/") {
			continue
		}
		if !routed[op] {
			t.Errorf("api/*.yaml operation %q is not routed", op)
		}
	}
	for _, op := range sortedKeys(backstage) {
		if !routed[op] {
			t.Errorf("Backstage catalog operation %q is not routed", op)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
