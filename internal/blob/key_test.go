package blob

import (
	"path"
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	for _, k := range []string{"a", "a/b.html", "default/component/x/index.html", ".nojekyll", "a/..b/c", "Ünïcode name/x"} {
		if err := ValidKey(k); err != nil {
			t.Errorf("ValidKey(%q) = %v", k, err)
		}
	}
	for _, k := range []string{"", "/a", "a/", "a//b", "../a", "a/./b", "a/..", `a\b`, "a\x00b", "\xff", strings.Repeat("x", 1025)} {
		if err := ValidKey(k); err == nil {
			t.Errorf("ValidKey(%q) accepted", k)
		}
	}
	for _, p := range []string{"", "a", "a/", "a/b"} {
		if err := ValidPrefix(p); err != nil {
			t.Errorf("ValidPrefix(%q) = %v", p, err)
		}
	}
}

// FuzzValidKey: a key ValidKey accepts names a file strictly inside any
// folder it is joined to.
func FuzzValidKey(f *testing.F) {
	for _, s := range []string{"a/b", "../x", "a/../../b", "./a", "a//b", "é/ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if ValidKey(key) != nil {
			return
		}
		joined := path.Join("/root", key)
		if !strings.HasPrefix(joined, "/root/") || joined != "/root/"+key {
			t.Fatalf("ValidKey accepted %q, which joins to %q", key, joined)
		}
	})
}
