package actions

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzChildPath checks that a path childPath accepts always stays inside
// its root, whatever the input.
func FuzzChildPath(f *testing.F) {
	for _, s := range []string{"a/b", "../x", "/ws/in", "/etc", "a/../../b", ".", "", "./a//b/", "a/./../..", "\x00"} {
		f.Add(s)
	}
	const root = "/ws"
	f.Fuzz(func(t *testing.T, p string) {
		rel, err := childPath(root, p, "x")
		if err != nil {
			return
		}
		if strings.Contains(rel, "\\") && filepath.Separator == '\\' {
			t.Fatalf("%q gave a path with backslashes: %q", p, rel)
		}
		abs := filepath.Join(root, filepath.FromSlash(rel))
		back, err := filepath.Rel(root, abs)
		if err != nil || !(back == "." || filepath.IsLocal(back)) {
			t.Fatalf("childPath(%q) = %q, which leaves %s", p, rel, root)
		}
	})
}
