package postgres

import (
	"strings"

	"github.com/callboard/callboard/internal/search"
)

// tsquery texts of a parsed query, in tsquery's input syntax. Words
// are runs of letters and digits (search.Words), always quoted, so
// nothing a user types is read as tsquery syntax. weights restricts
// every lexeme to those weights ("" for any).

func lexeme(w string, prefix bool, weights string) string {
	s := "'" + w + "'"
	if prefix || weights != "" {
		s += ":"
		if prefix {
			s += "*"
		}
		s += weights
	}
	return s
}

func phraseQuery(p search.Phrase, weights string) string {
	parts := make([]string, len(p.Words))
	for i, w := range p.Words {
		parts[i] = lexeme(w, p.Prefix && i == len(p.Words)-1, weights)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " <-> ") + ")"
}

func termQuery(t search.Term, weights string) string {
	parts := make([]string, len(t.Alts))
	for i, p := range t.Alts {
		parts[i] = phraseQuery(p, weights)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " | ") + ")"
}

// positiveQuery is the AND of the terms that must match; "" when none.
func positiveQuery(q search.Query, weights string) string {
	var parts []string
	for _, t := range q.Terms {
		if !t.Exclude {
			parts = append(parts, termQuery(t, weights))
		}
	}
	return strings.Join(parts, " & ")
}

// excludedQuery matches any of the excluded terms; "" when none.
func excludedQuery(q search.Query) string {
	var parts []string
	for _, t := range q.Terms {
		if t.Exclude {
			parts = append(parts, termQuery(t, ""))
		}
	}
	return strings.Join(parts, " | ")
}

// tierWeights are the weights of each ranking tier: a document belongs
// to the first tier whose weights hold every term: titles (A), names (B),
// descriptions (C), tags (D), then the body (tsv, any weight).
var tierWeights = []string{"A", "AB", "ABC", "ABCD", ""}

// metaQuery writes a meta expression as tsquery text; "" when it
// restricts nothing.
func metaQuery(e search.MetaExpr) string {
	if !e.Constrained() {
		return ""
	}
	return metaNode(e)
}

func metaNode(e search.MetaExpr) string {
	switch {
	case e.Token != "":
		return "'" + e.Token + "'"
	case e.Not != nil:
		return "!" + metaNode(*e.Not)
	case e.Or != nil:
		if len(e.Or) == 0 {
			return "'" + search.MetaNone + "'"
		}
		return "(" + joinNodes(e.Or, " | ") + ")"
	}
	if len(e.And) == 0 {
		return "'" + search.MetaAll + "'"
	}
	return "(" + joinNodes(e.And, " & ") + ")"
}

func joinNodes(es []search.MetaExpr, op string) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = metaNode(e)
	}
	return strings.Join(parts, op)
}

// and joins tsquery texts with &, leaving out empty ones.
func and(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, "("+p+")")
		}
	}
	return strings.Join(kept, " & ")
}
