package azure

import (
	"testing"

	"github.com/callboard/callboard/internal/integration/forge"
)

func FuzzParseURL(f *testing.F) {
	r, err := New(Config{}, forge.NewClient(nil, nil, 1))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"https://dev.azure.com/o/p/_git/r?path=/x.yaml&version=GBmain",
		"https://dev.azure.com/o/_git/r",
		"https://dev.azure.com/c/o/p/_git/r?path=x&version=GCabc",
		"https://dev.azure.com/o/p/_git/r?version=XX",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := r.parseURL(raw)
		if err != nil {
			return
		}
		if u.Owner == "" || u.Project == "" || u.Repo == "" || (u.Version == "") != (u.VersionType == "") {
			t.Errorf("parseURL(%q) = %+v", raw, u)
		}
		if u.Path != "" && u.Path[0] != '/' {
			t.Errorf("parseURL(%q): path %q without a leading slash", raw, u.Path)
		}
	})
}
