package entity

import (
	"fmt"
	"strings"
)

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

// ParseRef parses [<kind>:][<namespace>/]<name> as Backstage's parseEntityRef
// does: find the first ':' and the first '/'; a '/' before the ':' makes the
// colon part of the name.
func ParseRef(s string, d RefDefaults) (Ref, error) {
	kind, ns, name, err := splitRef(s)
	if err != nil {
		return Ref{}, err
	}
	if kind == "" {
		if d.Kind == "" {
			return Ref{}, fmt.Errorf("Entity reference %q had missing or empty kind (e.g. did not start with \"component:\" or similar)", s)
		}
		kind = d.Kind
	}
	if ns == "" {
		ns = d.Namespace
		if ns == "" {
			ns = DefaultNamespace
		}
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

func splitRef(s string) (kind, ns, name string, err error) {
	bad := func() error {
		return fmt.Errorf("Entity reference %q was not on the form [<kind>:][<namespace>/]<name>", s)
	}
	rest := s
	colon := strings.IndexByte(s, ':')
	slash := strings.IndexByte(s, '/')
	if colon >= 0 && (slash < 0 || colon < slash) {
		kind = s[:colon]
		if kind == "" {
			return "", "", "", bad()
		}
		rest = s[colon+1:]
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		ns = rest[:i]
		name = rest[i+1:]
		if ns == "" || name == "" {
			return "", "", "", bad()
		}
	} else {
		name = rest
	}
	if name == "" {
		return "", "", "", bad()
	}
	return kind, ns, name, nil
}
