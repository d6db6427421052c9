package entity

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkUnmarshal expects Entity.UnmarshalJSON to give what encoding/json
// gives for Entity's fields without it, into an empty entity and into
// one that holds values already: the same entity or the same error.
func checkUnmarshal(t *testing.T, data []byte) {
	t.Helper()
	type plain Entity
	for _, start := range []func() Entity{
		func() Entity { return Entity{} },
		func() Entity {
			return Entity{Kind: "Old", Spec: map[string]any{"kept": true}, Relations: []Relation{{Type: "t", TargetRef: "r"}}}
		},
	} {
		want, got := start(), start()
		wantErr := json.Unmarshal(data, (*plain)(&want))
		gotErr := json.Unmarshal(data, &got)
		if diff := cmp.Diff(errText(wantErr), errText(gotErr)); diff != "" {
			t.Fatalf("UnmarshalJSON(%q) error (-encoding/json +got):\n%s", data, diff)
		}
		if wantErr != nil {
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("UnmarshalJSON(%q) (-encoding/json +got):\n%s", data, diff)
		}
	}
}

func TestEntityUnmarshalJSON(t *testing.T) {
	for _, s := range []string{
		`{"apiVersion":"a/v1","kind":"K","metadata":{"name":"n","tags":["x"]},"spec":{"a":[1,"\u003c",null]},"relations":[{"type":"t","targetRef":"k:d/n"}],"status":{"items":[{"type":"t","level":"error","message":"m"}]}}`,
		`{"kind":"K","metadata":{"name":"n"},"spec":null}`,
		`{"Kind":"K","metadata":{"name":"n"}}`,
		`{"kind":"A","kind":"B","spec":{"a":1},"spec":{"b":2}}`,
		`{"kind":"K","other":{"x":1}}`,
		`{"kind":5}`, `{"spec":[1]}`, `{"spec":{"a":1e400}}`, `{"metadata":{"name":7}}`, `{"relations":{}}`,
		`null`, `[]`, `{"kind":"K"`, `{}`, ` {"spec":{"s":"bad \xff"}} `,
	} {
		checkUnmarshal(t, []byte(s))
	}
}

// FuzzEntityUnmarshalJSON compares UnmarshalJSON with encoding/json's own
// decoding of Entity's fields over any bytes.
func FuzzEntityUnmarshalJSON(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"a/v1","kind":"K","metadata":{"name":"n","extra":{"b":[1,2.5e-7,null]}},"spec":{"a":"<&>"},"relations":[{"type":"t","targetRef":"k:d/n"}]}`))
	f.Add([]byte(`{"KIND":"K","spec":{"a":1},"spec":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkUnmarshal(t, data)
	})
}
