package github

import (
	"testing"

	"github.com/callboard/callboard/internal/integration/forge"
)

func FuzzParseURL(f *testing.F) {
	r, err := New(Config{Host: "ghe.example.com", RawBaseURL: "https://ghe.example.com/raw"}, forge.NewClient(nil, nil, 1))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"https://ghe.example.com/o/r/blob/main/x.yaml",
		"https://ghe.example.com/raw/o/r/main/x.yaml",
		"https://ghe.example.com/o/r/tree/a/b/c",
		"https://ghe.example.com/%zz/r/blob/x/y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := r.parseURL(raw)
		if err != nil {
			return
		}
		if u.Owner == "" || u.Repo == "" {
			t.Errorf("parseURL(%q) = %+v without owner or repository", raw, u)
		}
		for _, s := range forge.Splits(u.Rest, false) {
			if s.Ref == "" || s.Path == "" {
				t.Errorf("parseURL(%q): split %+v", raw, s)
			}
		}
	})
}
