package entity

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// referenceUnmarshal is the straightforward decoding Metadata.UnmarshalJSON
// must agree with: the object into a map of raw members, then each member.
func referenceUnmarshal(b []byte) (Metadata, error) {
	var m Metadata
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return m, err
	}
	for k, v := range raw {
		var err error
		switch k {
		case "name":
			err = json.Unmarshal(v, &m.Name)
		case "namespace":
			err = json.Unmarshal(v, &m.Namespace)
		case "title":
			err = json.Unmarshal(v, &m.Title)
		case "description":
			err = json.Unmarshal(v, &m.Description)
		case "uid":
			err = json.Unmarshal(v, &m.UID)
		case "etag":
			err = json.Unmarshal(v, &m.Etag)
		case "labels":
			err = json.Unmarshal(v, &m.Labels)
		case "annotations":
			err = json.Unmarshal(v, &m.Annotations)
		case "tags":
			err = json.Unmarshal(v, &m.Tags)
		case "links":
			err = json.Unmarshal(v, &m.Links)
		default:
			var x any
			err = json.Unmarshal(v, &x)
			if m.Extra == nil {
				m.Extra = map[string]any{}
			}
			m.Extra[k] = x
		}
		if err != nil {
			return m, fmt.Errorf("metadata.%s: %w", k, err)
		}
	}
	return m, nil
}

var metadataJSONCases = []struct {
	name, in string
	want     Metadata
	err      string
}{
	{name: "typed fields and extra", in: `{"name":"a","namespace":"ns","title":"T","description":"d","uid":"u","etag":"e",
		"labels":{"k":"v"},"annotations":{"x/y":"z"},"tags":["t1","t2"],"links":[{"url":"https://x","title":"X"}],
		"custom":{"n":[1,true,null,"s"]},"num":1.5,"flag":false,"nothing":null}`,
		want: Metadata{Name: "a", Namespace: "ns", Title: "T", Description: "d", UID: "u", Etag: "e",
			Labels: map[string]string{"k": "v"}, Annotations: map[string]string{"x/y": "z"}, Tags: []string{"t1", "t2"},
			Links: []Link{{URL: "https://x", Title: "X"}},
			Extra: map[string]any{"custom": map[string]any{"n": []any{1.0, true, nil, "s"}}, "num": 1.5, "flag": false, "nothing": nil}}},
	{name: "empty object", in: ` { } `, want: Metadata{}},
	{name: "white space everywhere", in: "\n{ \"name\" :\t\"a\" ,\r\n \"tags\" : [ \"x\" ] }\n", want: Metadata{Name: "a", Tags: []string{"x"}}},
	{name: "escapes and non-ASCII values", in: `{"name":"a\"b\\c\u00e9","title":"Grüße","x":"tab\there"}`,
		want: Metadata{Name: "a\"b\\cé", Title: "Grüße", Extra: map[string]any{"x": "tab\there"}}},
	{name: "escaped key", in: `{"n\u0061me":"a","\u00e9":"e"}`, want: Metadata{Name: "a", Extra: map[string]any{"é": "e"}}},
	{name: "keys are case sensitive", in: `{"Name":"a","name":"b"}`, want: Metadata{Name: "b", Extra: map[string]any{"Name": "a"}}},
	{name: "a repeated key takes its last value", in: `{"name":5,"labels":{"a":"1"},"labels":{"b":"2"},"name":"x","tags":["a"],"tags":null}`,
		want: Metadata{Name: "x", Labels: map[string]string{"b": "2"}}},
	{name: "labels and annotations beyond plain strings", in: `{"labels":{},"annotations":{"a":"x\u00e9","b":"\"q\"","a":"last","\u0063":"c"}}`,
		want: Metadata{Labels: map[string]string{}, Annotations: map[string]string{"a": "last", "b": `"q"`, "c": "c"}}},
	{name: "a repeated label takes its last value", in: `{"labels":{"a":"1","b":"2","a":"3"}}`,
		want: Metadata{Labels: map[string]string{"a": "3", "b": "2"}}},
	{name: "null labels", in: `{"labels":null,"annotations":{"a":"b"},"annotations":null}`, want: Metadata{}},
	{name: "non-string annotation", in: `{"annotations":{"a":"b","n":1}}`,
		err: "metadata.annotations: json: cannot unmarshal number into Go value of type string"},
	{name: "null string keeps the zero value", in: `{"name":null}`, want: Metadata{}},
	{name: "null metadata", in: `null`, want: Metadata{}},
	{name: "wrong field type", in: `{"name":"a","tags":"x"}`, err: "metadata.tags: json: cannot unmarshal string into Go value of type []string"},
	{name: "not an object", in: `["a"]`, err: "json: cannot unmarshal array into Go value of type map[string]json.RawMessage"},
	{name: "invalid JSON", in: `{"name":"a",}`, err: "invalid character '}' looking for beginning of object key string"},
}

