package apidoc

import (
	"context"
	"html/template"
	"strings"
	"testing"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

func apiEntity(typ, def string) *entity.Entity {
	spec := map[string]any{"type": typ, "lifecycle": "production", "owner": "team-a"}
	if def != "" {
		spec["definition"] = def
	}
	return &entity.Entity{APIVersion: "backstage.io/v1alpha1", Kind: "API", Metadata: entity.Metadata{Name: "x"}, Spec: spec}
}

func TestTabAppliesToAPIs(t *testing.T) {
	tab := NewTab()
	if tab.ID() != "definition" || tab.Title() != "Definition" {
		t.Errorf("ID, Title = %q, %q", tab.ID(), tab.Title())
	}
	if !tab.AppliesTo(apiEntity("openapi", "")) || tab.AppliesTo(&entity.Entity{Kind: "Component"}) {
		t.Error("AppliesTo: want API entities only")
	}
}

func TestTabGolden(t *testing.T) {
	for _, c := range []struct {
		name, typ, def string
	}{
		{"tab-graphql", "graphql", "\"The root.\"\ntype Query {\n  ping: String\n}\n"},
		{"tab-error", "openapi", "openapi: 3.0.0\ninfo:\n  title: x\n paths: [\n"},
		{"tab-unsupported", "trpc", "router({ ping: query() })\n"},
		{"tab-missing", "openapi", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := NewTab().Render(context.Background(), &plugin.EntityView{Entity: apiEntity(c.typ, c.def)})
			if err != nil {
				t.Fatal(err)
			}
			if m := unsafeHTML.FindString(string(got)); m != "" {
				t.Errorf("tab contains %q", m)
			}
			golden(t, c.name+".html", string(got))
		})
	}
}

func TestTabCachesRenderings(t *testing.T) {
	tab := NewTab()
	v := &plugin.EntityView{Entity: apiEntity("grpc", readTestdata(t, "service.proto"))}
	first, err := tab.Render(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.cache.entries) != 1 {
		t.Fatalf("%d cached renderings, want 1", len(tab.cache.entries))
	}
	second, err := tab.Render(context.Background(), v)
	if err != nil || second != first {
		t.Fatalf("second rendering differs (err %v)", err)
	}
	// An entry larger than the cache is not kept; old entries make room.
	c := newHTMLCache(10)
	c.put([32]byte{1}, rendering{html: "123456"})
	c.put([32]byte{2}, rendering{html: "123456"})
	c.put([32]byte{3}, rendering{html: template.HTML(strings.Repeat("x", 11))})
	if _, ok := c.get([32]byte{1}); ok {
		t.Error("the oldest entry was not dropped")
	}
	if _, ok := c.get([32]byte{2}); !ok {
		t.Error("the newest entry was dropped")
	}
	if _, ok := c.get([32]byte{3}); ok {
		t.Error("an oversized entry was kept")
	}
}
