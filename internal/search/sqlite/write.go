package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlsearch"
)

// idRange is the range of document ids of generation g: the generation
// in the high 32 bits. FTS5 filters rowid ranges inside its index, so a
// query limited to the live generations needs no join with
// search_documents unless it filters on their columns.
func idRange(g int64) (lo, hi int64) { return g << 32, g<<32 | 0xffffffff }

// deleteChunk bounds the values of one IN list.
const deleteChunk = 500

// insertChunk is how many rows one multi-row INSERT writes. FTS5 writes
// the terms it holds in memory out as a new segment at every statement
// of a transaction (its savepoint), and merges segments as they pile
// up: 500 rows a statement took 16 % less CPU than 100 to index 10,000
// catalog documents (the 10 values of a row stay far below SQLite's
// limit of 32,766 variables).
const insertChunk = 500

// placeholders returns "$from, ..., $(from+n-1)".
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

func anySlice[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// deleteDocs deletes the documents matching where (over
// search_documents) with their text and owners.
func deleteDocs(ctx context.Context, tx *sql.Tx, where string, args []any) error {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM search_documents WHERE `+where, args...)
	if err != nil {
		return fmt.Errorf("find search documents: %w", err)
	}
	ids, err := sqlsearch.Column[any](rows) // int64s, as deleteIDs's arguments
	if err != nil {
		return err
	}
	return deleteIDs(ctx, tx, ids)
}

// deleteIDs deletes documents by id.
func deleteIDs(ctx context.Context, tx *sql.Tx, ids []any) error {
	for start := 0; start < len(ids); start += deleteChunk {
		chunk := ids[start:min(start+deleteChunk, len(ids))]
		in := "(" + placeholders(1, len(chunk)) + ")"
		for _, q := range []string{
			`DELETE FROM search_fts WHERE rowid IN ` + in,
			`DELETE FROM search_names_fts WHERE rowid IN ` + in,
			`DELETE FROM search_documents WHERE id IN ` + in,
		} {
			if _, err := tx.ExecContext(ctx, q, chunk...); err != nil {
				return fmt.Errorf("delete search documents: %w", err)
			}
		}
	}
	return nil
}

// insertDocs writes docs into generation g and returns the vocabulary
// words it added, to remember once the transaction commits. Ids are
// handed out here, within the generation's id range (idRange): the
// transaction holds SQLite's write lock, so max(id) cannot move under it.
func (e *Engine) insertDocs(ctx context.Context, tx *sql.Tx, g int64, docs []search.Document) ([]string, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	lo, hi := idRange(g)
	var next int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id) + 1, $1) FROM search_documents WHERE id BETWEEN $1 AND $2`, lo, hi).Scan(&next); err != nil {
		return nil, fmt.Errorf("allocate search document ids: %w", err)
	}
	if next+int64(len(docs)) > hi {
		return nil, fmt.Errorf("search generation %d is full", g)
	}
	var words []string
	for start := 0; start < len(docs); start += insertChunk {
		chunk := docs[start:min(start+insertChunk, len(docs))]
		var docArgs, ftsArgs, nameArgs []any
		for i := range chunk {
			d := &chunk[i]
			id := next
			next++
			body, err := d.JSON()
			if err != nil {
				return nil, fmt.Errorf("encode search document %s: %w", d.ID, err)
			}
			long := 0
			if d.LongText {
				long = 1
			}
			docArgs = append(docArgs, id, g, d.Type, d.ID, d.Group, search.Key(d.Name), search.Key(d.Title), long,
				d.Auth.ResourceRef, string(body))
			t := d.IndexText()
			meta := strings.Join(d.Meta(), " ")
			ftsArgs = append(ftsArgs, id, t.Title, t.Name, t.Description, t.Tags, t.Body, meta)
			nameArgs = append(nameArgs, id, t.Title, t.Name, meta)
			words = append(words, sqlsearch.NameTerms(d)...)
		}
		if err := insertRows(ctx, tx, `INSERT INTO search_documents (id, generation, type, doc_id, grp, name_key, title_key, long_text,
			res_ref, document) VALUES `, 10, docArgs); err != nil {
			return nil, fmt.Errorf("insert search documents: %w", err)
		}
		if err := insertRows(ctx, tx, `INSERT INTO search_fts (rowid, title, name, description, tags, body, meta) VALUES `, 7, ftsArgs); err != nil {
			return nil, fmt.Errorf("index search documents: %w", err)
		}
		if err := insertRows(ctx, tx, `INSERT INTO search_names_fts (rowid, title, name, meta) VALUES `, 4, nameArgs); err != nil {
			return nil, fmt.Errorf("index search document names: %w", err)
		}
	}
	return e.addTerms(ctx, tx, words)
}

// insertRows runs head with one (...) group of width values per row.
// The placeholders are anonymous (?): SQLite looks numbered ones up by
// name while parsing, which costs quadratic time in a statement with
// thousands of them.
func insertRows(ctx context.Context, tx *sql.Tx, head string, width int, args []any) error {
	if len(args) == 0 {
		return nil
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	var b strings.Builder
	b.WriteString(head)
	for r := 0; r < len(args)/width; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	_, err := tx.ExecContext(ctx, b.String(), args...)
	return err
}

// addTerms adds the words not known yet to the typo vocabulary and
// returns them.
func (e *Engine) addTerms(ctx context.Context, tx *sql.Tx, words []string) ([]string, error) {
	fresh := e.vocab.Unknown(words)
	for _, w := range fresh {
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO search_terms (term) VALUES ($1)`, w)
		if err != nil {
			return nil, fmt.Errorf("add search term: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO search_terms_trigram (term) VALUES ($1)`, w); err != nil {
				return nil, fmt.Errorf("index search term: %w", err)
			}
		}
	}
	return fresh, nil
}