func TestMetadataUnmarshalJSON(t *testing.T) {
	for _, tc := range metadataJSONCases {
		t.Run(tc.name, func(t *testing.T) {
			got := Metadata{Name: "stale", Extra: map[string]any{"stale": true}}
			err := got.UnmarshalJSON([]byte(tc.in))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			ref, err := referenceUnmarshal([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ref, got); diff != "" {
				t.Errorf("differs from the reference decoding (-ref +got):\n%s", diff)
			}
		})
	}
}

// TestMetadataUnmarshalJSONLongObject covers the keyed de-duplication of
// objects with many members.
func TestMetadataUnmarshalJSONLongObject(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"name":"first"`)
	for i := range 40 {
		fmt.Fprintf(&b, `,"k%d":%d`, i%25, i)
	}
	b.WriteString(`,"name":"last"}`)
	var got Metadata
	if err := got.UnmarshalJSON([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	ref, err := referenceUnmarshal([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ref, got); diff != "" {
		t.Errorf("(-ref +got):\n%s", diff)
	}
	if got.Name != "last" || got.Extra["k0"] != 25.0 || len(got.Extra) != 25 {
		t.Errorf("got name %q, k0 %v, %d extra keys", got.Name, got.Extra["k0"], len(got.Extra))
	}
}

// TestMetadataRoundTrip checks that encoding and decoding again gives the
// same metadata.
func TestMetadataRoundTrip(t *testing.T) {
	in := Metadata{Name: "a", Namespace: "ns", Labels: map[string]string{"k": "v"}, Tags: []string{"x"},
		Links: []Link{{URL: "https://x"}}, Extra: map[string]any{"custom": "c"}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Metadata
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("(-in +out):\n%s", diff)
	}
}

// FuzzMetadataUnmarshalJSON checks that UnmarshalJSON accepts what the
// reference decoding accepts and decodes it the same way.
func FuzzMetadataUnmarshalJSON(f *testing.F) {
	for _, tc := range metadataJSONCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var got Metadata
		err := got.UnmarshalJSON([]byte(in))
		ref, refErr := referenceUnmarshal([]byte(in))
		if (err == nil) != (refErr == nil) {
			t.Fatalf("error %v, reference error %v", err, refErr)
		}
		if err != nil {
			return
		}
		if diff := cmp.Diff(ref, got); diff != "" {
			t.Errorf("(-ref +got):\n%s", diff)
		}
	})
}

func BenchmarkMetadataUnmarshalJSON(b *testing.B) {
	in := []byte(`{"name":"payments-api","namespace":"default","title":"Payments API","description":"Takes payments for the shop.",
		"uid":"0b6a4f0e-1f3c-4a39-9d2e-6f1d5b7c9a10","etag":"5e7c1d","labels":{"tier":"1","team":"payments"},
		"annotations":{"backstage.io/managed-by-location":"file:/org/components.yaml","backstage.io/techdocs-ref":"dir:."},
		"tags":["java","payments"],"links":[{"url":"https://dash.example.com/payments","title":"Dashboard"}]}`)
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			var m Metadata
			if err := m.UnmarshalJSON(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			if _, err := referenceUnmarshal(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
