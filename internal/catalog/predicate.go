package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// ParsePredicate parses a predicate body (§a.8, Backstage's
// @backstage/filter-predicates) into a Predicate. Empty input and JSON null
// mean "no filter" and return nil.
//
// Logical operators are recognised by presence, in the order $not, $all,
// $any, the way Backstage applies them; any other key of an object is a
// field key, matched against the search table lower-cased.
func ParsePredicate(raw json.RawMessage) (*Predicate, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if !json.Valid(raw) {
		return nil, problem.Input("Invalid filter predicate: the query is not valid JSON")
	}
	p, err := parsePredicateNode(raw)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func parsePredicateNode(raw json.RawMessage) (Predicate, error) {
	fields, isObject, err := objectMembers(raw)
	if err != nil {
		return Predicate{}, err
	}
	if !isObject {
		return Predicate{}, problem.Input(
			"Invalid filter predicate: top-level primitive values are not supported. Wrap the value in a field expression, e.g. { \"kind\": %s }",
			compactJSON(raw))
	}
	if v, ok := member(fields, "$not"); ok {
		child, err := parsePredicateNode(v)
		if err != nil {
			return Predicate{}, err
		}
		return Predicate{Op: OpNot, Children: []Predicate{child}}, nil
	}
	for _, op := range []struct {
		key string
		op  PredicateOp
	}{{"$all", OpAll}, {"$any", OpAny}} {
		v, ok := member(fields, op.key)
		if !ok {
			continue
		}
		items, err := arrayItems(v)
		if err != nil {
			return Predicate{}, problem.Input("Invalid filter predicate: %s must be an array, but got %s", op.key, compactJSON(v))
		}
		children := make([]Predicate, 0, len(items))
		for _, item := range items {
			child, err := parsePredicateNode(item)
			if err != nil {
				return Predicate{}, err
			}
			children = append(children, child)
		}
		return Predicate{Op: op.op, Children: children}, nil
	}
	// A field expression: every key must hold; {} matches everything.
	children := make([]Predicate, 0, len(fields))
	for _, f := range fields {
		child, err := parseFieldValue(strings.ToLower(f.key), f.value)
		if err != nil {
			return Predicate{}, err
		}
		children = append(children, child)
	}
	if len(children) == 1 {
		return children[0], nil
	}
	return Predicate{Op: OpAll, Children: children}, nil
}

func parseFieldValue(key string, raw json.RawMessage) (Predicate, error) {
	if s, ok, err := primitiveString(raw); err != nil {
		return Predicate{}, err
	} else if ok {
		return fieldEq(key, s), nil
	}
	ops, isObject, err := objectMembers(raw)
	if err != nil {
		return Predicate{}, err
	}
	if isObject {
		if v, ok := member(ops, "$exists"); ok {
			var b bool
			if err := json.Unmarshal(v, &b); err == nil {
				return Predicate{Op: OpField, Key: key, Match: FieldMatch{Kind: MatchExists, Exists: b}}, nil
			}
			return Predicate{}, badFieldValue(key, raw)
		}
		if v, ok := member(ops, "$in"); ok {
			items, err := arrayItems(v)
			if err != nil {
				return Predicate{}, badFieldValue(key, raw)
			}
			values := make([]string, 0, len(items))
			for _, item := range items {
				s, ok, err := primitiveString(item)
				if err != nil {
					return Predicate{}, err
				}
				if !ok {
					return Predicate{}, badFieldValue(key, raw)
				}
				values = append(values, s)
			}
			return Predicate{Op: OpField, Key: key, Match: FieldMatch{Kind: MatchEq, Values: values}}, nil
		}
		if v, ok := member(ops, "$hasPrefix"); ok {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return Predicate{}, badFieldValue(key, raw)
			}
			return Predicate{Op: OpField, Key: key, Match: FieldMatch{Kind: MatchPrefix, Values: []string{strings.ToLower(s)}}}, nil
		}
		if v, ok := member(ops, "$contains"); ok {
			return parseContains(key, v)
		}
	}
	return Predicate{}, badFieldValue(key, raw)
}

func badFieldValue(key string, raw json.RawMessage) error {
	return problem.Input("Invalid filter predicate value for field \"%s\": expected a primitive value, $exists, $in, $hasPrefix, or $contains operator, but got %s",
		key, compactJSON(raw))
}

