package sqlite

import (
	"strings"

	"github.com/callboard/callboard/internal/search"
)

// FTS5 query expressions of a parsed query. Words are runs of letters
// and digits (search.Words), always quoted, so nothing a user types is
// read as FTS5 syntax.

// phrase is a phrase: its words in quotes, a prefix marked with *.
func phrase(p search.Phrase) string {
	s := `"` + strings.Join(p.Words, " ") + `"`
	if p.Prefix {
		s += " *"
	}
	return s
}

// termExpr matches any of the term's alternatives.
func termExpr(t search.Term) string {
	if len(t.Alts) == 1 {
		return phrase(t.Alts[0])
	}
	parts := make([]string, len(t.Alts))
	for i, p := range t.Alts {
		parts[i] = phrase(p)
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// positiveExpr is the AND of the terms that must match; "" when none.
func positiveExpr(q search.Query) string {
	var parts []string
	for _, t := range q.Terms {
		if !t.Exclude {
			parts = append(parts, termExpr(t))
		}
	}
	return strings.Join(parts, " AND ")
}

// excludedExpr is the OR of the excluded terms; "" when none.
func excludedExpr(q search.Query) string {
	var parts []string
	for _, t := range q.Terms {
		if t.Exclude {
			parts = append(parts, termExpr(t))
		}
	}
	return strings.Join(parts, " OR ")
}

// textColumns are the columns users' words are matched in: never meta.
const textColumns = "{title name description tags body}"

// tierColumns are the columns each ranking tier matches in: a document
// belongs to the first tier whose columns hold every term, so that
// matches in titles come first, then names, descriptions, tags and the
// body.
var tierColumns = []string{"{title}", "{title name}", "{title name description}", "{title name description tags}", textColumns}

// within restricts expr to a column set.
func within(cols, expr string) string { return cols + " : (" + expr + ")" }

// tierExpr is the expression of tier t (an index of tierColumns): pos
// within its columns but not within the previous tier's, without the
// excluded terms.
func tierExpr(t int, pos, excl string) string {
	e := within(tierColumns[t], pos)
	if t > 0 {
		e = "(" + e + ") NOT " + within(tierColumns[t-1], pos)
	}
	return withoutExcluded(e, excl)
}

// withoutExcluded appends the exclusions to expr.
func withoutExcluded(expr, excl string) string {
	if excl == "" {
		return expr
	}
	return "(" + expr + ") NOT " + within(textColumns, excl)
}

// metaExpr writes a meta expression over the meta column; "" when it
// restricts nothing.
func metaExpr(e search.MetaExpr) string {
	if !e.Constrained() {
		return ""
	}
	return "{meta} : (" + metaNode(e) + ")"
}

func metaNode(e search.MetaExpr) string {
	switch {
	case e.Token != "":
		return `"` + e.Token + `"`
	case e.Not != nil:
		return `("` + search.MetaAll + `" NOT ` + metaNode(*e.Not) + `)`
	case e.Or != nil:
		if len(e.Or) == 0 {
			return `"` + search.MetaNone + `"`
		}
		return "(" + joinNodes(e.Or, " OR ") + ")"
	}
	if len(e.And) == 0 {
		return `"` + search.MetaAll + `"`
	}
	return "(" + joinNodes(e.And, " AND ") + ")"
}

func joinNodes(es []search.MetaExpr, op string) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = metaNode(e)
	}
	return strings.Join(parts, op)
}

// restricted ANDs a meta expression to expr.
func restricted(expr, meta string) string {
	if meta == "" {
		return expr
	}
	return "(" + expr + ") AND " + meta
}

// FTS5 keeps a copy of the indexed text in its content table, a row per
// document keyed by rowid with the columns in declaration order (c0 to
// c5). Reading documents by id there costs a third of reading them
// through the virtual table, which answers each rowid with a cursor of
// its own; ranking reads up to rankCap documents a query.
const (
	ftsContent     = "search_fts_content"
	ftsTitle       = "c0"
	ftsName        = "c1"
	ftsDescription = "c2"
	ftsTags        = "c3"
	ftsBody        = "c4"
	ftsMeta        = "c5"
)
