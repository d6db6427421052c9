package entity

import (
	"encoding/json"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// referenceJSON is json.Marshal(e) with the metadata encoded through one
// map, as Metadata.MarshalJSON did before AppendJSON existed.
func referenceJSON(e *Entity) ([]byte, error) {
	meta, err := e.Metadata.marshalMap()
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		APIVersion string          `json:"apiVersion"`
		Kind       string          `json:"kind"`
		Metadata   json.RawMessage `json:"metadata"`
		Spec       map[string]any  `json:"spec,omitzero"`
		Relations  []Relation      `json:"relations,omitempty"`
		Status     *Status         `json:"status,omitempty"`
	}{e.APIVersion, e.Kind, meta, e.Spec, e.Relations, e.Status})
}

// checkAppendJSON expects AppendJSON, Marshal and json.Marshal to give
// the reference encoding of e, or AppendJSON to decline what the
// reference cannot encode or what holds Go types of its own.
func checkAppendJSON(t *testing.T, e *Entity) {
	t.Helper()
	want, err := referenceJSON(e)
	got, ok := AppendJSON([]byte("prefix"), e)
	if err != nil {
		if ok {
			t.Fatalf("AppendJSON = %q, the reference failed: %v", got, err)
		}
		return
	}
	if ok {
		if diff := cmp.Diff("prefix"+string(want), string(got)); diff != "" {
			t.Fatalf("AppendJSON (-reference +got):\n%s", diff)
		}
	}
	for name, marshal := range map[string]func(*Entity) ([]byte, error){
		"Marshal":      Marshal,
		"json.Marshal": func(e *Entity) ([]byte, error) { return json.Marshal(e) },
	} {
		got, err := marshal(e)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Fatalf("%s (-reference +got):\n%s", name, diff)
		}
	}
}

func TestAppendJSON(t *testing.T) {
	full := &Entity{
		APIVersion: "backstage.io/v1alpha1", Kind: "Component",
		Metadata: Metadata{
			Name: "a<b>&c", Namespace: "default", Title: "Ti\u2028tle", Description: "déjà \"vu\"\n",
			UID: "u-1", Etag: "e-1",
			Labels:      map[string]string{"z": "1", "a": "2", "B": "3"},
			Annotations: map[string]string{"backstage.io/orphan": "true", "x/y": "<script>"},
			Tags:        []string{"java", "go"},
			Links:       []Link{{URL: "https://a"}, {URL: "https://b", Title: "B", Icon: "i", Type: "t"}},
			Extra: map[string]any{"zeta": []any{1.5, "two", nil, true, map[string]any{"k": 1e21}},
				"alpha": map[string]any{}, "name": "ignored", "": "empty key", "links2": 1e-7},
		},
		Spec:      map[string]any{"type": "service", "owner": "team-a", "n": 755.0, "deep": map[string]any{"b": []any{}, "a": nil}},
		Relations: []Relation{{Type: "ownedBy", TargetRef: "group:default/team-a"}, {Type: "partOf", TargetRef: "system:default/s"}},
		Status: &Status{Items: []StatusItem{
			{Type: "backstage.io/catalog-processing", Level: "error", Message: "InputError: bad",
				Error: &SerializedError{Name: "InputError", Message: "bad", Code: "E1", Cause: &SerializedError{Name: "Error", Message: "root"}}},
			{Type: "t", Level: "warning", Message: "m"},
		}},
	}
	cases := map[string]*Entity{
		"full":              full,
		"bare":              {Metadata: Metadata{Name: "x"}},
		"empty collections": {Metadata: Metadata{Name: "x", Labels: map[string]string{}, Annotations: map[string]string{}, Tags: []string{}, Links: []Link{}}, Spec: map[string]any{}, Relations: []Relation{}, Status: &Status{}},
		"bad utf-8":         {Kind: "K\xff", Metadata: Metadata{Name: "n\xed\xa0\x80", Extra: map[string]any{"k\xfe": "v\xff"}}},
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) { checkAppendJSON(t, e) })
	}
	// Go types of their own are left to json.Marshal, which gives the same
	// bytes as the reference.
	for name, e := range map[string]*Entity{
		"int in spec":   {Metadata: Metadata{Name: "x"}, Spec: map[string]any{"n": 7}},
		"slice in meta": {Metadata: Metadata{Name: "x", Extra: map[string]any{"s": []string{"a"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			if got, ok := AppendJSON(nil, e); ok {
				t.Errorf("AppendJSON = %q, want it declined", got)
			}
			checkAppendJSON(t, e)
		})
	}
	// What JSON cannot hold fails in all of them.
	inf := &Entity{Metadata: Metadata{Name: "x"}, Spec: map[string]any{"n": math.Inf(1)}}
	if _, ok := AppendJSON(nil, inf); ok {
		t.Error("AppendJSON encoded an infinity")
	}
	if _, err := Marshal(inf); err == nil {
		t.Error("Marshal encoded an infinity")
	}
}

// TestAppendJSONBackstageExamples encodes every example entity of
// Backstage's reference data as the reference encoding does.
func TestAppendJSONBackstageExamples(t *testing.T) {
	root := sharedRef(t)
	n := 0
	for _, dir := range []string{"catalog-model/examples", "scaffolder-templates"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
				return err
			}
			for _, doc := range readYAMLDocuments(t, path) {
				e, err := FromMap(resolvePlaceholders(doc).(map[string]any))
				if err != nil {
					continue // not an entity; the examples test covers those
				}
				checkAppendJSON(t, e)
				n++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 70 {
		t.Errorf("encoded %d example entities, want at least 70", n)
	}
}

// FuzzAppendJSON compares AppendJSON with the reference encoding over
// entities decoded from the fuzzer's bytes.
func FuzzAppendJSON(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"a/v1","kind":"K","metadata":{"name":"n","tags":["x"],"links":[{"url":"u","icon":"i"}],"extra":{"b":[1,2.5e-7,null]}},"spec":{"a":"<&>"},"relations":[{"type":"t","targetRef":"k:d/n"}],"status":{"items":[{"type":"t","level":"error","message":"m","error":{"name":"E","message":"m","cause":{"name":"C","message":"c"}}}]}}`))
	f.Add([]byte(`{"metadata":{"name":"\u2028\ud800","labels":{},"annotations":{"a":"b"}},"spec":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e Entity
		if json.Unmarshal(data, &e) != nil {
			return
		}
		checkAppendJSON(t, &e)
	})
}
