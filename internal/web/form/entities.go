package form

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/callboard/callboard/entity"
)

// Entities offers catalog entities to the entity pickers. Each query asks
// for at most Limit entities, so a picker never reads the whole catalog.
type Entities interface {
	Suggest(ctx context.Context, q EntityQuery) ([]EntityOption, error)
}

// EntityQuery describes the entities a picker offers.
type EntityQuery struct {
	// Filters are alternatives: an entity is offered when it matches any
	// of them (all of them match everything). Each maps a catalog field
	// key (kind, spec.type, metadata.annotations.x ...) to what it must
	// hold.
	Filters []Filter
	// OwnedBy, when not empty, keeps the entities owned by one of these
	// refs (OwnedEntityPicker: the user and their groups).
	OwnedBy []string
	Limit   int
}

// Filter maps field keys to conditions, all of which must hold.
type Filter map[string]Condition

// Condition is what one field must hold: one of Values, or, with Exists,
// just be present.
type Condition struct {
	Values []string
	Exists bool
}

// EntityOption is one entity a picker offers: its ref (the value) and a
// label to show beside it.
type EntityOption struct {
	Ref   string
	Label string
}

// maxSuggestions bounds the entities one picker offers.
const maxSuggestions = 50

// pickerKind describes a Backstage entity picker field extension.
type pickerKind struct {
	// defaultKinds is the kind filter when the field sets neither
	// catalogFilter nor allowedKinds.
	defaultKinds []string
	// defaultKind completes a typed name that has no kind.
	defaultKind string
	// owned offers the entities the reader owns; member the groups the
	// reader is a member of.
	owned, member bool
}

// pickers are the entity picker extensions, by ui:field.
var pickers = map[string]pickerKind{
	"EntityPicker":      {},
	"MultiEntityPicker": {},
	"OwnerPicker":       {defaultKinds: []string{"Group", "User"}, defaultKind: "Group"},
	"OwnedEntityPicker": {owned: true},
	"MyGroupsPicker":    {defaultKinds: []string{"Group"}, defaultKind: "Group", member: true},
}

// pickerQuery builds the query of an entity picker from its ui:options:
// catalogFilter (an object or a list of them; {exists: true} for
// presence), else allowedKinds, else the picker's default kinds.
func pickerQuery(s Schema, pk pickerKind, ownership []string) (EntityQuery, error) {
	opts := uiOptions(s)
	q := EntityQuery{Limit: maxSuggestions}
	if pk.owned {
		if len(ownership) == 0 {
			return q, errNoOwnership
		}
		q.OwnedBy = ownership
	}
	if pk.member {
		// The reader's groups: those having the reader as a member.
		var user string
		for _, r := range ownership {
			if strings.HasPrefix(r, "user:") {
				user = r
				break
			}
		}
		if user == "" {
			return q, errNoOwnership
		}
		q.Filters = []Filter{{"kind": {Values: []string{"Group"}}, "relations.hasMember": {Values: []string{user}}}}
		return q, nil
	}
	switch cf := opts["catalogFilter"].(type) {
	case nil:
	case map[string]any:
		f, err := parseFilter(cf)
		if err != nil {
			return q, err
		}
		q.Filters = []Filter{f}
	case []any:
		for i, it := range cf {
			m, ok := it.(map[string]any)
			if !ok {
				return q, fmt.Errorf("ui:options.catalogFilter[%d] must be an object", i)
			}
			f, err := parseFilter(m)
			if err != nil {
				return q, fmt.Errorf("ui:options.catalogFilter[%d]: %w", i, err)
			}
			q.Filters = append(q.Filters, f)
		}
	default:
		return q, fmt.Errorf("ui:options.catalogFilter must be an object or a list of objects")
	}
	kinds := stringList(opts, "allowedKinds")
	if len(kinds) == 0 && len(q.Filters) == 0 {
		kinds = pk.defaultKinds
	}
	if len(kinds) > 0 {
		if len(q.Filters) == 0 {
			q.Filters = []Filter{{}}
		}
		for i := range q.Filters {
			f := Filter{}
			for k, c := range q.Filters[i] {
				f[k] = c
			}
			f["kind"] = Condition{Values: kinds}
			q.Filters[i] = f
		}
	}
	return q, nil
}

// errNoOwnership leaves an owned-entity picker without suggestions when
// the reader owns nothing (no user, or not signed in).
var errNoOwnership = fmt.Errorf("no ownership to look entities up by")

// parseFilter reads one catalogFilter object: each key maps to a string,
// a list of strings, or {exists: true}.
func parseFilter(m map[string]any) (Filter, error) {
	f := Filter{}
	for _, k := range sortedKeys(m) {
		switch v := m[k].(type) {
		case string:
			f[k] = Condition{Values: []string{v}}
		case []any:
			var vals []string
			for _, it := range v {
				s, ok := it.(string)
				if !ok {
					return nil, fmt.Errorf("catalogFilter %s must list strings", k)
				}
				vals = append(vals, s)
			}
			f[k] = Condition{Values: vals}
		case map[string]any:
			if ex, ok := v["exists"].(bool); ok && ex {
				f[k] = Condition{Exists: true}
				continue
			}
			return nil, fmt.Errorf("catalogFilter %s: only {exists: true} is understood", k)
		default:
			return nil, fmt.Errorf("catalogFilter %s must be a string, a list of strings or {exists: true}", k)
		}
	}
	return f, nil
}

// canonicalRef completes a typed entity name as Backstage's pickers do:
// with the default kind and namespace it becomes kind:namespace/name (kind
// and namespace lower-cased); without a kind to use it stays as typed.
func canonicalRef(typed, defaultKind, defaultNamespace string) string {
	s := strings.TrimSpace(typed)
	if s == "" {
		return ""
	}
	r, err := entity.ParseRef(s, entity.RefDefaults{Kind: defaultKind, Namespace: defaultNamespace})
	if err != nil {
		return s
	}
	return strings.ToLower(r.Kind) + ":" + strings.ToLower(r.Namespace) + "/" + r.Name
}

// pickerDefaults are an entity picker's defaultKind and defaultNamespace.
func pickerDefaults(s Schema, pk pickerKind) (kind, namespace string) {
	opts := uiOptions(s)
	kind = str(opts, "defaultKind")
	if kind == "" {
		kind = pk.defaultKind
	}
	if kind == "" {
		if ks := stringList(opts, "allowedKinds"); len(ks) == 1 {
			kind = ks[0]
		}
	}
	return kind, str(opts, "defaultNamespace")
}

// validTag is Backstage's rule for entity tags: lower-case letters,
// digits and :+# in words joined by single dashes, at most 63 characters.
func validTag(t string) bool {
	if t == "" || len(t) > 63 {
		return false
	}
	for _, word := range strings.Split(t, "-") {
		if word == "" {
			return false
		}
		for _, r := range word {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || slices.Contains([]rune(":+#"), r)) {
				return false
			}
		}
	}
	return true
}

// validEntityName is Backstage's rule for metadata.name: 1 to 63
// characters, letters and digits, with - _ . allowed inside.
func validEntityName(n string) bool {
	if n == "" || len(n) > 63 {
		return false
	}
	alnum := func(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' }
	for i := 0; i < len(n); i++ {
		if !alnum(n[i]) && (i == 0 || i == len(n)-1 || !strings.ContainsRune("-_.", rune(n[i]))) {
			return false
		}
	}
	return true
}
