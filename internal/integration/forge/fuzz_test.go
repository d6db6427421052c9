package forge_test

import (
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/integration/forge"
)

func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"services/*/catalog-info.yaml", "services/a/catalog-info.yaml"},
		{"**/x.yaml", "a/b/x.yaml"},
		{"{a,b}/[xy]?.yaml", "a/x1.yaml"},
		{"a/[", "a/b"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		g, err := forge.ParseGlob(pattern)
		if err != nil {
			return
		}
		if g.Match(path) {
			// A directory holding a match must be one the search lists.
			if i := strings.LastIndex(path, "/"); i > 0 && !g.CouldContain(path[:i]) && !strings.ContainsAny(pattern, "{}\\") {
				t.Errorf("%q matches %q but CouldContain(%q) is false", pattern, path, path[:i])
			}
		}
		for _, s := range forge.Splits(strings.Split(path, "/"), true) {
			if s.Ref == "" || strings.ContainsAny(s.Ref, "*?[{") {
				t.Errorf("Splits(%q) gave ref %q", path, s.Ref)
			}
		}
	})
}
