package forge_test

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/integration/forge"
	"github.com/callboard/callboard/internal/problem"
)

func TestParseURL(t *testing.T) {
	u, err := forge.ParseURL("https://git.example.com/o/r")
	if err != nil || u.Host != "git.example.com" || u.Path != "/o/r" {
		t.Errorf("ParseURL = %v, %v", u, err)
	}
	for _, raw := range []string{"/o/r", "git.example.com/o/r", "https://h/%zz", ""} {
		_, err := forge.ParseURL(raw)
		want := "InputError: Invalid URL \"" + raw + "\""
		if err == nil || err.Error() != want || !problem.Is(err, problem.InputError) {
			t.Errorf("ParseURL(%q) = %v, want %s", raw, err, want)
		}
	}
}

func TestBelow(t *testing.T) {
	tests := []struct {
		base, u string
		want    []string
		ok      bool
	}{
		{"https://git.example.com", "https://git.example.com/o/r/src/x%20y", []string{"o", "r", "src", "x y"}, true},
		{"https://git.example.com", "https://GIT.example.com/o", []string{"o"}, true},
		{"https://git.example.com", "https://git.example.com", []string{""}, true},
		{"https://git.example.com", "https://other.example.com/o", nil, false},
		{"https://example.com/gitea", "https://example.com/gitea/o/r", []string{"o", "r"}, true},
		{"https://example.com/gitea", "https://example.com/gitea", []string{}, true},
		{"https://example.com/gitea", "https://example.com/Gitea/o/r", nil, false},
		{"https://example.com/gitea", "https://example.com/o/r", nil, false},
		{"https://example.com/a/b", "https://example.com/a", nil, false},
	}
	for _, tt := range tests {
		base, _ := url.Parse(tt.base)
		u, _ := url.Parse(tt.u)
		got, ok := forge.Below(u, base)
		if ok != tt.ok || !cmp.Equal(tt.want, got) {
			t.Errorf("Below(%s, %s) = %q, %v; want %q, %v", tt.u, tt.base, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSegmentsAndEscape(t *testing.T) {
	u, _ := url.Parse("https://h/o/r/blob/a%2Fb/dir/x%20y.yaml")
	if diff := cmp.Diff([]string{"o", "r", "blob", "a/b", "dir", "x y.yaml"}, forge.Segments(u)); diff != "" {
		t.Errorf("Segments (-want +got):\n%s", diff)
	}
	if got := forge.EscapePath("dir/x y#1.yaml"); got != "dir/x%20y%231.yaml" {
		t.Errorf("EscapePath = %q", got)
	}
}
