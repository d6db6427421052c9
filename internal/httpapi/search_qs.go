package httpapi

import (
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Backstage's search frontend sends its query with qs.stringify and the
// backend reads it with qs (Express' "extended" parser): types[0]=a,
// filters[kind]=Component, filters[lifecycle][0]=production. parseQS
// reads a raw query string the same way, with qs's defaults: keys nest up
// to qsDepth brackets (the rest of a key stays one literal segment),
// "[]" appends, indices above qsArrayLimit make an object rather than an
// array, sparse arrays are compacted, a repeated key makes an array, and
// at most qsParameterLimit parameters are read.
const (
	qsDepth          = 5
	qsArrayLimit     = 20
	qsParameterLimit = 1000
)

// qsObject is a parsed query string or a nested object of one: values are
// strings, []any (arrays) or qsObject.
type qsObject map[string]any

// parseQS parses a raw query string.
func parseQS(raw string) qsObject {
	root := qsObject{}
	for i, part := range strings.Split(raw, "&") {
		if i == qsParameterLimit {
			break
		}
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, value := qsDecode(k), qsDecode(v)
		if key == "" {
			continue
		}
		assign(root, qsSegments(key), value)
	}
	// The top level stays an object even when its keys are indices.
	for k, v := range root {
		root[k] = qsCompact(v)
	}
	return root
}

// qsDecode is qs's decoder: + is a space, bad escapes stay as written.
func qsDecode(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}

// qsBracket is one bracketed segment of a key, without nested brackets.
var qsBracket = regexp.MustCompile(`\[[^\[\]]*\]`)

// qsSegments splits a key as qs does: the parent before the first
// complete [segment], then up to qsDepth bracketed segments wherever they
// are, and the rest of the key from the next one on as one literal
// segment. A key without a complete bracket pair is one segment.
func qsSegments(key string) []string {
	groups := qsBracket.FindAllStringIndex(key, -1)
	if len(groups) == 0 {
		return []string{key}
	}
	var segs []string
	if parent := key[:groups[0][0]]; parent != "" {
		segs = append(segs, parent)
	}
	for i, g := range groups {
		if i == qsDepth {
			segs = append(segs, key[g[0]:])
			break
		}
		segs = append(segs, key[g[0]+1:g[1]-1])
	}
	return segs
}

// pushKey marks an appended ("[]") item while building; compact turns
// it into an array position.
const pushKey = "\x00push"

// assign sets the value at the path of segments, building objects on the
// way; a repeated leaf becomes an array.
func assign(obj qsObject, segs []string, value string) {
	key := segs[0]
	if len(segs) == 1 {
		switch old := obj[key].(type) {
		case nil:
			obj[key] = value
		case string:
			obj[key] = []any{old, value}
		case []any:
			obj[key] = append(old, value)
		case qsObject:
			// qs merges a plain value into an object under the next free
			// index; keep it as an appended item.
			old[pushKey+strconv.Itoa(len(old))] = value
		}
		return
	}
	child, ok := obj[key].(qsObject)
	if !ok {
		child = qsObject{}
		switch old := obj[key].(type) {
		case string:
			child["0"] = old
		case []any:
			for i, v := range old {
				child[strconv.Itoa(i)] = v
			}
		}
		obj[key] = child
	}
	next := segs[1]
	if next == "" {
		next = pushKey + strconv.Itoa(len(child))
	}
	assign(child, append([]string{next}, segs[2:]...), value)
}

// qsCompact turns objects whose keys are all array positions (indices up
// to qsArrayLimit and appended items) into arrays, in order, sparse
// positions dropped.
func qsCompact(v any) any {
	obj, ok := v.(qsObject)
	if !ok {
		return v
	}
	type pos struct {
		n   int
		key string
	}
	var positions []pos
	array := len(obj) > 0
	for k, child := range obj {
		obj[k] = qsCompact(child)
		if p, ok := strings.CutPrefix(k, pushKey); ok {
			n, _ := strconv.Atoi(p)
			positions = append(positions, pos{qsArrayLimit + 1 + n, k})
			continue
		}
		n, err := strconv.Atoi(k)
		if err != nil || n < 0 || n > qsArrayLimit || strconv.Itoa(n) != k {
			array = false
			continue
		}
		positions = append(positions, pos{n, k})
	}
	if !array {
		// An appended item in an object gets the object's next index as
		// its key, as qs does.
		for k, child := range obj {
			if p, ok := strings.CutPrefix(k, pushKey); ok {
				delete(obj, k)
				n, _ := strconv.Atoi(p)
				obj[strconv.Itoa(n)] = child
			}
		}
		return obj
	}
	sort.Slice(positions, func(i, j int) bool { return positions[i].n < positions[j].n })
	out := make([]any, len(positions))
	for i, p := range positions {
		out[i] = obj[p.key]
	}
	return out
}
