package entity

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// notEntities are YAML files among Backstage's examples that are not
// catalog entities.
var notEntities = map[string]string{
	"catalog-model/examples/apis/petstore-webhook.oas.yaml":                                   "an OpenAPI document pulled in by a $text placeholder",
	"scaffolder-templates/create-app-default-app/examples/template/content/catalog-info.yaml": "template skeleton content with ${{ }} expressions",
	"scaffolder-templates/create-app-default-app/app-config.production.yaml":                  "app configuration",
}

// exampleOutcome is how stock Backstage treats an example entity when it
// differs from "valid". The experimental model-layer kinds are not known
// to BuiltinKindsEntityProcessor, which stock installations run.
var exampleOutcome = map[string]struct {
	ok   bool
	want string
}{
	"api:default/backstage-mcp-server":     {true, "/spec must have required property 'definition' - missingProperty: definition"},
	"airesource:default/frontend-design":   {false, ""},
	"airesource:default/use-internal-apis": {false, ""},
}

func TestBackstageExamples(t *testing.T) {
	root := sharedRef(t)
	for skip := range notEntities {
		if _, err := os.Stat(filepath.Join(root, skip)); err != nil {
			t.Errorf("listed non-entity file is missing: %v", err)
		}
	}
	seen := map[string]bool{}
	for _, dir := range []string{"catalog-model/examples", "scaffolder-templates"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			if _, skip := notEntities[filepath.ToSlash(rel)]; skip {
				return nil
			}
			for i, d := range readYAMLDocuments(t, path) {
				ref := checkExample(t, rel, i, d)
				seen[ref] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("validated %d example entities", len(seen))
	if len(seen) < 70 {
		t.Errorf("validated %d example entities, want at least 70", len(seen))
	}
	for ref := range exampleOutcome {
		if !seen[ref] {
			t.Errorf("expected example %s was not found", ref)
		}
	}
}

// checkExample runs one example document through the validation pipeline
// and returns its entity ref.
func checkExample(t *testing.T, file string, i int, d map[string]any) string {
	t.Helper()
	resolvePlaceholders(d)
	if err := ValidateEnvelope(d); err != nil {
		t.Errorf("%s #%d: ValidateEnvelope: %v", file, i, err)
		return ""
	}
	e, err := EnforcePolicies(d)
	if err != nil {
		t.Errorf("%s #%d: EnforcePolicies: %v", file, i, err)
		return ""
	}
	ref := e.Ref().String()
	want, special := exampleOutcome[ref]
	if !special {
		want.ok = true
	}
	ok, err := ValidateKind(e)
	if ok != want.ok || errText(err) != want.want {
		t.Errorf("%s (%s): ValidateKind = %v, %q; want %v, %q", file, ref, ok, errText(err), want.ok, want.want)
	}
	return ref
}

// resolvePlaceholders stands in for the placeholder processor, which runs
// before validation: {$text: ...} becomes the text it points at.
func resolvePlaceholders(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			if target, ok := v["$text"].(string); ok {
				return "text read from " + target
			}
		}
		for k, e := range v {
			v[k] = resolvePlaceholders(e)
		}
	case []any:
		for i, e := range v {
			v[i] = resolvePlaceholders(e)
		}
	}
	return v
}

func readYAMLDocuments(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []map[string]any
	dec := yaml.NewDecoder(f)
	for {
		var d any
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d == nil {
			continue
		}
		m, ok := d.(map[string]any)
		if !ok {
			t.Fatalf("%s: document is %T, not an object", path, d)
		}
		docs = append(docs, m)
	}
}
