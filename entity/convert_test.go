package entity

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fullEntity uses every field of the model, including extra metadata keys.
func fullEntity() *Entity {
	return &Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "Component",
		Metadata: Metadata{
			Name:        "artist-web",
			Namespace:   "default",
			Title:       "Artist Web",
			Description: "The place to be, for great artists",
			UID:         "e01199ab-08cc-44c2-8e19-5c29ded82521",
			Etag:        "lsndfkjsndfkjnsdfkjnsd==",
			Labels:      map[string]string{"example.com/custom": "custom_label_value"},
			Annotations: map[string]string{"backstage.io/managed-by-location": "url:https://example.com/catalog-info.yaml"},
			Tags:        []string{"java", "data"},
			Links: []Link{
				{URL: "https://admin.example-org.com", Title: "Admin Dashboard", Icon: "dashboard", Type: "admin-dashboard"},
				{URL: "https://example.com"},
			},
			Extra: map[string]any{"generation": 3.0, "custom": map[string]any{"nested": []any{"a", true, nil}}},
		},
		Spec: map[string]any{
			"type":      "website",
			"lifecycle": "production",
			"owner":     "artist-relations-team",
			"ports":     []any{8080.0},
		},
		Relations: []Relation{{Type: RelationOwnedBy, TargetRef: "group:default/artist-relations-team"}},
		Status: &Status{Items: []StatusItem{{
			Type:    StatusTypeProcessing,
			Level:   "error",
			Message: "InputError: Policy check failed",
			Error: &SerializedError{Name: "InputError", Message: "Policy check failed", Code: "E1",
				Cause: &SerializedError{Name: "Error", Message: "bad"}},
		}}},
	}
}