// parseContains handles {"$contains": target}. A primitive target is an
// array-item match (the search table cannot tell arrays from objects, as in
// Backstage); an object target is only allowed on "relations".
func parseContains(key string, target json.RawMessage) (Predicate, error) {
	if s, ok, err := primitiveString(target); err != nil {
		return Predicate{}, err
	} else if ok {
		return fieldEq(key, s), nil
	}
	members, isObject, err := objectMembers(target)
	if err != nil {
		return Predicate{}, err
	}
	if !isObject {
		return Predicate{}, problem.Input("Unsupported $contains target for field \"%s\": %s", key, compactJSON(target))
	}
	if key != "relations" {
		return Predicate{}, problem.Input("Object form of $contains is not supported for field \"%s\"", key)
	}
	var (
		relType  *string
		targets  []string
		hasRefOp bool
	)
	const needType = `The $contains operator for "relations" requires a "type" string property`
	for _, m := range members {
		switch strings.ToLower(m.key) {
		case "type":
			if relType != nil {
				return Predicate{}, problem.Input("Duplicate key \"%s\" in $contains for \"relations\"", m.key)
			}
			var s string
			if err := json.Unmarshal(m.value, &s); err != nil || !isJSONString(m.value) {
				return Predicate{}, problem.Input(needType)
			}
			relType = &s
		case "targetref":
			if hasRefOp {
				return Predicate{}, problem.Input("Duplicate key \"%s\" in $contains for \"relations\"", m.key)
			}
			refs, err := parseRelationTargets(m.value)
			if err != nil {
				return Predicate{}, err
			}
			targets, hasRefOp = refs, true
		default:
			return Predicate{}, problem.Input("Unsupported key \"%s\" in $contains for \"relations\". Only \"type\" and \"targetRef\" are supported", m.key)
		}
	}
	if relType == nil || *relType == "" {
		return Predicate{}, problem.Input(needType)
	}
	relKey := "relations." + strings.ToLower(*relType)
	if !hasRefOp {
		return Predicate{Op: OpField, Key: relKey, Match: FieldMatch{Kind: MatchExists, Exists: true}}, nil
	}
	return Predicate{Op: OpField, Key: relKey, Match: FieldMatch{Kind: MatchEq, Values: targets}}, nil
}

func parseRelationTargets(raw json.RawMessage) ([]string, error) {
	var s string
	if isJSONString(raw) && json.Unmarshal(raw, &s) == nil {
		return []string{strings.ToLower(s)}, nil
	}
	bad := problem.Input(`Unsupported value in $contains for "relations": expected a string or { "$in": [strings] }, but got %s`, compactJSON(raw))
	members, isObject, err := objectMembers(raw)
	if err != nil || !isObject || len(members) != 1 || members[0].key != "$in" {
		return nil, bad
	}
	items, err := arrayItems(members[0].value)
	if err != nil {
		return nil, bad
	}
	refs := make([]string, 0, len(items))
	for _, item := range items {
		var s string
		if !isJSONString(item) || json.Unmarshal(item, &s) != nil {
			return nil, bad
		}
		refs = append(refs, strings.ToLower(s))
	}
	if len(refs) == 0 {
		return nil, problem.Input(`Empty "$in" array for $contains on "relations" is not allowed`)
	}
	return refs, nil
}

func fieldEq(key, value string) Predicate {
	return Predicate{Op: OpField, Key: key, Match: FieldMatch{Kind: MatchEq, Values: []string{value}}}
}

// AllOf combines predicates with AND, skipping nil ones; nil when none is
// left. POST /entities/by-refs uses it to join the query-string filter
// with the body's query.
func AllOf(ps ...*Predicate) *Predicate {
	var kept []Predicate
	for _, p := range ps {
		if p != nil {
			kept = append(kept, *p)
		}
	}
	switch len(kept) {
	case 0:
		return nil
	case 1:
		return &kept[0]
	}
	return &Predicate{Op: OpAll, Children: kept}
}

