package catalog_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
)

// row is a search row in a readable form: "key=value" with value "<null>"
// for NULL, and " (Original)" when the stored original differs.
func row(r catalog.SearchRow) string {
	s := r.Key + "="
	if r.Value == nil {
		s += "<null>"
	} else {
		s += *r.Value
	}
	if r.Original != nil {
		s += " (" + *r.Original + ")"
	}
	return s
}

func rowStrings(rows []catalog.SearchRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = row(r)
	}
	return out
}

// base is a minimal final entity; the always-present rows it yields come
// last in every expectation.
func base() *entity.Entity {
	return &entity.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "Component",
		Metadata:   entity.Metadata{Name: "My-Service", Namespace: "default", UID: "u-1", Etag: "e-1"},
	}
}

var always = []string{
	"metadata.name=my-service (My-Service)",
	"metadata.namespace=default",
	"metadata.uid=u-1",
}

func TestBuildSearchRows(t *testing.T) {
	tests := []struct {
		name   string
		modify func(e *entity.Entity)
		want   []string // before the always-present rows and relations
		after  []string // after them (relations)
	}{
		{
			name: "envelope scalars lower-cased with the original kept",
			want: []string{"apiversion=backstage.io/v1alpha1", "kind=component (Component)"},
		},
		{
			name: "spec leaves of every scalar type",
			modify: func(e *entity.Entity) {
				e.Spec = map[string]any{
					"type": "Service", "replicas": float64(3), "ratio": 0.5, "big": 1e21, "tiny": 1.5e-7,
					"public": true, "owner": nil, "nested": map[string]any{"deep": map[string]any{"x": "Y"}},
				}
			},
			want: []string{
				"apiversion=backstage.io/v1alpha1", "kind=component (Component)",
				"spec.big=1e+21", "spec.nested.deep.x=y (Y)", "spec.owner=<null>", "spec.public=true",
				"spec.ratio=0.5", "spec.replicas=3", "spec.tiny=1.5e-7", "spec.type=service (Service)",
			},
		},
		{
			name: "string array items also as keys, once per lower-cased key",
			modify: func(e *entity.Entity) {
				e.Metadata.Tags = []string{"Java", "java", "data"}
			},
			want: []string{
				"apiversion=backstage.io/v1alpha1", "kind=component (Component)",
				"metadata.tags=java (Java)", "metadata.tags.java=true", "metadata.tags=data", "metadata.tags.data=true",
			},
		},
		{
			name: "arrays of objects visit each item under the array path",
			modify: func(e *entity.Entity) {
				e.Metadata.Links = []entity.Link{{URL: "https://a.example/x", Title: "A"}, {URL: "https://b.example/"}}
				e.Spec = map[string]any{"ports": []any{map[string]any{"port": float64(80)}, float64(443)}}
			},
			want: []string{
				"apiversion=backstage.io/v1alpha1", "kind=component (Component)",
				"metadata.links.url=https://a.example/x", "metadata.links.title=a (A)", "metadata.links.url=https://b.example/",
				"spec.ports.port=80", "spec.ports=443",
			},
		},
		{
			name: "annotations, labels, title, description and extra metadata",
			modify: func(e *entity.Entity) {
				e.Metadata.Title = "Title"
				e.Metadata.Description = "About"
				e.Metadata.Labels = map[string]string{"tier": "Gold"}
				e.Metadata.Annotations = map[string]string{"backstage.io/orphan": "true"}
				e.Metadata.Extra = map[string]any{"owner": "x"}
			},
			want: []string{
				"apiversion=backstage.io/v1alpha1", "kind=component (Component)",
				"metadata.owner=x", "metadata.title=title (Title)", "metadata.description=about (About)",
				"metadata.labels.tier=gold (Gold)", "metadata.annotations.backstage.io/orphan=true",
			},
		},
		{
			name: "relations, status and attachments are skipped; relations become relations.<type>",
			modify: func(e *entity.Entity) {
				e.Relations = []entity.Relation{{Type: "ownedBy", TargetRef: "group:default/team-a"}, {Type: "partOf", TargetRef: "system:default/s"}}
				e.Status = &entity.Status{Items: []entity.StatusItem{{Type: "t", Level: "error", Message: "m"}}}
				e.Spec = map[string]any{"attachments": "not skipped below spec"}
			},
			want: []string{
				"apiversion=backstage.io/v1alpha1", "kind=component (Component)",
				"spec.attachments=not skipped below spec",
			},
			after: []string{"relations.ownedby=group:default/team-a", "relations.partof=system:default/s"},
		},
		{
			name: "long keys are dropped, long values become null",
			modify: func(e *entity.Entity) {
				e.Spec = map[string]any{
					strings.Repeat("k", 196): "dropped", // "spec." makes 201 characters
					strings.Repeat("k", 195): "kept",    // 200 characters
					"long":                   strings.Repeat("v", 201),
					"edge":                   strings.Repeat("v", 200),
				}
			},
			want: []string{
				"apiversion=backstage.io/v1alpha1", "kind=component (Component)",
				"spec.edge=" + strings.Repeat("v", 200),
				"spec." + strings.Repeat("k", 195) + "=kept",
				"spec.long=<null>",
			},
		},
		{
			name: "rows are de-duplicated on key and value",
			modify: func(e *entity.Entity) {
				e.Spec = map[string]any{"list": []any{"A", "a", nil, nil, float64(1), "1"}}
			},
			want: []string{
				"apiversion=backstage.io/v1alpha1", "kind=component (Component)",
				"spec.list=a (A)", "spec.list.a=true", "spec.list=<null>", "spec.list=1", "spec.list.1=true",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base()
			if tt.modify != nil {
				tt.modify(e)
			}
			got, err := catalog.BuildSearchRows(e)
			if err != nil {
				t.Fatal(err)
			}
			want := append(append(append([]string{}, tt.want...), always...), tt.after...)
			if diff := cmp.Diff(want, rowStrings(got)); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildSearchRowsNamespaceDefault(t *testing.T) {
	e := base()
	e.Metadata.Namespace = ""
	e.Metadata.UID = ""
	got, err := catalog.BuildSearchRows(e)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"apiversion=backstage.io/v1alpha1", "kind=component (Component)",
		"metadata.name=my-service (My-Service)", "metadata.namespace=<null>", "metadata.namespace=default", "metadata.uid=<null>",
	}
	if diff := cmp.Diff(want, rowStrings(got)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestBuildSearchRowsCaseDuplicates(t *testing.T) {
	tests := []struct {
		name   string
		modify func(e *entity.Entity)
		want   string
	}{
		{
			name:   "spec keys",
			modify: func(e *entity.Entity) { e.Spec = map[string]any{"foo": "a", "Foo": "b"} },
			want:   "Entity has duplicate keys that vary only in casing, 'spec.foo'",
		},
		{
			name: "several clashes",
			modify: func(e *entity.Entity) {
				e.Spec = map[string]any{"foo": "a", "Foo": "b", "bar": "c", "BAR": "d"}
			},
			want: "Entity has duplicate keys that vary only in casing, 'spec.bar', 'spec.foo'",
		},
		{
			name:   "annotation keys",
			modify: func(e *entity.Entity) { e.Metadata.Annotations = map[string]string{"a/X": "1", "a/x": "2"} },
			want:   "Entity has duplicate keys that vary only in casing, 'metadata.annotations.a/x'",
		},
		{
			name:   "an extra metadata key against an always-present one",
			modify: func(e *entity.Entity) { e.Metadata.Extra = map[string]any{"Name": "x"} },
			want:   "Entity has duplicate keys that vary only in casing, 'metadata.name'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base()
			tt.modify(e)
			_, err := catalog.BuildSearchRows(e)
			if !problem.Is(err, problem.InputError) {
				t.Fatalf("error %v, want an InputError", err)
			}
			if got := err.(*problem.Error).Message; got != tt.want {
				t.Errorf("message %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSearchRowOriginalValue(t *testing.T) {
	rows, err := catalog.BuildSearchRows(base())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Key == "kind" && *r.OriginalValue() != "Component" {
			t.Errorf("kind original %q", *r.OriginalValue())
		}
		if r.Key == "metadata.namespace" && (r.Original != nil || *r.OriginalValue() != "default") {
			t.Errorf("namespace original %v, want only the value", r.Original)
		}
	}
}

func TestBuildSearchRowsCountsLengthLikeJavaScript(t *testing.T) {
	e := base()
	// 100 characters outside the basic plane are 200 UTF-16 code units
	// (kept); one more is 202 (nulled). 199 two-byte characters are 199
	// code units though 398 bytes (kept).
	e.Spec = map[string]any{
		"astral": strings.Repeat("😀", 100),
		"over":   strings.Repeat("😀", 101),
		"greek":  strings.Repeat("λ", 199),
	}
	rows, err := catalog.BuildSearchRows(e)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range rows {
		got[r.Key] = r.Value != nil
	}
	want := map[string]bool{"spec.astral": true, "spec.over": false, "spec.greek": true}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s has a value: %v, want %v", k, got[k], v)
		}
	}
}

func BenchmarkBuildSearchRows(b *testing.B) {
	e := base()
	e.Metadata.Description = "Handles the checkout of every order"
	e.Metadata.Tags = []string{"java", "payments", "tier-1"}
	e.Metadata.Annotations = map[string]string{
		entity.AnnotationManagedByLocation:       "url:https://github.com/acme/checkout/blob/main/catalog-info.yaml",
		entity.AnnotationManagedByOriginLocation: "url:https://github.com/acme/catalog/blob/main/all.yaml",
		"github.com/project-slug":                "acme/checkout",
	}
	e.Metadata.Links = []entity.Link{{URL: "https://dash.example/checkout", Title: "Dashboard"}}
	e.Spec = map[string]any{"type": "service", "lifecycle": "production", "owner": "team-payments",
		"system": "shop", "providesApis": []any{"checkout-api"}, "dependsOn": []any{"resource:orders-db"}}
	e.Relations = []entity.Relation{{Type: "ownedBy", TargetRef: "group:default/team-payments"},
		{Type: "partOf", TargetRef: "system:default/shop"}, {Type: "providesApi", TargetRef: "api:default/checkout-api"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := catalog.BuildSearchRows(e); err != nil {
			b.Fatal(err)
		}
	}
}
