package techdocs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSearch(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "material-site", "search", "search_index.json"))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := ParseSearchIndex(b)
	if err != nil {
		t.Fatal(err)
	}
	locations := func(q string) []string {
		out := []string{}
		for _, h := range ix.Search(q, 10) {
			out = append(out, h.Location)
		}
		return out
	}
	tests := []struct {
		q    string
		want []string
	}{
		{"berth", []string{"", "getting-started/#requirements", "guides/setup/"}},
		{"INSTALL", []string{"guides/setup/#install", "#what-it-does", "guides/setup/"}},
		{"tide gauge", []string{"getting-started/#requirements", "guides/setup/"}},
		{"nothing-like-this", []string{}},
		{"   ", []string{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, locations(tt.q)); diff != "" {
			t.Errorf("Search(%q) (-want +got):\n%s", tt.q, diff)
		}
	}
	hits := ix.Search("water", 10)
	if len(hits) != 1 || hits[0].Snippet != "Harbour Tides predicts the water level at every berth." {
		t.Errorf("HTML not stripped from the snippet: %+v", hits)
	}
	if got := ix.Search("berth", 1); len(got) != 1 {
		t.Errorf("limit not applied: %d hits", len(got))
	}
	if _, err := ParseSearchIndex([]byte("{")); err == nil {
		t.Error("a broken index parsed")
	}
}

func TestSnippetLong(t *testing.T) {
	text := ""
	for range 50 {
		text += "lorem ipsum dolor "
	}
	text += "needle " + text
	s := snippet(text, text, []string{"needle"})
	if len([]rune(s)) > 170 || s[:3] != "…" || s[len(s)-3:] != "…" {
		t.Errorf("snippet = %q", s)
	}
}
