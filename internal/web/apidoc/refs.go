package apidoc

import (
	"net/url"
	"strconv"
	"strings"
)

// resolver follows local $refs ("#/components/schemas/Pet") inside one
// decoded definition. Anything else (another file, a URL) stays
// unresolved and is shown by its text.
type resolver struct {
	root any
	// named maps the refs of the definition's reusable schemas to the
	// anchor of their entry in the Schemas section.
	named map[string]string
}

// maxRefHops bounds a chain of $refs pointing at $refs.
const maxRefHops = 32

// deref follows v's $ref chain. It returns the mapping reached (nil when
// v is not a mapping or a ref cannot be followed), the ref text of the
// last hop ("" when v was not a ref) and whether every hop resolved.
func (r *resolver) deref(v any) (target *object, ref string, ok bool) {
	o, _ := v.(*object)
	seen := map[*object]bool{}
	for range maxRefHops {
		if o == nil {
			return nil, ref, ref == ""
		}
		s, isRef := o.get("$ref").(string)
		if !isRef {
			return o, ref, true
		}
		if seen[o] {
			return nil, ref, false
		}
		seen[o] = true
		ref = s
		next, found := r.pointer(s)
		if !found {
			return nil, ref, false
		}
		o, _ = next.(*object)
	}
	return nil, ref, false
}

// pointer returns the value a local ref points at.
func (r *resolver) pointer(ref string) (any, bool) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	if frag == "" {
		return r.root, true
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, false
	}
	cur := r.root
	for _, tok := range strings.Split(frag[1:], "/") {
		if unesc, err := url.PathUnescape(tok); err == nil {
			tok = unesc
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := cur.(type) {
		case *object:
			if !x.has(tok) {
				return nil, false
			}
			cur = x.get(tok)
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// refName is the last segment of a ref: the schema's name.
func refName(ref string) string {
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		ref = ref[i+1:]
	}
	return strings.ReplaceAll(strings.ReplaceAll(ref, "~1", "/"), "~0", "~")
}

// anchorID makes an element id from parts: letters, digits and hyphens
// only, so ids are valid and predictable.
func anchorID(parts ...string) string {
	var b strings.Builder
	b.WriteString("apidoc")
	for _, p := range parts {
		b.WriteByte('-')
		dash := false
		for _, c := range strings.ToLower(p) {
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				b.WriteRune(c)
				dash = false
			case !dash:
				b.WriteByte('-')
				dash = true
			}
		}
	}
	return b.String()
}

// uniqueIDs hands out element ids, numbering repeats.
type uniqueIDs map[string]int

func (u uniqueIDs) id(parts ...string) string {
	id := anchorID(parts...)
	n := u[id]
	u[id] = n + 1
	if n > 0 {
		return id + "-" + strconv.Itoa(n+1)
	}
	return id
}
