package builtin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func componentYAML(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString("---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + n + "\nspec: {type: service, lifecycle: production, owner: team-a}\n")
	}
	return b.String()
}

func TestFileLocationReading(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"all.yaml":              "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: all}\nspec:\n  targets: [./teams/**/*.yaml, other/c.yaml]\n",
		"teams/b/catalog.yaml":  componentYAML("b1", "b2"),
		"teams/a/catalog.yaml":  componentYAML("a"),
		"teams/a/deep/x/y.yaml": componentYAML("deep"),
		"teams/a/notes.txt":     "not yaml",
		"other/c.yaml":          componentYAML("c"),
	})
	o := newOrchestrator(t, Options{})
	rootPath := filepath.Join(dir, "all.yaml")
	res := process(t, o, locationEntity("file", rootPath), nil)
	if !res.OK || len(res.Deferred) != 1 {
		t.Fatalf("root: OK=%v %v", res.OK, errorTexts(res.Errors))
	}
	res = process(t, o, res.Deferred[0].Entity, nil)
	if !res.OK {
		t.Fatalf("all.yaml: %v", errorTexts(res.Errors))
	}
	a := filepath.Join(dir, "teams/a/catalog.yaml")
	deep := filepath.Join(dir, "teams/a/deep/x/y.yaml")
	b := filepath.Join(dir, "teams/b/catalog.yaml")
	c := filepath.Join(dir, "other/c.yaml")
	want := []string{
		"Component:a@file:" + a,
		"Component:deep@file:" + deep,
		"Component:b1@file:" + b,
		"Component:b2@file:" + b,
		"Component:c@file:" + c,
	}
	if diff := cmp.Diff(want, deferredRefs(res)); diff != "" {
		t.Errorf("emitted (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"file:" + a, "file:" + deep, "file:" + b, "file:" + c}, res.RefreshKeys); diff != "" {
		t.Errorf("refresh keys (-want +got):\n%s", diff)
	}
	if res.State != nil {
		t.Errorf("file reading keeps no cache, got %s", res.State)
	}
}

func TestFileLocationFailures(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"bad.yaml":   "apiVersion: x\n  bad: indentation\n",
		"list.yaml":  "- a\n- b\n",
		"mixed.yaml": componentYAML("ok") + "---\n- not an object\n",
		"big.yaml":   componentYAML("big") + "# " + strings.Repeat("x", 200) + "\n",
	})
	o := newOrchestrator(t, Options{MaxFileSize: 200})
	tests := []struct {
		name   string
		target string
		opt    bool
		want   []string
	}{
		{"missing required", filepath.Join(dir, "nope.yaml"), false, []string{"NotFoundError: file " + filepath.Join(dir, "nope.yaml") + " does not exist"}},
		{"missing optional", filepath.Join(dir, "nope.yaml"), true, nil},
		{"glob without match", filepath.Join(dir, "**/*.json"), false, []string{"NotFoundError: file " + filepath.Join(dir, "**/*.json") + " does not exist"}},
		{"syntax error", filepath.Join(dir, "bad.yaml"), false, []string{"Error: YAML error at file:" + filepath.Join(dir, "bad.yaml") + ", mapping values are not allowed in this context at line 2, column 6"}},
		{"root not an object", filepath.Join(dir, "list.yaml"), false, []string{"Error: Expected object at root, got object"}},
		{"one bad document", filepath.Join(dir, "mixed.yaml"), false, []string{"Error: Expected object at root, got object"}},
		{"too large", filepath.Join(dir, "big.yaml"), false, []string{"Error: file " + filepath.Join(dir, "big.yaml") + " could not be read, " + filepath.Join(dir, "big.yaml") + " is larger than the limit of 200 bytes"}},
		{"bad pattern", filepath.Join(dir, "[.yaml"), false, []string{"Error: file " + filepath.Join(dir, "[.yaml") + " could not be read, syntax error in pattern"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := locationEntity("file", filepath.Join(dir, "root.yaml"))
			spec := map[string]any{"target": tt.target}
			if tt.opt {
				spec["presence"] = "optional"
			}
			loc["spec"] = spec
			res := process(t, o, loc, nil)
			if diff := cmp.Diff(tt.want, errorTexts(res.Errors)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if res.OK != (tt.want == nil) {
				t.Errorf("OK = %v", res.OK)
			}
		})
	}
}

