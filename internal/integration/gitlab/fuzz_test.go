package gitlab

import (
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/integration/forge"
)

func FuzzParseURL(f *testing.F) {
	r, err := New(Config{Host: "example.com", BaseURL: "https://example.com/gitlab"}, forge.NewClient(nil, nil, 1))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"https://example.com/gitlab/g/s/p/-/blob/main/x.yaml",
		"https://example.com/gitlab/g/p/blob/main/x.yaml",
		"https://example.com/gitlab/g/-/-/blob/x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := r.parseURL(raw)
		if err != nil {
			return
		}
		if u.Project == "" || strings.HasPrefix(u.Project, "/") || strings.Contains(u.Project, "//") {
			t.Errorf("parseURL(%q) = %+v", raw, u)
		}
	})
}