func TestEntityJSONGolden(t *testing.T) {
	got, err := json.MarshalIndent(fullEntity(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "entity.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}

	var back Entity
	if err := json.Unmarshal(want, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fullEntity(), &back); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}

// jsonDoc is the document form of e through encoding/json, the reference
// for ToMap and FromMap.
func jsonDoc(t *testing.T, e *Entity) map[string]any {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestToMapMatchesJSON(t *testing.T) {
	entities := map[string]*Entity{
		"full":         fullEntity(),
		"minimal":      {APIVersion: "v1", Kind: "K", Metadata: Metadata{Name: "n"}},
		"empty spec":   {APIVersion: "v1", Kind: "K", Metadata: Metadata{Name: "n"}, Spec: map[string]any{}},
		"empty maps":   {APIVersion: "v1", Kind: "K", Metadata: Metadata{Name: "n", Labels: map[string]string{}, Tags: []string{}}},
		"empty status": {APIVersion: "v1", Kind: "K", Metadata: Metadata{Name: "n"}, Status: &Status{}},
		"extra shadowing a typed key": {APIVersion: "v1", Kind: "K",
			Metadata: Metadata{Name: "n", Extra: map[string]any{"name": "ignored", "x": 1.0}}},
	}
	for name, e := range entities {
		t.Run(name, func(t *testing.T) {
			got := e.ToMap()
			if diff := cmp.Diff(jsonDoc(t, e), got); diff != "" {
				t.Errorf("ToMap (-json +got):\n%s", diff)
			}
		})
	}
}

func TestFromMapRoundTrip(t *testing.T) {
	want := fullEntity()
	m := want.ToMap()
	got, err := FromMap(m)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromMap(ToMap()) (-want +got):\n%s", diff)
	}

	// FromMap agrees with decoding the same JSON.
	var viaJSON Entity
	b, _ := json.Marshal(m)
	if err := json.Unmarshal(b, &viaJSON); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&viaJSON, got); diff != "" {
		t.Errorf("FromMap vs json.Unmarshal (-json +got):\n%s", diff)
	}

	// Neither side shares memory with the other.
	m["spec"].(map[string]any)["ports"].([]any)[0] = 1.0
	m["metadata"].(map[string]any)["custom"].(map[string]any)["nested"].([]any)[0] = "changed"
	if diff := cmp.Diff(fullEntity(), got); diff != "" {
		t.Errorf("entity changed with its source map (-want +got):\n%s", diff)
	}
	m2 := got.ToMap()
	got.Spec["ports"].([]any)[0] = 2.0
	if m2["spec"].(map[string]any)["ports"].([]any)[0] != 8080.0 {
		t.Error("ToMap shares the spec with the entity")
	}
}

func TestFromMapTypeErrors(t *testing.T) {
	tests := map[string]string{
		`{"apiVersion":7}`:                                      "decode entity: apiVersion: expected string, got number",
		`{"metadata":[]}`:                                       "decode entity: metadata: expected object, got array",
		`{"metadata":{"name":true}}`:                            "decode entity: metadata.name: expected string, got boolean",
		`{"metadata":{"labels":{"a":1}}}`:                       "decode entity: metadata.labels.a: expected string, got number",
		`{"metadata":{"tags":["a",{}]}}`:                        "decode entity: metadata.tags.1: expected string, got object",
		`{"metadata":{"links":[{"url":1}]}}`:                    "decode entity: metadata.links.0.url: expected string, got number",
		`{"spec":"x"}`:                                          "decode entity: spec: expected object, got string",
		`{"relations":[{"type":1}]}`:                            "decode entity: relations.0.type: expected string, got number",
		`{"status":{"items":[{"error":{"cause":{"name":2}}}]}}`: "decode entity: status.items.0.error.cause.name: expected string, got number",
	}
	for in, want := range tests {
		_, err := FromMap(doc(t, in))
		if got := errText(err); got != want {
			t.Errorf("FromMap(%s) error = %q, want %q", in, got, want)
		}
		if ve := (*ValidationError)(nil); !errors.As(err, &ve) {
			t.Errorf("FromMap(%s) error is %T, want *ValidationError", in, err)
		}
	}
	// null is absent, as for encoding/json
	e, err := FromMap(doc(t, `{"apiVersion":null,"metadata":{"name":null,"labels":null},"spec":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Entity{}, e); diff != "" {
		t.Errorf("nulls (-want +got):\n%s", diff)
	}
}

func TestClone(t *testing.T) {
	e := fullEntity()
	c := e.Clone()
	if diff := cmp.Diff(e, c); diff != "" {
		t.Fatalf("Clone (-want +got):\n%s", diff)
	}
	c.Metadata.Labels["x"] = "y"
	c.Metadata.Tags[0] = "go"
	c.Metadata.Links[0].URL = "https://changed"
	c.Metadata.Extra["custom"].(map[string]any)["nested"].([]any)[0] = "changed"
	c.Spec["ports"].([]any)[0] = 1.0
	c.Relations[0].Type = "x"
	c.Status.Items[0].Error.Cause.Message = "changed"
	if diff := cmp.Diff(fullEntity(), e); diff != "" {
		t.Errorf("changing the clone changed the original (-want +got):\n%s", diff)
	}
	empty := (&Entity{Spec: map[string]any{}}).Clone()
	if empty.Spec == nil {
		t.Error("Clone dropped an empty spec")
	}
}

func TestAnnotations(t *testing.T) {
	var e Entity
	if e.Annotation(AnnotationOrphan) != "" {
		t.Error("annotation on empty entity")
	}
	e.SetAnnotation(AnnotationOrphan, "true")
	if e.Annotation(AnnotationOrphan) != "true" {
		t.Error("SetAnnotation did not set")
	}
}

func TestNormalizeShapes(t *testing.T) {
	type point struct {
		X int `json:"x"`
	}
	in := map[string]any{
		"ints":    []int{1, 2},
		"strings": []string{"a"},
		"nested":  map[string][]uint8{"b": {1}},
		"struct":  point{X: 3},
		"ptr":     &point{X: 4},
		"nilptr":  (*point)(nil),
		"keys":    map[any]any{nil: 1, 1.5: 2, int8(3): 3},
		"number":  json.Number("12.5"),
	}
	got, err := normalize(in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"ints":    []any{1.0, 2.0},
		"strings": []any{"a"},
		"nested":  map[string]any{"b": "AQ=="}, // []byte marshals as base64
		"struct":  map[string]any{"x": 3.0},
		"ptr":     map[string]any{"x": 4.0},
		"nilptr":  nil,
		"keys":    map[string]any{"null": 1.0, "1.5": 2.0, "3": 3.0},
		"number":  12.5,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("normalize (-want +got):\n%s", diff)
	}
	if _, err := normalize(map[string]any{"f": func() {}}); err == nil {
		t.Error("normalize accepted a func")
	}
	if _, err := FromMap(map[string]any{"spec": map[string]any{"ch": make(chan int)}}); err == nil {
		t.Error("FromMap accepted a channel")
	}
}