// TestFileLocationReadingManyFiles reads a glob of more files than are
// parsed at once, some unreadable or invalid, and expects the entities,
// errors and refresh keys in path order, as one file at a time gives them.
func TestFileLocationReadingManyFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	var wantRefs, wantKeys, wantErrs []string
	for i := range 40 {
		name := fmt.Sprintf("f%02d.yaml", i)
		path := filepath.Join(dir, name)
		switch i % 10 {
		case 3:
			files[name] = componentYAML(fmt.Sprintf("c%02d", i)) + "# " + strings.Repeat("x", 300) + "\n"
			wantErrs = append(wantErrs, "Error: file "+path+" could not be read, "+path+" is larger than the limit of 300 bytes")
			continue
		case 7:
			files[name] = "- not an object\n"
			wantErrs = append(wantErrs, "Error: Expected object at root, got object")
		default:
			a, b := fmt.Sprintf("c%02da", i), fmt.Sprintf("c%02db", i)
			files[name] = componentYAML(a, b)
			wantRefs = append(wantRefs, "Component:"+a+"@file:"+path, "Component:"+b+"@file:"+path)
		}
		wantKeys = append(wantKeys, "file:"+path)
	}
	writeFiles(t, dir, files)
	o := newOrchestrator(t, Options{MaxFileSize: 300})
	loc := locationEntity("file", filepath.Join(dir, "root.yaml"))
	loc["spec"] = map[string]any{"target": filepath.Join(dir, "*.yaml")}
	res := process(t, o, loc, nil)
	if diff := cmp.Diff(wantErrs, errorTexts(res.Errors)); diff != "" {
		t.Fatalf("errors (-want +got):\n%s", diff)
	}
	// Without the files that fail, the location is read and its entities
	// are emitted.
	loc["spec"] = map[string]any{"target": filepath.Join(dir, "f[0-9][0-24-68-9].yaml")}
	res = process(t, o, loc, nil)
	if !res.OK {
		t.Fatalf("readable files: %v", errorTexts(res.Errors))
	}
	if diff := cmp.Diff(wantRefs, deferredRefs(res)); diff != "" {
		t.Errorf("emitted (-want +got):\n%s", diff)
	}
	var keys []string
	for _, k := range wantKeys {
		if !strings.HasSuffix(k, "7.yaml") {
			keys = append(keys, k)
		}
	}
	if diff := cmp.Diff(keys, res.RefreshKeys); diff != "" {
		t.Errorf("refresh keys (-want +got):\n%s", diff)
	}
}

// childSummary is a child as a result's hash sees it, and whether it
// carries its JSON (false when replayed).
func childSummary(res catalog.ProcessResult) []string {
	var out []string
	for _, c := range res.Children {
		out = append(out, fmt.Sprintf("%s %s %s json=%v", c.Ref, c.Hash, c.LocationKey, c.JSON != ""))
	}
	return out
}

// processLocation returns a function that processes loc with the state
// given, encoding its children, and fails the test unless that succeeds.
func processLocation(t *testing.T, o *catalog.Orchestrator, loc map[string]any) func(state []byte, noReplay bool) catalog.ProcessResult {
	return func(state []byte, noReplay bool) catalog.ProcessResult {
		t.Helper()
		res := o.Process(context.Background(), catalog.ProcessRequest{Entity: loc, State: state, EncodeChildren: true, NoReplay: noReplay})
		if !res.OK {
			t.Fatalf("not OK: %v", errorTexts(res.Errors))
		}
		return res
	}
}

// replayedSummary is childSummary as a replay of res gives it: the same
// children, without their JSON.
func replayedSummary(res catalog.ProcessResult) []string {
	out := childSummary(res)
	for i, s := range out {
		out[i] = strings.Replace(s, "json=true", "json=false", 1)
	}
	return out
}

