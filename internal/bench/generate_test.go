package bench

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/callboard/callboard/entity"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	sa, err := Generate(a, 600, 7)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := Generate(b, 600, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(c, 600, 8); err != nil {
		t.Fatal(err)
	}
	fa, fb, fc := readTree(t, a), readTree(t, b), readTree(t, c)
	if len(fa) != len(fb) {
		t.Fatalf("same seed: %d files vs %d", len(fa), len(fb))
	}
	for path, data := range fa {
		if !bytes.Equal(data, fb[path]) {
			t.Errorf("same seed: %s differs", path)
		}
	}
	if !slices.Equal(sa.Refs, sb.Refs) || !slices.Equal(sa.FullTextTerms, sb.FullTextTerms) || !slices.Equal(sa.Names, sb.Names) {
		t.Errorf("same seed: summaries differ:\n%+v\n%+v", sa, sb)
	}
	same := 0
	for path, data := range fa {
		if bytes.Equal(data, fc[path]) {
			same++
		}
	}
	if same == len(fa) {
		t.Errorf("seeds 7 and 8 wrote identical organisations")
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestGenerateWritesValidConnectedEntities(t *testing.T) {
	for _, n := range []int{MinEntities, 137, 5000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			dir := t.TempDir()
			var docs []map[string]any
			perFile := map[string]int{}
			sum, err := generate(dir, n, 42, func(rel string, d obj) {
				docs = append(docs, d.toMap())
				perFile[rel]++
			})
			if err != nil {
				t.Fatal(err)
			}
			refs := map[string]bool{}
			counts := map[string]int{}
			var entities []*entity.Entity
			for _, d := range docs {
				e, err := entity.EnforcePolicies(d)
				if err != nil {
					t.Fatalf("policies: %v\n%v", err, d)
				}
				if ok, err := entity.ValidateKind(e); !ok || err != nil {
					t.Fatalf("kind %s not valid (ok=%v): %v", e.Ref(), ok, err)
				}
				ref := e.Ref().String()
				if refs[ref] {
					t.Fatalf("duplicate entity %s", ref)
				}
				refs[ref] = true
				counts[e.Kind]++
				entities = append(entities, e)
			}
			if len(docs) != sum.Total || sum.Total != n {
				t.Errorf("wrote %d documents, summary total %d, asked for %d", len(docs), sum.Total, n)
			}
			for kind, c := range sum.Counts {
				if counts[kind] != c {
					t.Errorf("%s: wrote %d, summary says %d", kind, counts[kind], c)
				}
			}
			for _, e := range entities {
				checkTargets(t, e, refs)
			}
			for _, r := range sum.Names {
				if !refs[r.String()] {
					t.Errorf("summary name %s was not generated", r)
				}
			}
			if len(sum.Refs) != 20 {
				t.Errorf("summary has %d by-refs refs, want 20", len(sum.Refs))
			}
			for _, r := range sum.Refs {
				if !refs[r] {
					t.Errorf("summary ref %s was not generated", r)
				}
			}
			if len(sum.FullTextTerms) == 0 {
				t.Errorf("no full-text terms")
			}
			checkFiles(t, dir, sum, perFile)
		})
	}
}

// checkTargets checks that every spec field that becomes a relation names
// a generated entity.
func checkTargets(t *testing.T, e *entity.Entity, refs map[string]bool) {
	t.Helper()
	fields := map[string]map[string]string{ // kind → spec field → default kind
		"Component": {"owner": "Group", "system": "System", "providesApis": "API", "consumesApis": "API", "dependsOn": ""},
		"API":       {"owner": "Group", "system": "System"},
		"Resource":  {"owner": "Group", "system": "System", "dependsOn": ""},
		"System":    {"owner": "Group", "domain": "Domain"},
		"Domain":    {"owner": "Group"},
		"Group":     {"parent": "Group", "children": "Group", "members": "User"},
		"User":      {"memberOf": "Group"},
	}
	for key, defKind := range fields[e.Kind] {
		var values []string
		switch v := e.Spec[key].(type) {
		case nil:
			continue
		case string:
			values = []string{v}
		case []any:
			for _, x := range v {
				values = append(values, x.(string))
			}
		default:
			t.Fatalf("%s spec.%s has type %T", e.Ref(), key, v)
		}
		for _, v := range values {
			r, err := entity.ParseRef(v, entity.RefDefaults{Kind: defKind, Namespace: e.Metadata.Namespace})
			if err != nil {
				t.Errorf("%s spec.%s: %v", e.Ref(), key, err)
				continue
			}
			if !refs[r.String()] {
				t.Errorf("%s spec.%s points at %s, which was not generated", e.Ref(), key, r)
			}
		}
	}
	if e.Kind == "Group" {
		if _, ok := e.Spec["children"].([]any); !ok {
			t.Errorf("%s has no spec.children list", e.Ref())
		}
	}
}

// checkFiles checks the root Location lists every entity file exactly once
// and that files hold 50 to 200 entities (the last of a kind may be short).
func checkFiles(t *testing.T, dir string, sum Summary, perFile map[string]int) {
	t.Helper()
	if sum.Root != filepath.Join(dir, RootFile) {
		t.Errorf("root = %s", sum.Root)
	}
	if perFile[RootFile] != 1 {
		t.Fatalf("root file has %d documents", perFile[RootFile])
	}
	files := readTree(t, dir)
	delete(files, RootFile)
	if len(files) != sum.Files || len(perFile)-1 != sum.Files {
		t.Errorf("%d files on disk, %d documents files, summary says %d", len(files), len(perFile)-1, sum.Files)
	}
	rootText := string(readTree(t, dir)[RootFile])
	for rel := range files {
		if !strings.Contains(rootText, "- ./"+rel+"\n") {
			t.Errorf("root Location does not list %s", rel)
		}
		if c := perFile[rel]; c > 200 || c < 1 {
			t.Errorf("%s holds %d entities", rel, c)
		}
		if got := bytes.Count(files[rel], []byte("---\n")); got != perFile[rel] {
			t.Errorf("%s: %d document markers for %d entities", rel, got, perFile[rel])
		}
	}
}

func TestGenerateProportions(t *testing.T) {
	sum, err := Generate(t.TempDir(), 20000, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"Domain": 1, "System": 3, "Component": 45, "API": 15, "Resource": 6, "Group": 5, "User": 25}
	for kind, pct := range want {
		got := 100 * float64(sum.Counts[kind]) / float64(sum.Total)
		if got < pct*0.9 || got > pct*1.1 {
			t.Errorf("%s: %.1f%% of entities, want about %.0f%%", kind, got, pct)
		}
	}
	if sum.Total != 20000 {
		t.Errorf("total %d, want 20000", sum.Total)
	}
}

func TestGenerateRejectsTinyOrganisations(t *testing.T) {
	if _, err := Generate(t.TempDir(), MinEntities-1, 1); err == nil {
		t.Fatal("want an error below MinEntities")
	}
}
