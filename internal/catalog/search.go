package catalog

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// SearchRow is one row of the search table: a leaf of a final entity.
type SearchRow struct {
	// Key is the lower-cased dotted path.
	Key string
	// Value is the lower-cased value; nil for null and for values longer
	// than 200 characters.
	Value *string
	// Original is the value as written when it differs from Value (the
	// stored original_value is NULL when it equals value).
	Original *string
}

// OriginalValue returns the value as written: Original, or Value.
func (r SearchRow) OriginalValue() *string {
	if r.Original != nil {
		return r.Original
	}
	return r.Value
}

// Limits of Backstage's buildEntitySearch: longer keys are dropped, longer
// values are stored as NULL (the key still "exists").
const (
	searchMaxKeyLength   = 200
	searchMaxValueLength = 200
)

// searchSkipped are paths the generic traversal leaves out: either they are
// not worth indexing or they are added separately below.
var searchSkipped = map[string]bool{
	"attachments":        true,
	"relations":          true,
	"status":             true,
	"metadata.name":      true,
	"metadata.namespace": true,
	"metadata.uid":       true,
	"metadata.etag":      true,
}

// searchEntry is a raw (path, value) pair before lower-casing; value is a
// string, bool, float64 or nil.
type searchEntry struct {
	key   string
	value any
}

// BuildSearchRows returns the search rows of a final entity exactly as
// Backstage's buildEntitySearch does: every leaf path of the entity except
// the skipped ones, string array items also as "<path>.<item>" = true, the
// always-present metadata.name, metadata.namespace (plus "default" when
// unset) and metadata.uid, and relations.<type> = targetRef. Keys and
// values are lower-cased, over-long keys dropped, over-long values nulled,
// and rows de-duplicated on (key, value). Keys that differ only in case are
// an InputError, and the entity must then not be stitched.
func BuildSearchRows(e *entity.Entity) ([]SearchRow, error) {
	t := searchTraversal{out: make([]searchEntry, 0, 48), rawSeen: make(map[string]bool, 32), lowerSeen: make(map[string]bool, 32)}
	t.entity(e)

	t.add("metadata.name", e.Metadata.Name)
	if e.Metadata.Namespace == "" {
		t.add("metadata.namespace", nil)
		t.add("metadata.namespace", entity.DefaultNamespace)
	} else {
		t.add("metadata.namespace", e.Metadata.Namespace)
	}
	if e.Metadata.UID == "" {
		t.add("metadata.uid", nil)
	} else {
		t.add("metadata.uid", e.Metadata.UID)
	}
	for _, r := range e.Relations {
		t.add("relations."+r.Type, r.TargetRef)
	}

	if len(t.rawSeen) != len(t.lowerSeen) {
		return nil, caseDuplicates(t.rawKeys)
	}
	return searchRows(t.out), nil
}

type searchTraversal struct {
	out []searchEntry
	// rawKeys are the distinct keys in order; rawSeen and lowerSeen hold
	// them as written and lower-cased. lowerSeen also serves the
	// once-per-key "<path>.<item>" rows.
	rawKeys   []string
	rawSeen   map[string]bool
	lowerSeen map[string]bool
}

func (t *searchTraversal) add(key string, value any) {
	t.out = append(t.out, searchEntry{key, value})
	if !t.rawSeen[key] {
		t.rawSeen[key] = true
		t.rawKeys = append(t.rawKeys, key)
		t.lowerSeen[strings.ToLower(key)] = true
	}
}

// entity walks the entity the way its JSON form reads, without encoding
// it: the typed metadata fields appear only when Metadata.MarshalJSON would
// write them.
func (t *searchTraversal) entity(e *entity.Entity) {
	t.visit("apiVersion", e.APIVersion)
	t.visit("kind", e.Kind)
	m := e.Metadata
	extra := make([]string, 0, len(m.Extra))
	for k := range m.Extra {
		extra = append(extra, k)
	}
	sort.Strings(extra)
	for _, k := range extra {
		if !metadataTyped[k] {
			t.visit("metadata."+k, m.Extra[k])
		}
	}
	if m.Title != "" {
		t.visit("metadata.title", m.Title)
	}
	if m.Description != "" {
		t.visit("metadata.description", m.Description)
	}
	if m.Labels != nil {
		t.stringMap("metadata.labels", m.Labels)
	}
	if m.Annotations != nil {
		t.stringMap("metadata.annotations", m.Annotations)
	}
	if m.Tags != nil {
		items := make([]any, len(m.Tags))
		for i, s := range m.Tags {
			items[i] = s
		}
		t.visit("metadata.tags", items)
	}
	for _, l := range m.Links {
		t.visit("metadata.links.url", l.URL)
		if l.Title != "" {
			t.visit("metadata.links.title", l.Title)
		}
		if l.Icon != "" {
			t.visit("metadata.links.icon", l.Icon)
		}
		if l.Type != "" {
			t.visit("metadata.links.type", l.Type)
		}
	}
	if len(e.Spec) > 0 {
		t.object("spec", e.Spec)
	}
}

