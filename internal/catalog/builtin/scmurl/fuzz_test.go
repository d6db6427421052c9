package scmurl

import (
	"net/url"
	"testing"
)

func FuzzParseGit(f *testing.F) {
	for _, s := range []string{
		"https://github.com/org/repo/blob/main/x.yaml",
		"https://gitlab.com/g/s/p/-/tree/feature/x/dir",
		"https://bb.example.com/projects/P/repos/r/browse/x?at=refs/heads/main",
		"https://dev.azure.com/o/p/_git/r?path=/x&version=GBmain",
		"https://gitea.example.com/o/r/src/branch/main/x",
		"https://raw.githubusercontent.com/o/r/main/x",
		"%zz", "https://h/%2F/_git/x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		g, ok := ParseGit(raw)
		if !ok {
			return
		}
		if g.Host == "" || g.Owner == "" || g.Name == "" {
			t.Errorf("ParseGit(%q) = %+v: host, owner and name must be set", raw, g)
		}
		if !SameRepository(g, g) {
			t.Errorf("ParseGit(%q) is not its own repository", raw)
		}
	})
}

func FuzzResolve(f *testing.F) {
	for _, s := range [][2]string{
		{"./a.yaml", "https://github.com/org/repo/blob/main/x.yaml"},
		{"/a.yaml", "https://gitlab.com/g/p/-/blob/main/d/x.yaml"},
		{"../a.yaml", "https://dev.azure.com/o/p/_git/r?path=/d/x.yaml"},
		{"https://other.example.com/x", "https://example.com/y"},
		{"a", "https://bb.example.com/projects/P/repos/r/browse/x?at=main"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, target, base string) {
		got, err := Resolve(target, base)
		if err != nil {
			return
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme == "" {
			t.Errorf("Resolve(%q, %q) = %q, not an absolute URL", target, base, got)
		}
	})
}
