package builtin

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

// edges records emitted relations as "source type target".
type edges struct{ got []string }

func (e *edges) Entity(plugin.RawEntity)      {}
func (e *edges) Error(error, plugin.Location) {}
func (e *edges) RefreshKey(string)            {}
func (e *edges) Relation(r plugin.RelationEdge) {
	e.got = append(e.got, r.Source.String()+" "+r.Type+" "+r.Target.String())
}

func TestKindRelations(t *testing.T) {
	tests := []struct {
		kind, ns string
		spec     map[string]any
		want     []string
	}{
		{"Component", "dev", map[string]any{
			"owner": "team-a", "subcomponentOf": "parent", "providesApis": []any{"p1"}, "consumesApis": []any{"other/c1"},
			"dependsOn": []any{"resource:db"}, "dependencyOf": []any{"component:up"}, "system": "sys",
		}, []string{
			"component:dev/x ownedBy group:dev/team-a", "group:dev/team-a ownerOf component:dev/x",
			"component:dev/x partOf component:dev/parent", "component:dev/parent hasPart component:dev/x",
			"component:dev/x providesApi api:dev/p1", "api:dev/p1 apiProvidedBy component:dev/x",
			"component:dev/x consumesApi api:other/c1", "api:other/c1 apiConsumedBy component:dev/x",
			"component:dev/x dependsOn resource:dev/db", "resource:dev/db dependencyOf component:dev/x",
			"component:dev/x dependencyOf component:dev/up", "component:dev/up dependsOn component:dev/x",
			"component:dev/x partOf system:dev/sys", "system:dev/sys hasPart component:dev/x",
		}},
		{"API", "", map[string]any{"owner": "user:jane", "system": "sys"}, []string{
			"api:default/x ownedBy user:default/jane", "user:default/jane ownerOf api:default/x",
			"api:default/x partOf system:default/sys", "system:default/sys hasPart api:default/x",
		}},
		{"Resource", "", map[string]any{"owner": "g", "dependsOn": []any{"resource:r2"}, "dependencyOf": []any{"component:c"}, "system": "s"}, []string{
			"resource:default/x ownedBy group:default/g", "group:default/g ownerOf resource:default/x",
			"resource:default/x dependsOn resource:default/r2", "resource:default/r2 dependencyOf resource:default/x",
			"resource:default/x dependencyOf component:default/c", "component:default/c dependsOn resource:default/x",
			"resource:default/x partOf system:default/s", "system:default/s hasPart resource:default/x",
		}},
		{"System", "", map[string]any{"owner": "g", "domain": "d"}, []string{
			"system:default/x ownedBy group:default/g", "group:default/g ownerOf system:default/x",
			"system:default/x partOf domain:default/d", "domain:default/d hasPart system:default/x",
		}},
		{"Domain", "", map[string]any{"owner": "g", "subdomainOf": "top"}, []string{
			"domain:default/x ownedBy group:default/g", "group:default/g ownerOf domain:default/x",
			"domain:default/x partOf domain:default/top", "domain:default/top hasPart domain:default/x",
		}},
		{"User", "", map[string]any{"memberOf": []any{"g1", "ns/g2"}}, []string{
			"user:default/x memberOf group:default/g1", "group:default/g1 hasMember user:default/x",
			"user:default/x memberOf group:ns/g2", "group:ns/g2 hasMember user:default/x",
		}},
		{"Group", "", map[string]any{"parent": "p", "children": []any{"c"}, "members": []any{"u"}}, []string{
			"group:default/x childOf group:default/p", "group:default/p parentOf group:default/x",
			"group:default/x parentOf group:default/c", "group:default/c childOf group:default/x",
			"group:default/x hasMember user:default/u", "user:default/u memberOf group:default/x",
		}},
		{"Template", "", map[string]any{"owner": "g"}, []string{
			"template:default/x ownedBy group:default/g", "group:default/g ownerOf template:default/x",
		}},
		{"Location", "", map[string]any{"target": "x"}, nil},
		{"Widget", "", map[string]any{"owner": "g"}, nil},
	}
	for _, tt := range tests {
		e := &entity.Entity{Kind: tt.kind, Metadata: entity.Metadata{Name: "x", Namespace: tt.ns}, Spec: tt.spec}
		var got edges
		if err := (&KindsProcessor{}).PostProcessEntity(context.Background(), e, plugin.Location{}, &got, nil); err != nil {
			t.Errorf("%s: %v", tt.kind, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got.got); diff != "" {
			t.Errorf("%s relations (-want +got):\n%s", tt.kind, diff)
		}
	}
}

func TestKindRelationBadRef(t *testing.T) {
	e := &entity.Entity{Kind: "Component", Metadata: entity.Metadata{Name: "x"}, Spec: map[string]any{"dependsOn": []any{"db"}}}
	err := (&KindsProcessor{}).PostProcessEntity(context.Background(), e, plugin.Location{}, &edges{}, nil)
	want := `Entity reference "db" had missing or empty kind (e.g. did not start with "component:" or similar)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

func TestKindsSortLists(t *testing.T) {
	in := map[string]any{"kind": "Component", "spec": map[string]any{
		"providesApis": []any{"b", "a", "c"},
		"consumesApis": []any{"a", "b"},
		"dependsOn":    []any{"z", 1},
		"owner":        "t",
	}}
	out, err := (&KindsProcessor{}).PreProcessEntity(context.Background(), in, plugin.Location{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"kind": "Component", "spec": map[string]any{
		"providesApis": []any{"a", "b", "c"},
		"consumesApis": []any{"a", "b"},
		"dependsOn":    []any{"z", 1},
		"owner":        "t",
	}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("sorted (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"b", "a", "c"}, in["spec"].(map[string]any)["providesApis"]); diff != "" {
		t.Errorf("the input changed (-want +got):\n%s", diff)
	}
	foreign := map[string]any{"kind": "Widget", "spec": map[string]any{"members": []any{"b", "a"}}}
	if out, _ := (&KindsProcessor{}).PreProcessEntity(context.Background(), foreign, plugin.Location{}, nil, nil); !cmp.Equal(out, foreign) {
		t.Errorf("a foreign kind was changed: %v", out)
	}
}