// metadataTyped are the metadata keys with typed fields; Extra never
// contributes them (Metadata.MarshalJSON ignores them too).
var metadataTyped = map[string]bool{
	"name": true, "namespace": true, "title": true, "description": true, "uid": true,
	"etag": true, "labels": true, "annotations": true, "tags": true, "links": true,
}

func (t *searchTraversal) stringMap(path string, m map[string]string) {
	for _, k := range sortedKeys(m) {
		t.visit(path+"."+k, m[k])
	}
}

func (t *searchTraversal) object(path string, m map[string]any) {
	for _, k := range sortedKeys(m) {
		t.visit(path+"."+k, m[k])
	}
}

// sortedKeys returns m's keys in order, so that an entity's search rows
// come out the same way every time.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (t *searchTraversal) visit(path string, v any) {
	if searchSkipped[path] {
		return
	}
	switch x := v.(type) {
	case nil, string, bool, float64:
		t.add(path, x)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			t.add(path, x.String())
			return
		}
		t.add(path, f)
	case int:
		t.add(path, float64(x))
	case int64:
		t.add(path, float64(x))
	case uint64:
		t.add(path, float64(x))
	case float32:
		t.add(path, float64(x))
	case map[string]any:
		t.object(path, x)
	case map[string]string:
		t.stringMap(path, x)
	case []any:
		for _, item := range x {
			t.visit(path, item)
			if s, ok := item.(string); ok {
				key := path + "." + s
				if !t.lowerSeen[strings.ToLower(key)] {
					t.add(key, true)
				}
			}
		}
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		t.visit(path, items)
	default:
		// Anything else came from Go code rather than a decoded document;
		// read it the way its JSON form would be read.
		b, err := json.Marshal(x)
		if err != nil {
			return
		}
		var generic any
		if json.Unmarshal(b, &generic) == nil {
			t.visit(path, generic)
		}
	}
}

// caseDuplicates names the lower-cased keys that clash, as Backstage does:
// every distinct key after the first of its lower-cased form.
func caseDuplicates(keys []string) error {
	lower := make(map[string]bool, len(keys))
	for _, k := range keys {
		lower[strings.ToLower(k)] = true
	}
	var clash []string
	for _, k := range keys {
		l := strings.ToLower(k)
		if lower[l] {
			delete(lower, l)
		} else {
			clash = append(clash, l)
		}
	}
	return problem.Input("Entity has duplicate keys that vary only in casing, '%s'", strings.Join(clash, "', '"))
}

// searchRows lower-cases, limits and de-duplicates the entries.
func searchRows(entries []searchEntry) []SearchRow {
	type rowID struct {
		key, value string
		null       bool
	}
	rows := make([]SearchRow, 0, len(entries))
	seen := make(map[rowID]bool, len(entries))
	// The rows' values and originals point into one backing array, sized
	// so that it never moves: two allocations per entity, not per row.
	strs := make([]string, 0, 2*len(entries))
	for _, e := range entries {
		key := strings.ToLower(e.key)
		if !fitsJS(key, searchMaxKeyLength) {
			continue
		}
		row := SearchRow{Key: key}
		id := rowID{key: key, null: true}
		if e.value != nil {
			original := searchString(e.value)
			value := strings.ToLower(original)
			if fitsJS(value, searchMaxValueLength) {
				strs = append(strs, value)
				row.Value = &strs[len(strs)-1]
				id.value, id.null = value, false
				if original != value {
					strs = append(strs, original)
					row.Original = &strs[len(strs)-1]
				}
			}
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		rows = append(rows, row)
	}
	return rows
}

// searchString is JavaScript's String(v) for the scalar kinds a document
// holds.
func searchString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return jsFloatString(x)
	}
	return ""
}

// jsFloatString formats a number as JavaScript's String(n): integers
// without a fraction, exponents from 1e21 and below 1e-6 written as 1e+21
// and 1.5e-7.
func jsFloatString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		digits := strings.TrimLeft(exp[1:], "0")
		return mant + "e" + exp[:1] + digits
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// fitsJS reports whether s is at most max characters long as JavaScript
// counts them, in UTF-16 code units.
func fitsJS(s string, max int) bool {
	if len(s) <= max {
		return true // never more code units than bytes
	}
	n := 0
	for _, r := range s {
		if r > 0xFFFF {
			n += 2
		} else {
			n++
		}
		if n > max {
			return false
		}
	}
	return true
}
