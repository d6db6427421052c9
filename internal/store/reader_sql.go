package store

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/callboard/callboard/internal/catalog"
)

// sqlArgs collects the parameters of a statement being built and knows
// its dialect.
type sqlArgs struct {
	dialect Dialect
	args    []any
	// byIDAside: a first load has SQLite's search_id_key set aside.
	byIDAside bool
}

// args starts the parameters of a statement on r's database.
func (r *CatalogReader) args() sqlArgs {
	return sqlArgs{dialect: r.db.Dialect, byIDAside: r.db.searchByIDAside.Load()}
}

// byEntity names the search table, as alias, for a probe that looks up
// the rows of one entity (id = ? AND key = ?). SQLite, lacking statistics,
// would rather walk search_key_value on the key alone, which reads every
// row of that key, so it is told which index to use, unless a first load
// has it set aside: INDEXED BY a missing index fails the statement.
func (a *sqlArgs) byEntity(alias string) string {
	if a.dialect == SQLite && !a.byIDAside {
		return "search " + alias + " INDEXED BY search_id_key"
	}
	return "search " + alias
}

// add appends a parameter and returns its placeholder. SQLite gets
// anonymous "?" placeholders, so parameters must be added in the order
// they appear in the text: SQLite resolves "$N" names by a linear search,
// which made statements with hundreds of parameters (by-refs) quadratic.
func (a *sqlArgs) add(v any) string {
	a.args = append(a.args, v)
	if a.dialect == SQLite {
		return "?"
	}
	return "$" + strconv.Itoa(len(a.args))
}

// predicateSQL compiles a predicate into a boolean SQL expression that
// holds for the entity whose final_entities.id is idExpr. Every field
// condition is an EXISTS probe into search on (key, value, id), which the
// search_key_value index answers with one seek, so conditions cost the
// same whichever table drives the query. $not and $exists: false become
// NOT (...) and NOT EXISTS (...), which also match entities lacking the key.
func predicateSQL(p *catalog.Predicate, idExpr string, a *sqlArgs) (string, error) {
	var b strings.Builder
	if err := writePredicate(&b, p, idExpr, a); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writePredicate(b *strings.Builder, p *catalog.Predicate, idExpr string, a *sqlArgs) error {
	switch p.Op {
	case catalog.OpAll, catalog.OpAny, "":
		if len(p.Children) == 0 {
			if p.Op == catalog.OpAny {
				b.WriteString("(1=0)")
			} else {
				b.WriteString("(1=1)")
			}
			return nil
		}
		join := " AND "
		if p.Op == catalog.OpAny {
			join = " OR "
		}
		b.WriteByte('(')
		for i := range p.Children {
			if i > 0 {
				b.WriteString(join)
			}
			if err := writePredicate(b, &p.Children[i], idExpr, a); err != nil {
				return err
			}
		}
		b.WriteByte(')')
	case catalog.OpNot:
		if len(p.Children) != 1 {
			return fmt.Errorf("predicate: $not needs exactly one child, has %d", len(p.Children))
		}
		b.WriteString("NOT ")
		return writePredicate(b, &p.Children[0], idExpr, a)
	case catalog.OpField:
		return writeField(b, p.Key, p.Match, idExpr, a)
	default:
		return fmt.Errorf("predicate: unknown operator %q", p.Op)
	}
	return nil
}

// manySeeks is the number of values above which an equality probe reads
// the entity's rows of the key instead of seeking each value.
const manySeeks = 2

func writeField(b *strings.Builder, key string, m catalog.FieldMatch, idExpr string, a *sqlArgs) error {
	switch m.Kind {
	case catalog.MatchEq:
		if len(m.Values) == 0 {
			b.WriteString("(1=0)")
			return nil
		}
		if len(m.Values) > manySeeks {
			// One seek to the entity's rows of the key beats one seek per
			// value (a permission filter's claims can be dozens).
			b.WriteString("EXISTS (SELECT 1 FROM " + a.byEntity("f") + " WHERE f.id = ")
			b.WriteString(idExpr)
			b.WriteString(" AND f.key = ")
			b.WriteString(a.add(key))
			b.WriteString(" AND f.value")
			writeIn(b, m.Values, a)
			b.WriteByte(')')
			return nil
		}
		b.WriteString("EXISTS (SELECT 1 FROM search f WHERE f.key = ")
		b.WriteString(a.add(key))
		b.WriteString(" AND f.value")
		writeIn(b, m.Values, a)
		b.WriteString(" AND f.id = ")
		b.WriteString(idExpr)
		b.WriteByte(')')
	case catalog.MatchExists:
		if !m.Exists {
			b.WriteString("NOT ")
		}
		b.WriteString("EXISTS (SELECT 1 FROM " + a.byEntity("f") + " WHERE f.id = ")
		b.WriteString(idExpr)
		b.WriteString(" AND f.key = ")
		b.WriteString(a.add(key))
		b.WriteByte(')')
	case catalog.MatchPrefix:
		if len(m.Values) != 1 {
			return fmt.Errorf("predicate: prefix match on %q needs one value", key)
		}
		// substr rather than LIKE: no escaping, and the same meaning on
		// both databases (SQLite's LIKE folds ASCII case, PostgreSQL's
		// does not; values are lower-cased either way).
		prefix := m.Values[0]
		b.WriteString("EXISTS (SELECT 1 FROM " + a.byEntity("f") + " WHERE f.id = ")
		b.WriteString(idExpr)
		b.WriteString(" AND f.key = ")
		b.WriteString(a.add(key))
		fmt.Fprintf(b, " AND substr(f.value, 1, %d) = ", utf8.RuneCountInString(prefix))
		b.WriteString(a.add(prefix))
		b.WriteByte(')')
	default:
		return fmt.Errorf("predicate: unknown match kind %q", m.Kind)
	}
	return nil
}

// writeIn writes " = $n" or " IN ($n, ...)".
func writeIn(b *strings.Builder, values []string, a *sqlArgs) {
	if len(values) == 1 {
		b.WriteString(" = ")
		b.WriteString(a.add(values[0]))
		return
	}
	b.WriteString(" IN (")
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.add(v))
	}
	b.WriteByte(')')
}

// conjuncts flattens nested $all nodes into the list of conditions that
// must all hold.
func conjuncts(p *catalog.Predicate) []*catalog.Predicate {
	if p == nil {
		return nil
	}
	if p.Op == catalog.OpAll || p.Op == "" {
		var out []*catalog.Predicate
		for i := range p.Children {
			out = append(out, conjuncts(&p.Children[i])...)
		}
		return out
	}
	return []*catalog.Predicate{p}
}

// andSQL compiles a list of conjuncts; "" when there are none.
func andSQL(ps []*catalog.Predicate, idExpr string, a *sqlArgs) (string, error) {
	var parts []string
	for _, p := range ps {
		s, err := predicateSQL(p, idExpr, a)
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " AND "), nil
}
