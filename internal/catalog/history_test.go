package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJSONDiff(t *testing.T) {
	tests := []struct {
		name       string
		prev, next string
		want       string
	}{
		{"equal", `{"a":1}`, `{"a":1}`, `[]`},
		{"scalar replaced", `{"a":1,"b":"x"}`, `{"a":2,"b":"x"}`, `[{"op":"replace","path":"/a","value":2}]`},
		{"key added and removed", `{"a":1}`, `{"b":null}`, `[{"op":"remove","path":"/a"},{"op":"add","path":"/b","value":null}]`},
		{"nested, escaped keys", `{"metadata":{"annotations":{"a/b~c":"1"}}}`, `{"metadata":{"annotations":{"a/b~c":"2"}}}`,
			`[{"op":"replace","path":"/metadata/annotations/a~1b~0c","value":"2"}]`},
		{"array item changed in place", `{"l":[1,2,3]}`, `{"l":[1,5,3]}`, `[{"op":"replace","path":"/l/1","value":5}]`},
		{"distinct items added", `{"r":["a","c"]}`, `{"r":["a","b","c","d"]}`,
			`[{"op":"add","path":"/r/1","value":"b"},{"op":"add","path":"/r/3","value":"d"}]`},
		{"distinct items removed", `{"r":["a","b","c","d"]}`, `{"r":["b","d"]}`,
			`[{"op":"remove","path":"/r/2"},{"op":"remove","path":"/r/0"}]`},
		{"reordered items replace the array", `{"r":["a","b","c"]}`, `{"r":["c","a"]}`, `[{"op":"replace","path":"/r","value":["c","a"]}]`},
		{"repeated items replace the array", `{"r":["a","a"]}`, `{"r":["a"]}`, `[{"op":"replace","path":"/r","value":["a"]}]`},
		{"type change", `{"a":{"b":1}}`, `{"a":[1]}`, `[{"op":"replace","path":"/a","value":[1]}]`},
		{"numbers keep their text", `{"a":1.50}`, `{"a":2.50}`, `[{"op":"replace","path":"/a","value":2.50}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jsonDiff([]byte(tt.prev), []byte(tt.next))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("diff (-want +got):\n%s", diff)
			}
			checkJSONPatch(t, tt.prev, tt.next, got)
		})
	}
}

// FuzzJSONDiff checks that applying the diff of two documents to the first
// gives the second.
func FuzzJSONDiff(f *testing.F) {
	f.Add(`{"a":1,"b":[1,2]}`, `{"a":2,"b":[1,2,3],"c":{"d":null}}`)
	f.Add(`{"r":["x","y","z"]}`, `{"r":["y","w"]}`)
	f.Add(`{"a/b":{"~":[{"x":1}]}}`, `{"a/b":{"~":[{"x":2},{"x":1}]}}`)
	f.Add(`[1,2,3]`, `[3,2,1,0]`)
	f.Fuzz(func(t *testing.T, prev, next string) {
		if !json.Valid([]byte(prev)) || !json.Valid([]byte(next)) {
			return
		}
		patch, err := jsonDiff([]byte(prev), []byte(next))
		if err != nil {
			t.Fatal(err)
		}
		checkJSONPatch(t, prev, next, patch)
	})
}

// checkPatch applies patch to prev and compares the result with next.
func checkJSONPatch(t *testing.T, prev, next string, patch []byte) {
	t.Helper()
	doc, err := decodeGeneric([]byte(prev))
	if err != nil {
		t.Fatal(err)
	}
	var ops []struct {
		Op    string          `json:"op"`
		Path  string          `json:"path"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(patch, &ops); err != nil {
		t.Fatalf("patch %s: %v", patch, err)
	}
	for _, op := range ops {
		var value any
		if op.Op != "remove" {
			if value, err = decodeGeneric(op.Value); err != nil {
				t.Fatalf("op value %s: %v", op.Value, err)
			}
		}
		if doc, err = applyPatchOp(doc, op.Op, patchPointer(op.Path), value); err != nil {
			t.Fatalf("apply %s %s: %v", op.Op, op.Path, err)
		}
	}
	want, err := decodeGeneric([]byte(next))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(patchNumbers(doc), patchNumbers(want)) {
		t.Errorf("patch %s turns %s into %v, want %s", patch, prev, doc, next)
	}
}

// patchNumbers compares numbers by value, not by text.
func patchNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = patchNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = patchNumbers(e)
		}
		return out
	}
	return v
}

func patchPointer(p string) []string {
	if p == "" {
		return nil
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts
}

func applyPatchOp(doc any, op string, path []string, value any) (any, error) {
	if len(path) == 0 {
		if op == "remove" {
			return nil, nil
		}
		return value, nil
	}
	key, rest := path[0], path[1:]
	switch x := doc.(type) {
	case map[string]any:
		if len(rest) > 0 {
			child, err := applyPatchOp(x[key], op, rest, value)
			x[key] = child
			return x, err
		}
		if op == "remove" {
			delete(x, key)
		} else {
			x[key] = value
		}
		return x, nil
	case []any:
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i > len(x) {
			return nil, fmt.Errorf("bad index %q", key)
		}
		if len(rest) > 0 {
			child, err := applyPatchOp(x[i], op, rest, value)
			x[i] = child
			return x, err
		}
		switch op {
		case "remove":
			return append(x[:i:i], x[i+1:]...), nil
		case "add":
			out := append(x[:i:i], value)
			return append(out, x[i:]...), nil
		default:
			x[i] = value
			return x, nil
		}
	}
	return nil, fmt.Errorf("cannot descend into %T", doc)
}

func TestEscapePointer(t *testing.T) {
	for in, want := range map[string]string{"a": "a", "a/b": "a~1b", "~x": "~0x", "~/": "~0~1"} {
		if got := escapePointer(in); got != want {
			t.Errorf("escapePointer(%q) = %q, want %q", in, got, want)
		}
	}
	if !bytes.Equal(pointerRoundTrip("a~1b~0c"), []byte("a/b~c")) {
		t.Error("pointer round trip")
	}
}

func pointerRoundTrip(p string) []byte { return []byte(patchPointer("/" + p)[0]) }
