package entity

import (
	"encoding/json"
	"testing"
)

// typicalComponent is a catalog-info.yaml as teams write them.
func typicalComponent() map[string]any {
	return map[string]any{
		"apiVersion": "backstage.io/v1alpha1",
		"kind":       "Component",
		"metadata": map[string]any{
			"name":        "artist-lookup",
			"description": "Artist Lookup",
			"tags":        []any{"java", "data"},
			"links": []any{
				map[string]any{"url": "https://example.com/user", "title": "Examples Users", "icon": "user"},
				map[string]any{"url": "https://example.com/group", "title": "Example Group", "icon": "group"},
			},
			"annotations": map[string]any{
				"backstage.io/managed-by-location":        "url:https://github.com/acme/artist-lookup/blob/main/catalog-info.yaml",
				"backstage.io/managed-by-origin-location": "url:https://github.com/acme/catalog/blob/main/all.yaml",
				"backstage.io/techdocs-ref":               "dir:.",
				"github.com/project-slug":                 "acme/artist-lookup",
			},
		},
		"spec": map[string]any{
			"type":         "service",
			"lifecycle":    "experimental",
			"owner":        "team-a",
			"system":       "artist-engagement-portal",
			"dependsOn":    []any{"resource:artists-db"},
			"providesApis": []any{"artist-api"},
		},
	}
}

// BenchmarkValidatePipeline is what the orchestrator does to every entity:
// the envelope check, the policies (which decode the entity) and the kind
// check.
func BenchmarkValidatePipeline(b *testing.B) {
	d := typicalComponent()
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidateEnvelope(d); err != nil {
			b.Fatal(err)
		}
		e, err := EnforcePolicies(d)
		if err != nil {
			b.Fatal(err)
		}
		if ok, err := ValidateKind(e); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkFromMap(b *testing.B) {
	d := typicalComponent()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromMap(d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFromMapViaJSON is the JSON round trip FromMap replaces, for
// comparison.
func BenchmarkFromMapViaJSON(b *testing.B) {
	d := typicalComponent()
	b.ReportAllocs()
	for b.Loop() {
		buf, err := json.Marshal(d)
		if err != nil {
			b.Fatal(err)
		}
		var e Entity
		if err := json.Unmarshal(buf, &e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToMap(b *testing.B) {
	e, err := FromMap(typicalComponent())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = e.ToMap()
	}
}

func BenchmarkClone(b *testing.B) {
	e, err := FromMap(typicalComponent())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = e.Clone()
	}
}

// BenchmarkMarshal compares the catalog's encoder of entities with
// json.Marshal.
func BenchmarkMarshal(b *testing.B) {
	e, err := FromMap(typicalComponent())
	if err != nil {
		b.Fatal(err)
	}
	e.Metadata.UID = "0c0d7bb5-4b1e-4bb5-9d0c-c1c8a5b2b0a4"
	e.Relations = []Relation{{Type: "ownedBy", TargetRef: "group:default/team-a"}, {Type: "partOf", TargetRef: "system:default/artists"}}
	for name, marshal := range map[string]func(*Entity) ([]byte, error){
		"Marshal":      Marshal,
		"json.Marshal": func(e *Entity) ([]byte, error) { return json.Marshal(e) },
		"reference":    referenceJSON,
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := marshal(e); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