func TestFileLocationReplay(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"parts/a.yaml": componentYAML("a1", "a2"),
		"parts/b.yaml": componentYAML("b1"),
	})
	o := newOrchestrator(t, Options{})
	loc := locationEntity("file", filepath.Join(dir, "all.yaml"))
	loc["spec"] = map[string]any{"targets": []any{"./parts/*.yaml"}}
	run := processLocation(t, o, loc)
	first := run(nil, false)
	if first.Replayed || len(first.State) == 0 {
		t.Fatalf("first read: replayed %v, state %q", first.Replayed, first.State)
	}

	// Unchanged files are not parsed: their children come back as recorded,
	// without JSON, and the cache is byte for byte the same.
	second := run(first.State, false)
	if !second.Replayed {
		t.Error("unchanged files were parsed again")
	}
	if diff := cmp.Diff(replayedSummary(first), childSummary(second)); diff != "" {
		t.Errorf("replayed children (-want +got):\n%s", diff)
	}
	if string(second.State) != string(first.State) {
		t.Errorf("the cache changed:\n%s\n%s", first.State, second.State)
	}
	if diff := cmp.Diff(first.RefreshKeys, second.RefreshKeys); diff != "" {
		t.Errorf("refresh keys (-first +replayed):\n%s", diff)
	}
	// NoReplay parses everything, as the engine asks before storing.
	if diff := cmp.Diff(childSummary(first), childSummary(run(first.State, true))); diff != "" {
		t.Errorf("NoReplay (-first +got):\n%s", diff)
	}

	// A changed file is parsed; the unchanged one is still replayed.
	writeFiles(t, dir, map[string]string{"parts/b.yaml": componentYAML("b1", "b2")})
	third := run(second.State, false)
	b := filepath.Join(dir, "parts/b.yaml")
	var got []string
	for _, c := range third.Children {
		got = append(got, fmt.Sprintf("%s parsed=%v", c.Ref, c.JSON != ""))
	}
	want := []string{"component:default/a1 parsed=false", "component:default/a2 parsed=false",
		"component:default/b1 parsed=true", "component:default/b2 parsed=true"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after editing %s (-want +got):\n%s", b, diff)
	}
	if diff := cmp.Diff(childSummary(run(nil, false)), childSummary(run(third.State, true))); diff != "" {
		t.Errorf("NoReplay after the edit (-fresh +got):\n%s", diff)
	}
}

func TestFileLocationErrorsAreNotReplayed(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"parts/a.yaml":   componentYAML("a1"),
		"parts/bad.yaml": componentYAML("b1") + "---\n- not an object\n",
	})
	o := newOrchestrator(t, Options{})
	loc := locationEntity("file", filepath.Join(dir, "all.yaml"))
	loc["spec"] = map[string]any{"targets": []any{"./parts/*.yaml"}}
	var state []byte
	var first []string
	for i := range 3 {
		res := o.Process(context.Background(), catalog.ProcessRequest{Entity: loc, State: state, EncodeChildren: true})
		if res.OK || res.Replayed {
			t.Fatalf("run %d: OK %v, replayed %v", i, res.OK, res.Replayed)
		}
		got := errorTexts(res.Errors)
		if i == 0 {
			first = got
		} else if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("run %d errors (-first +got):\n%s", i, diff)
		}
		state = res.State
	}
	if len(first) == 0 {
		t.Fatal("no errors reported")
	}
}

func TestFileRecordChildren(t *testing.T) {
	children := []catalog.ReplayedChild{{Ref: "component:default/a", Hash: "h1"}, {Ref: "api:default/b", Hash: "h2"}}
	rec, ok := recordChildren(children)
	if !ok {
		t.Fatal("not recorded")
	}
	got, ok := replayChildren(rec)
	if !ok {
		t.Fatalf("%q does not replay", rec)
	}
	if diff := cmp.Diff(children, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if got, ok := replayChildren(""); !ok || got == nil || len(got) != 0 {
		t.Errorf("a file without entities replays as %v, %v", got, ok)
	}
	for _, bad := range [][]catalog.ReplayedChild{{{Ref: "component:default/a b", Hash: "h"}}, {{Ref: "component:default/a|b", Hash: "h"}}} {
		if rec, ok := recordChildren(bad); ok {
			t.Errorf("%v recorded as %q", bad, rec)
		}
	}
	for _, bad := range []string{"component:default/a h", "component:default/a|", " h|", "a |"} {
		if got, ok := replayChildren(bad); ok {
			t.Errorf("%q replays as %v", bad, got)
		}
	}
}
