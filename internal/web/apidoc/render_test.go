package apidoc

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/golden/name, or rewrites the file
// with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
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
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := readTestdataFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readTestdataFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", name))
}

// unsafeHTML finds what must never reach a page: script, inline event
// handlers and styles, and javascript: targets.
var unsafeHTML = regexp.MustCompile(`(?i)<script|<iframe|\son[a-z]+=|\sstyle=|javascript:`)

func TestRenderGolden(t *testing.T) {
	for _, c := range []struct{ file, kind string }{
		{"openapi3.yaml", OpenAPI},
		{"swagger2.json", OpenAPI},
		{"asyncapi2.yaml", AsyncAPI},
		{"asyncapi3.yaml", AsyncAPI},
		{"schema.graphql", GraphQL},
		{"service.proto", GRPC},
	} {
		t.Run(c.file, func(t *testing.T) {
			got, err := Render(c.kind, readTestdata(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if m := unsafeHTML.FindString(string(got)); m != "" {
				t.Errorf("rendered HTML contains %q", m)
			}
			golden(t, strings.TrimSuffix(c.file, filepath.Ext(c.file))+".html", string(got))
		})
	}
}
