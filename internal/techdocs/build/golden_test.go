package build

import (
	"context"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// copyTree copies a testdata tree to a new directory, so that builds read
// a source that is not inside this repository's git work tree.
func copyTree(t testing.TB, from string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), filepath.Base(from))
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return to
}

// readTree reads every file under dir, keyed by slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var timestampRE = regexp.MustCompile(`"build_timestamp":[0-9]+`)

// TestGolden builds the corpus sites and compares every file written, and
// the warnings, with testdata/golden (go test -update rewrites it).
func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		o    Options
	}{
		// mkdocs.yml with a nested nav, docs_dir, repo_url/edit_uri,
		// snippets, and mermaid drawn by a script.
		{"site", Options{Etag: "3f2a9c1", Mermaid: "https://cdn.example.com/mermaid.min.js"}},
		// No mkdocs.yml: the default configuration and a nav from folders;
		// mermaid stays source.
		{"folders", Options{SiteName: "Berth Planner"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := copyTree(t, filepath.Join("testdata", "corpus", tt.name))
			out := filepath.Join(t.TempDir(), "out")
			res, err := Build(context.Background(), src, out, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			got := readTree(t, out)
			got["techdocs_metadata.json"] = timestampRE.ReplaceAllString(got["techdocs_metadata.json"], `"build_timestamp":0`)
			warnings := strings.Join(res.Warnings, "\n") + "\n"
			golden := filepath.Join("testdata", "golden", tt.name)
			if *update {
				if err := os.RemoveAll(golden); err != nil {
					t.Fatal(err)
				}
				for name, body := range got {
					p := filepath.Join(golden, filepath.FromSlash(name))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.WriteFile(golden+".warnings", []byte(warnings), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := readTree(t, golden)
			if diff := cmp.Diff(keys(want), keys(got)); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			for name, body := range want {
				if diff := cmp.Diff(body, got[name]); diff != "" {
					t.Errorf("%s (-want +got):\n%s", name, diff)
				}
			}
			wantWarnings, err := os.ReadFile(golden + ".warnings")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(wantWarnings), warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if res.Pages == 0 || len(res.Files) != len(got) || res.Metadata.BuildTimestamp == 0 {
				t.Errorf("result: %d pages, %d files (%d written), timestamp %d", res.Pages, len(res.Files), len(got), res.Metadata.BuildTimestamp)
			}
			var md Metadata
			if err := json.Unmarshal([]byte(got["techdocs_metadata.json"]), &md); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(keys(got), md.Files); diff != "" {
				t.Errorf("metadata files are not the files written (-written +listed):\n%s", diff)
			}
		})
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// scriptRE finds script elements and attributes that run script.
var scriptRE = regexp.MustCompile(`(?i)<script|\son[a-z]+\s*=|javascript:|<iframe|<style|\sstyle\s*=`)

// TestGoldenHasNoInjectedScript checks every page of the golden sites: the
// only script is the configured mermaid script.
func TestGoldenHasNoInjectedScript(t *testing.T) {
	for _, site := range []string{"site", "folders"} {
		for name, body := range readTree(t, filepath.Join("testdata", "golden", site)) {
			if !strings.HasSuffix(name, ".html") {
				continue
			}
			body = strings.ReplaceAll(body, `<script src="https://cdn.example.com/mermaid.min.js"></script>`, "")
			if m := scriptRE.FindString(body); m != "" {
				t.Errorf("%s/%s: %q", site, name, m)
			}
		}
	}
}
