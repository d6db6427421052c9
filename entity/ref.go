package entity

import "strings"

// DefaultNamespace is the namespace of entities that name none.
const DefaultNamespace = "default"

// Ref identifies an entity by kind, namespace and name.
type Ref struct {
	Kind      string
	Namespace string
	Name      string
}

// String returns the canonical form kind:namespace/name, lower-cased, as used
// in relations, database keys and permission resource refs.
func (r Ref) String() string {
	ns := r.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	return strings.ToLower(r.Kind) + ":" + strings.ToLower(ns) + "/" + strings.ToLower(r.Name)
}

// Canonical returns r with every part lower-cased and the namespace defaulted.
func (r Ref) Canonical() Ref {
	ns := r.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	return Ref{Kind: strings.ToLower(r.Kind), Namespace: strings.ToLower(ns), Name: strings.ToLower(r.Name)}
}

// RefDefaults fills parts that a reference string leaves out.
type RefDefaults struct {
	Kind      string // no default when empty: a ref without a kind is an error
	Namespace string // DefaultNamespace when empty
}

// ParseRef parses [<kind>:][<namespace>/]<name> as Backstage's
// parseEntityRef does: the kind ends at the first ':' and the namespace at
// the first '/', except that a '/' before the first ':' means there is no
// kind (the colon then belongs to the name). The name is everything after
// them, so it may contain further ':' and '/'. Missing parts come from d;
// the namespace defaults to DefaultNamespace. Nothing is trimmed or
// lower-cased.
func ParseRef(s string, d RefDefaults) (Ref, error) {
	if s == "" {
		return Ref{}, &ValidationError{Message: "Entity reference must not be empty"}
	}
	colon := strings.IndexByte(s, ':')
	slash := strings.IndexByte(s, '/')
	if slash >= 0 && slash < colon {
		colon = -1
	}
	var kind, ns string
	hasKind, hasNS := colon >= 0, slash >= 0
	if hasKind {
		kind = s[:colon]
	}
	if hasNS {
		ns = s[colon+1 : slash]
	}
	name := s[max(colon, slash)+1:]
	if hasKind && kind == "" || hasNS && ns == "" || name == "" {
		return Ref{}, &ValidationError{Message: `Entity reference "` + s + `" was not on the form [<kind>:][<namespace>/]<name>`}
	}
	if !hasKind {
		kind = d.Kind
	}
	if !hasNS {
		ns = d.Namespace
		if ns == "" {
			ns = DefaultNamespace
		}
	}
	if kind == "" {
		return Ref{}, &ValidationError{Message: "Entity reference " + jsonQuote(s) + ` had missing or empty kind (e.g. did not start with "component:" or similar)`}
	}
	return Ref{Kind: kind, Namespace: ns, Name: name}, nil
}

// MustParseRef is ParseRef for references known to be valid, such as
// constants in tests. It panics on error.
func MustParseRef(s string) Ref {
	r, err := ParseRef(s, RefDefaults{})
	if err != nil {
		panic(err)
	}
	return r
}
