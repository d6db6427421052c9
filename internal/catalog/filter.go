package catalog

import (
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// ParseFilterParams parses the filter query parameters of §a.2. Each value
// is one filter set; sets are ORed. Inside a set, comma-separated
// statements (trimmed, empty ones dropped) are ANDed, except that
// statements repeating a key merge into one condition on that key:
// "kind=component,kind=api" matches either value. A statement without "="
// asserts that the key exists; when a key has both forms in one set, the
// existence check wins, since it is their OR. Keys and values are
// lower-cased. It returns nil when no set has a statement.
func ParseFilterParams(values []string) (*Predicate, error) {
	var sets []Predicate
	for _, v := range values {
		set, err := parseFilterSet(v)
		if err != nil {
			return nil, err
		}
		if set != nil {
			sets = append(sets, *set)
		}
	}
	switch len(sets) {
	case 0:
		return nil, nil
	case 1:
		return &sets[0], nil
	}
	return &Predicate{Op: OpAny, Children: sets}, nil
}

// parseFilterSet parses one filter parameter, e.g. "kind=user,spec.type".
func parseFilterSet(s string) (*Predicate, error) {
	type condition struct {
		exists bool
		values []string
	}
	var (
		order  []string
		byKey  = map[string]*condition{}
		parsed bool
	)
	for stmt := range strings.SplitSeq(s, ",") {
		stmt = strings.TrimSpace(stmt)
		if stmt == "" {
			continue
		}
		key, value, hasValue := strings.Cut(stmt, "=")
		key = strings.TrimSpace(key)
		if key == "" {
			return nil, problem.Input("Invalid filter, '%s' is not a valid statement (expected a string on the form a=b or a= or a)", stmt)
		}
		parsed = true
		// Keys merge as typed, like Backstage; they are matched lower-cased.
		c, ok := byKey[key]
		if !ok {
			c = &condition{}
			byKey[key] = c
			order = append(order, key)
		}
		if hasValue {
			c.values = append(c.values, strings.ToLower(strings.TrimSpace(value)))
		} else {
			c.exists = true
		}
	}
	if !parsed {
		return nil, nil
	}
	conds := make([]Predicate, 0, len(order))
	for _, key := range order {
		c := byKey[key]
		p := Predicate{Op: OpField, Key: strings.ToLower(key)}
		if c.exists {
			p.Match = FieldMatch{Kind: MatchExists, Exists: true}
		} else {
			p.Match = FieldMatch{Kind: MatchEq, Values: dedupe(c.values)}
		}
		conds = append(conds, p)
	}
	if len(conds) == 1 {
		return &conds[0], nil
	}
	return &Predicate{Op: OpAll, Children: conds}, nil
}

func dedupe(values []string) []string {
	seen := make(map[string]bool, len(values))
	out := values[:0:0]
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
