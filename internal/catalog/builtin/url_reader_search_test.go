package builtin

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/problem"
)

// fakeSearcher answers searches from a fixed list, keyed by the search
// URL, and records the etags it was sent.
type fakeSearcher struct {
	results map[string][]SearchFile
	etag    string
	err     error
	sent    []string // "url etag" of every search
}

func (f *fakeSearcher) Read(context.Context, string, string) ([]byte, string, bool, error) {
	return nil, "", false, errors.New("not a file")
}

func (f *fakeSearcher) Search(_ context.Context, u, etag string) ([]SearchFile, string, bool, error) {
	f.sent = append(f.sent, u+" "+etag)
	if f.err != nil {
		return nil, "", false, f.err
	}
	if etag != "" && etag == f.etag {
		return nil, etag, true, nil
	}
	files, ok := f.results[u]
	if !ok {
		return nil, "", false, ErrSearchNotSupported
	}
	return files, f.etag, false, nil
}

func componentFile(name string) []byte {
	return []byte(strings.ReplaceAll(twoComponents[:strings.Index(twoComponents, "---")], "name: a", "name: "+name))
}

// Each file a search finds is parsed with its own URL as its location; an
// unchanged search replays them from the cache.
func TestURLLocationSearch(t *testing.T) {
	const glob = "https://forge.example.com/o/r/blob/main/services/*/catalog-info.yaml"
	s1 := "https://forge.example.com/o/r/blob/main/services/s1/catalog-info.yaml"
	s2 := "https://forge.example.com/o/r/blob/main/services/s2/catalog-info.yaml"
	searcher := &fakeSearcher{etag: "commit1", results: map[string][]SearchFile{
		glob: {{URL: s1, Body: componentFile("s1")}, {URL: s2, Body: componentFile("s2")}},
	}}
	o := newOrchestrator(t, Options{URLReader: searcher})

	res := process(t, o, locationEntity("url", glob), nil)
	if !res.OK {
		t.Fatalf("search: %v", errorTexts(res.Errors))
	}
	want := []string{"Component:s1@url:" + s1, "Component:s2@url:" + s2}
	if diff := cmp.Diff(want, deferredRefs(res)); diff != "" {
		t.Errorf("emitted (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"url:" + glob}, res.RefreshKeys); diff != "" {
		t.Errorf("refresh keys (-want +got):\n%s", diff)
	}

	again := process(t, o, locationEntity("url", glob), res.State)
	if diff := cmp.Diff(res.Deferred, again.Deferred); diff != "" {
		t.Errorf("replay (-first +replay):\n%s", diff)
	}
	if diff := cmp.Diff([]string{glob + " ", glob + " commit1"}, searcher.sent); diff != "" {
		t.Errorf("searches (-want +got):\n%s", diff)
	}
}

func TestURLLocationSearchFailures(t *testing.T) {
	const glob = "https://forge.example.com/o/r/blob/main/*.yaml"
	tests := []struct {
		name     string
		searcher *fakeSearcher
		target   string
		optional bool
		wantOK   bool
		want     []string
	}{
		{"not found", &fakeSearcher{err: problem.NotFound("no branch main")}, glob, false, false,
			[]string{"NotFoundError: Unable to read url, NotFoundError: no branch main"}},
		{"not found, optional", &fakeSearcher{err: problem.NotFound("no branch main")}, glob, true, true, nil},
		{"rate limited", &fakeSearcher{err: problem.New(problem.ServiceUnavailableError, "budget exhausted")}, glob, false, false,
			[]string{"Error: Unable to read url, ServiceUnavailableError: budget exhausted"}},
		{"no matches", &fakeSearcher{results: map[string][]SearchFile{glob: nil}}, glob, false, true, nil},
		{"host without search", &fakeSearcher{}, "https://plain.example.com/*.yaml", false, false,
			[]string{"InputError: Unable to read url https://plain.example.com/*.yaml: glob patterns in url targets are not supported; list each file as its own target"}},
		{"a file that does not parse", &fakeSearcher{etag: "e", results: map[string][]SearchFile{glob: {{URL: "https://forge.example.com/o/r/blob/main/bad.yaml", Body: []byte("a: [")}}}}, glob, false, false,
			[]string{"Error: YAML error at url:https://forge.example.com/o/r/blob/main/bad.yaml, did not find expected node content (while parsing a flow node) at line 2, column 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOrchestrator(t, Options{URLReader: tt.searcher})
			loc := locationEntity("url", "https://forge.example.com/root.yaml")
			spec := map[string]any{"target": tt.target}
			if tt.optional {
				spec["presence"] = "optional"
			}
			loc["spec"] = spec
			res := process(t, o, loc, nil)
			if res.OK != tt.wantOK {
				t.Errorf("OK = %v, want %v", res.OK, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, errorTexts(res.Errors)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if tt.name == "a file that does not parse" && strings.Contains(string(res.State), "\"etag\"") {
				t.Errorf("a search with a parse error was cached: %s", res.State)
			}
		})
	}
}

func TestIsSearch(t *testing.T) {
	tests := map[string]bool{
		"https://github.com/o/r/blob/main/*.yaml":                                 true,
		"https://github.com/o/r/blob/main/a?.yaml":                                false, // "?" starts the query
		"https://github.com/o/r/blob/main/a%3F.yaml":                              true,
		"https://github.com/o/r/blob/main/catalog-info.yaml":                      false,
		"https://dev.azure.com/o/p/_git/r?path=/services/*/catalog-info.yaml":     true,
		"https://dev.azure.com/o/p/_git/r?path=/catalog-info.yaml":                false,
		"https://example.com/x.yaml?path=*":                                       false,
		"https://bb.example.com/projects/P/repos/r/browse/**/catalog-info.yaml":   true,
		"https://gitlab.com/g/p/-/blob/main/catalog-info.yaml?ref_type=heads&x=*": false,
	}
	for u, want := range tests {
		if got := isSearch(u); got != want {
			t.Errorf("isSearch(%q) = %v, want %v", u, got, want)
		}
	}
}

// An unchanged search replays each file's children under the file's own
// location.
func TestURLLocationSearchReplay(t *testing.T) {
	const glob = "https://forge.example.com/o/r/blob/main/services/*/catalog-info.yaml"
	s1 := "https://forge.example.com/o/r/blob/main/services/s1/catalog-info.yaml"
	s2 := "https://forge.example.com/o/r/blob/main/services/s2/catalog-info.yaml"
	searcher := &fakeSearcher{etag: "commit1", results: map[string][]SearchFile{
		glob: {{URL: s1, Body: componentFile("s1")}, {URL: s2, Body: append(componentFile("s2"), "---\n"+string(componentFile("s3"))...)}},
	}}
	o := newOrchestrator(t, Options{URLReader: searcher})
	run := processLocation(t, o, locationEntity("url", glob))
	first := run(nil, false)
	again := run(first.State, false)
	if !again.Replayed {
		t.Fatal("the unchanged search was not replayed")
	}
	var want, got []string
	for _, c := range first.Children {
		want = append(want, c.Ref+" "+c.Hash+" "+c.LocationKey)
	}
	for _, c := range again.Children {
		got = append(got, c.Ref+" "+c.Hash+" "+c.LocationKey)
	}
	if len(want) != 3 {
		t.Fatalf("first read emitted %q", want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("replayed (-first +replay):\n%s", diff)
	}
}