// MarshalJSON writes the predicate in Backstage's predicate syntax, so that
// ParsePredicate reads it back. Cursors carry predicates this way, and the
// text is the canonical form used as a cache key.
func (p Predicate) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := p.writeJSON(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// UnmarshalJSON reads Backstage's predicate syntax (see ParsePredicate);
// null reads as a predicate that matches everything.
func (p *Predicate) UnmarshalJSON(b []byte) error {
	q, err := ParsePredicate(b)
	if err != nil {
		return err
	}
	if q == nil {
		*p = Predicate{Op: OpAll}
		return nil
	}
	*p = *q
	return nil
}

func (p Predicate) writeJSON(b *bytes.Buffer) error {
	switch p.Op {
	case OpAll, OpAny, "":
		op := "$all"
		if p.Op == OpAny {
			op = "$any"
		}
		b.WriteString(`{"` + op + `":[`)
		for i, c := range p.Children {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := c.writeJSON(b); err != nil {
				return err
			}
		}
		b.WriteString("]}")
	case OpNot:
		if len(p.Children) != 1 {
			return fmt.Errorf("predicate: $not needs exactly one child, has %d", len(p.Children))
		}
		b.WriteString(`{"$not":`)
		if err := p.Children[0].writeJSON(b); err != nil {
			return err
		}
		b.WriteByte('}')
	case OpField:
		b.WriteByte('{')
		writeJSONString(b, p.Key)
		b.WriteByte(':')
		switch p.Match.Kind {
		case MatchEq:
			if len(p.Match.Values) == 1 {
				writeJSONString(b, p.Match.Values[0])
			} else {
				b.WriteString(`{"$in":[`)
				for i, v := range p.Match.Values {
					if i > 0 {
						b.WriteByte(',')
					}
					writeJSONString(b, v)
				}
				b.WriteString("]}")
			}
		case MatchExists:
			fmt.Fprintf(b, `{"$exists":%t}`, p.Match.Exists)
		case MatchPrefix:
			if len(p.Match.Values) != 1 {
				return fmt.Errorf("predicate: prefix match on %q needs one value", p.Key)
			}
			b.WriteString(`{"$hasPrefix":`)
			writeJSONString(b, p.Match.Values[0])
			b.WriteByte('}')
		default:
			return fmt.Errorf("predicate: unknown match kind %q", p.Match.Kind)
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("predicate: unknown operator %q", p.Op)
	}
	return nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always marshals
	b.Write(enc)
}

// canonicalKey returns the predicate's canonical text, "" for nil.
func canonicalKey(p *Predicate) (string, error) {
	if p == nil {
		return "", nil
	}
	b, err := p.MarshalJSON()
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// jsonMember is one key of a JSON object, in source order.
type jsonMember struct {
	key   string
	value json.RawMessage
}

// objectMembers returns the members of a JSON object in source order; a
// repeated key keeps its first position and its last value, as
// JavaScript's JSON.parse does. isObject is false for any other JSON value.
func objectMembers(raw json.RawMessage) (members []jsonMember, isObject bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, false, problem.Input("Invalid filter predicate: %v", err)
	}
	index := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false, problem.Input("Invalid filter predicate: %v", err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false, problem.Input("Invalid filter predicate: %v", err)
		}
		if i, ok := index[key]; ok {
			members[i].value = v
			continue
		}
		index[key] = len(members)
		members = append(members, jsonMember{key: key, value: v})
	}
	return members, true, nil
}

func member(ms []jsonMember, key string) (json.RawMessage, bool) {
	for _, m := range ms {
		if m.key == key {
			return m.value, true
		}
	}
	return nil, false
}

var errNotArray = errors.New("not an array")

func arrayItems(raw json.RawMessage) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return nil, errNotArray
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	return items, nil
}

func isJSONString(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '"'
}

// primitiveString converts a JSON string, number or boolean the way
// JavaScript's String(v).toLocaleLowerCase() does; ok is false for null,
// arrays and objects.
func primitiveString(raw json.RawMessage) (s string, ok bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false, nil
	}
	switch c := raw[0]; {
	case c == '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, problem.Input("Invalid filter predicate: %v", err)
		}
		return strings.ToLower(s), true, nil
	case c == 't' || c == 'f':
		return string(raw), true, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return jsNumberString(string(raw)), true, nil
	}
	return "", false, nil
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// decodeStrict decodes one JSON value into v and rejects trailing data.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}
