package repourl

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"github.com?owner=o&repo=r",
		"gitlab.com?project=42",
		"bitbucket.org?workspace=w&project=P&repo=r",
		"dev.azure.com?organization=o&project=p&repo=r",
		"gitea.example?repo=a+b%2F",
		"GitHub.com:443?owner=%zz&repo=r",
		"user@github.com/x?owner=o&repo=r#f",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s, testHosts.KindOf)
		if err != nil {
			return
		}
		if r.Host == "" {
			t.Fatalf("Parse(%q) = %+v without a host", s, r)
		}
		if _, ok := testHosts.KindOf(r.Host); !ok {
			t.Fatalf("Parse(%q) = %+v: host is not configured", s, r)
		}
		again, err := Parse(r.String(), testHosts.KindOf)
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, r.String(), err)
		}
		if d := cmp.Diff(r, again); d != "" {
			t.Fatalf("Parse(%q) does not round-trip through %q (-first +second):\n%s", s, r.String(), d)
		}
	})
}
