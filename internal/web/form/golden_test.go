package form

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v4"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.html from the current output")

// goldenCase is one file of testdata/golden: a page schema and the state
// it is rendered in.
type goldenCase struct {
	Schema     map[string]any   `yaml:"schema"`
	Values     map[string]any   `yaml:"values"`
	Choices    map[string]int   `yaml:"choices"`
	SecretsSet []string         `yaml:"secretsSet"`
	Ownership  []string         `yaml:"ownership"`
	Problems   []map[string]any `yaml:"problems"`
}

// jsonData converts YAML-decoded data to what encoding/json produces,
// as the scaffolder hands schemas and values over.
func jsonData[T any](t testing.TB, v any) T {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// fakeEntities answers picker queries from a fixed list, the way the
// catalog would: kind and annotation filters, ownership, the limit.
type fakeEntities struct {
	queries []EntityQuery
}

type fakeEntity struct {
	ref, label, owner string
	annotations       []string
}

var catalogEntities = []fakeEntity{
	{ref: "group:default/harbour", label: "Harbour team"},
	{ref: "group:default/fares", label: "Fares team"},
	{ref: "user:default/jane.doe", label: "Jane Doe"},
	{ref: "system:default/ticketing", label: "Ticketing", owner: "group:default/harbour"},
	{ref: "component:default/booking-service", label: "Booking service", owner: "group:default/harbour"},
	{ref: "api:default/booking-api", label: "Booking API", owner: "group:default/fares"},
	{ref: "resource:default/docs-bucket", label: "Docs bucket", annotations: []string{"backstage.io/techdocs-ref"}},
}

func (f *fakeEntities) Suggest(_ context.Context, q EntityQuery) ([]EntityOption, error) {
	f.queries = append(f.queries, q)
	var out []EntityOption
	for _, e := range catalogEntities {
		kind, _, _ := strings.Cut(e.ref, ":")
		ok := len(q.Filters) == 0
		for _, flt := range q.Filters {
			all := true
			for key, c := range flt {
				switch {
				case key == "kind":
					all = all && slices.ContainsFunc(c.Values, func(v string) bool { return strings.EqualFold(v, kind) })
				case strings.HasPrefix(key, "metadata.annotations."):
					all = all && c.Exists && slices.Contains(e.annotations, strings.TrimPrefix(key, "metadata.annotations."))
				default:
					all = false
				}
			}
			ok = ok || all
		}
		if len(q.OwnedBy) > 0 && !slices.Contains(q.OwnedBy, e.owner) {
			ok = false
		}
		if ok && len(out) < q.Limit {
			out = append(out, EntityOption{Ref: e.ref, Label: e.label})
		}
	}
	return out, nil
}

func loadCase(t *testing.T, path string) goldenCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c goldenCase
	loadYAML(t, string(b), &c)
	return c
}

func loadYAML(t testing.TB, src string, v any) {
	t.Helper()
	if err := yaml.Unmarshal([]byte(src), v); err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
}

func (c goldenCase) state(t *testing.T, ents Entities) State {
	st := State{
		Values:    jsonData[map[string]any](t, c.Values),
		Choices:   c.Choices,
		Entities:  ents,
		Ownership: c.Ownership,
	}
	if len(c.SecretsSet) > 0 {
		st.SecretsSet = map[string]bool{}
		for _, s := range c.SecretsSet {
			st.SecretsSet[s] = true
		}
	}
	for _, p := range jsonData[[]map[string]any](t, c.Problems) {
		pr := Problem{Argument: p["argument"]}
		pr.Keyword, _ = p["keyword"].(string)
		pr.Message, _ = p["message"].(string)
		for _, seg := range p["path"].([]any) {
			pr.Path = append(pr.Path, seg.(string))
		}
		st.Problems = append(st.Problems, pr)
	}
	return st
}

// TestGoldenForms renders each testdata/golden/*.yaml case and compares
// the HTML, and the error summary, with the .html file beside it. Run
// with -update to accept changes, then read the diff.
func TestGoldenForms(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join("testdata", "golden", "*.yaml"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run(name, func(t *testing.T) {
			c := loadCase(t, path)
			ents := &fakeEntities{}
			f := New(jsonData[map[string]any](t, c.Schema))
			v, err := f.View(context.Background(), c.state(t, ents))
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			b.WriteString(string(v.HTML))
			if len(v.Errors) > 0 {
				b.WriteString("\n<!-- error summary:\n")
				for _, e := range v.Errors {
					b.WriteString("  #" + e.ID + " " + e.Label + ": " + e.Message + "\n")
				}
				b.WriteString("-->\n")
			}
			for _, q := range ents.queries {
				if q.Limit <= 0 || q.Limit > maxSuggestions {
					t.Errorf("picker query without a bound: %+v", q)
				}
			}
			compareGolden(t, strings.TrimSuffix(path, ".yaml")+".html", b.String())
		})
	}
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got); run go test -update if the change is intended:\n%s", path, diff)
	}
}
