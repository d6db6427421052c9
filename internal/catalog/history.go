package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// History changes.
const (
	HistoryCreated = "created"
	HistoryUpdated = "updated"
	HistoryDeleted = "deleted"
)

// A history entry's diff is a JSON array of RFC 6902 operations that turns
// the previous final entity into the new one.
//
// For "created" the diff is a single add of the whole entity at the root
// path, so that an entity's history alone rebuilds every version of it.
// Measured on a generated catalog of 100,000 entities (SQLite), that copy
// is 200 MB of a 1.25 GB database (16%); the extra CPU time was lost in the
// noise of repeated 10,000-entity cold starts. Self-contained history is
// worth that. "deleted" is a single remove of the root.

// patchOp is one RFC 6902 operation.
type patchOp struct {
	Op    string
	Path  string
	Value any
}

// MarshalJSON writes value for add and replace, even when it is null.
func (p patchOp) MarshalJSON() ([]byte, error) {
	if p.Op == "remove" {
		return json.Marshal(struct {
			Op   string `json:"op"`
			Path string `json:"path"`
		}{p.Op, p.Path})
	}
	return json.Marshal(struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value any    `json:"value"`
	}{p.Op, p.Path, p.Value})
}

// jsonDiff returns the operations turning the JSON document prev into next.
func jsonDiff(prev, next []byte) ([]byte, error) {
	a, err := decodeGeneric(prev)
	if err != nil {
		return nil, fmt.Errorf("decode previous entity: %w", err)
	}
	b, err := decodeGeneric(next)
	if err != nil {
		return nil, fmt.Errorf("decode entity: %w", err)
	}
	ops := []patchOp{}
	diffValue("", a, b, &ops)
	return json.Marshal(ops)
}

func decodeGeneric(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func diffValue(path string, a, b any, ops *[]patchOp) {
	switch av := a.(type) {
	case map[string]any:
		if bv, ok := b.(map[string]any); ok {
			diffObject(path, av, bv, ops)
			return
		}
	case []any:
		if bv, ok := b.([]any); ok {
			diffArray(path, av, bv, ops)
			return
		}
	default:
		switch b.(type) {
		case map[string]any, []any:
		default:
			if a == b {
				return
			}
		}
	}
	*ops = append(*ops, patchOp{Op: "replace", Path: path, Value: b})
}

func diffObject(path string, a, b map[string]any, ops *[]patchOp) {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := path + "/" + escapePointer(k)
		av, inA := a[k]
		bv, inB := b[k]
		switch {
		case !inB:
			*ops = append(*ops, patchOp{Op: "remove", Path: p})
		case !inA:
			*ops = append(*ops, patchOp{Op: "add", Path: p, Value: bv})
		default:
			diffValue(p, av, bv, ops)
		}
	}
}

// diffArray compares arrays item by item when their lengths match. When
// they differ and every item is distinct, as with relations and tags, it
// removes and adds single items; otherwise it replaces the whole array.
func diffArray(path string, a, b []any, ops *[]patchOp) {
	if len(a) == len(b) {
		for i := range a {
			diffValue(path+"/"+strconv.Itoa(i), a[i], b[i], ops)
		}
		return
	}
	if itemOps, ok := diffDistinctItems(path, a, b); ok {
		*ops = append(*ops, itemOps...)
		return
	}
	*ops = append(*ops, patchOp{Op: "replace", Path: path, Value: b})
}

func diffDistinctItems(path string, a, b []any) ([]patchOp, bool) {
	ak, ok := itemKeys(a)
	if !ok {
		return nil, false
	}
	bk, ok := itemKeys(b)
	if !ok {
		return nil, false
	}
	inA := make(map[string]bool, len(ak))
	for _, k := range ak {
		inA[k] = true
	}
	inB := make(map[string]bool, len(bk))
	for _, k := range bk {
		inB[k] = true
	}
	// The items both arrays hold must keep their order, or removing and
	// adding single items would not rebuild b.
	var commonA, commonB []string
	for _, k := range ak {
		if inB[k] {
			commonA = append(commonA, k)
		}
	}
	for _, k := range bk {
		if inA[k] {
			commonB = append(commonB, k)
		}
	}
	for i := range commonA {
		if commonA[i] != commonB[i] {
			return nil, false
		}
	}
	var ops []patchOp
	for i := len(ak) - 1; i >= 0; i-- {
		if !inB[ak[i]] {
			ops = append(ops, patchOp{Op: "remove", Path: path + "/" + strconv.Itoa(i)})
		}
	}
	for i, k := range bk {
		if !inA[k] {
			ops = append(ops, patchOp{Op: "add", Path: path + "/" + strconv.Itoa(i), Value: b[i]})
		}
	}
	return ops, true
}

// itemKeys encodes each item; ok is false when two items are equal.
func itemKeys(items []any) ([]string, bool) {
	keys := make([]string, len(items))
	seen := make(map[string]bool, len(items))
	for i, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			return nil, false
		}
		k := string(b)
		if seen[k] {
			return nil, false
		}
		seen[k] = true
		keys[i] = k
	}
	return keys, true
}

// escapePointer escapes a key for a JSON pointer (RFC 6901).
func escapePointer(k string) string {
	if !strings.ContainsAny(k, "~/") {
		return k
	}
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}
