package search

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// Meta tokens put what filters and permission conditions test into the
// full-text index itself, as words of a column or weight users' words
// never reach: the document's owners, its entity's kind and the values of
// its fields. A filter or a condition then becomes part of the engine's
// match expression, which the index answers by intersecting posting
// lists, however large or small the sets.

// MetaAll is a token every document has: a condition that holds for all,
// and the left side of a negation.
const MetaAll = "mall"

// MetaNone is a token no document has: a condition that holds for none.
const MetaNone = "mnone"

// Meta token kinds.
const (
	metaOwner = "owner"
	metaKind  = "kind"
	metaField = "field."
)

// MetaToken returns the token of one value of a kind of fact: a word of
// letters and digits every tokenizer keeps whole.
func MetaToken(kind, value string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + strings.ToLower(value)))
	return "m" + hex.EncodeToString(sum[:12])
}

// Meta returns the document's meta tokens, MetaAll first.
func (d *Document) Meta() []string {
	out := []string{MetaAll, MetaToken(metaKind, d.Auth.Kind)}
	for _, o := range d.Auth.Owners {
		out = append(out, MetaToken(metaOwner, o))
	}
	for k, v := range d.Fields() {
		if k == "text" {
			continue
		}
		for _, s := range FilterValues(v) {
			out = append(out, MetaToken(metaField+k, s))
		}
	}
	slices.Sort(out[1:])
	return slices.Compact(out)
}

// MetaExpr is a boolean expression over meta tokens: exactly one of
// Token, And, Or or Not is set. And of nothing is true, Or of nothing
// false.
type MetaExpr struct {
	Token string
	And   []MetaExpr
	Or    []MetaExpr
	Not   *MetaExpr
}

// Constrained reports whether e restricts anything (is not the empty
// And).
func (e MetaExpr) Constrained() bool {
	return e.Token != "" || e.Or != nil || e.Not != nil || len(e.And) > 0
}

// Restriction returns the expression of filters and a relaxed permission
// condition together (nil Access allows all).
func Restriction(filters []Filter, access *Condition) MetaExpr {
	and := []MetaExpr{}
	for _, f := range filters {
		or := make([]MetaExpr, len(f.Values))
		for i, v := range f.Values {
			or[i] = MetaExpr{Token: MetaToken(metaField+f.Field, v)}
		}
		and = append(and, MetaExpr{Or: or})
	}
	if access != nil {
		and = append(and, accessExpr(access))
	}
	if len(and) == 1 {
		return and[0]
	}
	return MetaExpr{And: and}
}

func accessExpr(c *Condition) MetaExpr {
	switch {
	case c.AllOf != nil:
		and := make([]MetaExpr, len(c.AllOf))
		for i := range c.AllOf {
			and[i] = accessExpr(&c.AllOf[i])
		}
		return MetaExpr{And: and}
	case c.AnyOf != nil:
		or := make([]MetaExpr, len(c.AnyOf))
		for i := range c.AnyOf {
			or[i] = accessExpr(&c.AnyOf[i])
		}
		return MetaExpr{Or: or}
	case c.Not != nil:
		n := accessExpr(c.Not)
		return MetaExpr{Not: &n}
	case c.Rule == RuleOwner, c.Rule == RuleKind:
		kind := metaOwner
		if c.Rule == RuleKind {
			kind = metaKind
		}
		or := make([]MetaExpr, len(c.Values))
		for i, v := range c.Values {
			or[i] = MetaExpr{Token: MetaToken(kind, v)}
		}
		return MetaExpr{Or: or}
	}
	// An opaque rule left in allows; the Service checks afterwards.
	return MetaExpr{And: []MetaExpr{}}
}

// Holds evaluates e on a document's meta tokens.
func (e MetaExpr) Holds(tokens map[string]bool) bool {
	switch {
	case e.Token != "":
		return tokens[e.Token]
	case e.Not != nil:
		return !e.Not.Holds(tokens)
	case e.Or != nil:
		for _, o := range e.Or {
			if o.Holds(tokens) {
				return true
			}
		}
		return false
	}
	for _, a := range e.And {
		if !a.Holds(tokens) {
			return false
		}
	}
	return true
}
