package graph

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

// unsafe must never be in a view inlined in a page.
var unsafe = regexp.MustCompile(`(?i)<script|\son[a-z]+=|\sstyle=|javascript:`)

func tabView(c *fakeCatalog, ref, query string) *plugin.EntityView {
	r := entity.MustParseRef(ref)
	q, err := url.ParseQuery(query)
	if err != nil {
		panic(err)
	}
	return &plugin.EntityView{
		Entity:  c.entities[r.String()],
		Ref:     r,
		Path:    testLink(r.String()),
		Query:   q,
		Catalog: c,
		Link:    testLink,
	}
}

// The golden tests draw in this process and in a worker process: both
// must draw the same.
func TestTabGolden(t *testing.T) {
	for mode, r := range renderers(t) {
		t.Run(mode, func(t *testing.T) { testTabGolden(t, New(r, nil)) })
	}
}

func testTabGolden(t *testing.T, s *Service) {
	tab := s.Tab()
	if tab.ID() != "graph" || tab.Title() != "Graph" || !tab.AppliesTo(&entity.Entity{Kind: "User"}) {
		t.Errorf("tab %q %q", tab.ID(), tab.Title())
	}
	for _, c := range []struct {
		name, ref, query string
		want             []string
	}{
		{
			name: "tab-relations", ref: "component:default/booking-service", query: "",
			want: []string{`<h2 id="graph-heading">Dependency graph</h2>`, `href="/catalog/default/api/booking-api"`, `aria-current="page">Neighbourhood`, `/catalog-graph?rootEntityRefs%5B%5D=component%3Adefault%2Fbooking-service`},
		},
		{
			name: "tab-blast-radius", ref: "api:default/payments-api", query: "view=blast-radius&maxDepth=∞",
			want: []string{`<h2 id="graph-heading">Blast radius</h2>`, `Affected entities (8)`, `<input type="hidden" name="view" value="blast-radius">`},
		},
		{
			name: "tab-nothing", ref: "domain:default/travel", query: "selectedRelations[]=dependsOn",
			want: []string{"No related entities match the chosen relations and kinds."},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			html, err := tab.Render(context.Background(), tabView(harbour(t), c.ref, c.query))
			if err != nil {
				t.Fatal(err)
			}
			got := string(html)
			if m := unsafe.FindString(got); m != "" {
				t.Errorf("view contains %q", m)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q", w)
				}
			}
			golden(t, c.name+".html", got)
		})
	}
}

func TestPageGolden(t *testing.T) {
	for mode, r := range renderers(t) {
		t.Run(mode, func(t *testing.T) { testPageGolden(t, New(r, nil)) })
	}
}

func testPageGolden(t *testing.T, s *Service) {
	for _, c := range []struct {
		name, query, title string
		want               []string
	}{
		{"page-empty", "", "Catalog graph", []string{`<h1 id="graph-heading">Catalog graph</h1>`, `name="rootEntityRefs[]" value=""`}},
		{
			"page-two-roots", "rootEntityRefs[]=component:default/traveller-web&rootEntityRefs[]=component:default/payments-gateway&selectedKinds[]=api&selectedKinds[]=component&maxDepth=2&direction=TB", "Catalog graph",
			[]string{`value="component:default/traveller-web, component:default/payments-gateway"`, `rankdir`, `<option value="TB" selected>`},
		},
		{"page-blast-radius", "rootEntityRefs[]=resource:default/bookings-db&view=blast-radius", "Blast radius", []string{`Affected entities (8)`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, err := url.ParseQuery(c.query)
			if err != nil {
				t.Fatal(err)
			}
			title, html, err := s.Page(context.Background(), q, harbour(t), testLink)
			if err != nil {
				t.Fatal(err)
			}
			if title != c.title {
				t.Errorf("title %q, want %q", title, c.title)
			}
			got := string(html)
			if m := unsafe.FindString(got); m != "" {
				t.Errorf("page contains %q", m)
			}
			for _, w := range c.want {
				if w == "rankdir" {
					continue // the layout direction is in the drawing, not the HTML
				}
				if !strings.Contains(got, w) {
					t.Errorf("missing %q", w)
				}
			}
			golden(t, c.name+".html", got)
		})
	}
}

// failingReader fails every read.
type failingReader struct{}

func (failingReader) EntitiesByRefs(context.Context, []string) ([]*entity.Entity, error) {
	return nil, context.DeadlineExceeded
}

func TestTabReadError(t *testing.T) {
	v := tabView(harbour(t), "component:default/booking-service", "")
	v.Catalog = failingReader{}
	if _, err := New(NewRenderer(0), nil).Tab().Render(context.Background(), v); err == nil {
		t.Fatal("no error when the catalog fails")
	}
}
