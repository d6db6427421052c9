package graph

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseParams(t *testing.T) {
	d := DefaultParams()
	with := func(f func(p *Params)) Params {
		p := DefaultParams()
		f(&p)
		return p
	}
	for _, c := range []struct {
		query string
		want  Params
	}{
		{"", d},
		{
			// Backstage's names.
			"rootEntityRefs[]=component:default/a&rootEntityRefs[]=API:Team/B&selectedRelations[]=dependsOn&selectedKinds[]=Component&maxDepth=3&direction=tb&unidirectional=false&mergeRelations=false",
			with(func(p *Params) {
				p.Roots = []string{"component:default/a", "api:team/b"}
				p.Relations = []string{"dependsOn"}
				p.Kinds = []string{"component"}
				p.MaxDepth = 3
				p.Direction = "TB"
				p.Unidirectional = false
				p.MergeRelations = false
			}),
		},
		{
			// Short names, comma lists, a default kind, duplicates.
			"rootEntityRefs=a,group:default/x,a&relations[]=ownedBy&relations[]=ownedBy&kinds[]=api",
			with(func(p *Params) {
				p.Roots = []string{"component:default/a", "group:default/x"}
				p.Relations = []string{"ownedBy"}
				p.Kinds = []string{"api"}
			}),
		},
		{"maxDepth=∞", with(func(p *Params) { p.MaxDepth = Unlimited })},
		{"maxDepth=Infinity", with(func(p *Params) { p.MaxDepth = Unlimited })},
		{"maxDepth=99", with(func(p *Params) { p.MaxDepth = Unlimited })},
		{"maxDepth=0", with(func(p *Params) { p.MaxDepth = 1 })},
		{"maxDepth=deep&direction=sideways&unidirectional=maybe", d},
		// A checkbox after its hidden "false": the last value wins.
		{"mergeRelations=false&mergeRelations=true&unidirectional=false", with(func(p *Params) { p.Unidirectional = false })},
		{"view=blast-radius", with(func(p *Params) { p.BlastRadius, p.MaxDepth = true, Unlimited })},
		{"view=blast-radius&maxDepth=2", with(func(p *Params) { p.BlastRadius, p.MaxDepth = true, 2 })},
		{"rootEntityRefs[]=:bad&rootEntityRefs[]=", d},
	} {
		q, err := url.ParseQuery(c.query)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, ParseParams(q)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.query, diff)
		}
	}
}

func TestParamsValuesRoundTrip(t *testing.T) {
	p := Params{
		Roots:     []string{"component:default/a"},
		Relations: []string{"dependsOn", "ownedBy"},
		Kinds:     []string{"api"},
		MaxDepth:  Unlimited, Direction: "BT",
		Unidirectional: false, MergeRelations: false, BlastRadius: true,
	}
	if diff := cmp.Diff(p, ParseParams(p.Values(true))); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if got := DefaultParams().Values(false).Encode(); got != "" {
		t.Errorf("defaults encode as %q, want nothing", got)
	}
	if v := p.Values(false); v.Has(paramRoots) {
		t.Errorf("roots written for the tab: %v", v)
	}
}

func FuzzParseParams(f *testing.F) {
	f.Add("rootEntityRefs[]=component:default/a&maxDepth=3&selectedRelations[]=dependsOn&view=blast-radius")
	f.Add("rootEntityRefs=a,b,,c&maxDepth=%E2%88%9E&direction=RL&mergeRelations=0")
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		p := ParseParams(q)
		if p.MaxDepth != Unlimited && (p.MaxDepth < 1 || p.MaxDepth > MaxDepthChoice) {
			t.Fatalf("depth %d", p.MaxDepth)
		}
		if len(p.Roots) > maxListParams || len(p.Relations) > maxListParams || len(p.Kinds) > maxListParams {
			t.Fatalf("lists not bounded: %d %d %d", len(p.Roots), len(p.Relations), len(p.Kinds))
		}
		// What Values writes reads back the same.
		if diff := cmp.Diff(p, ParseParams(p.Values(true))); diff != "" {
			t.Fatalf("round trip of %q (-want +got):\n%s", query, diff)
		}
	})
}
