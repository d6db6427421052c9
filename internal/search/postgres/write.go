package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlsearch"
)

// insertChunk is how many rows one multi-row INSERT writes.
const insertChunk = 200

// deleteIDs deletes documents by id with their owners.
func deleteIDs(ctx context.Context, tx *sql.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_document_owners WHERE doc = ANY($1)`, ids); err != nil {
		return fmt.Errorf("delete search document owners: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_documents WHERE id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("delete search documents: %w", err)
	}
	return nil
}

// insertDocs writes docs into generation g and returns the vocabulary
// words it added.
func (e *Engine) insertDocs(ctx context.Context, tx *sql.Tx, g int64, docs []search.Document) ([]string, error) {
	var words []string
	for start := 0; start < len(docs); start += insertChunk {
		chunk := docs[start:min(start+insertChunk, len(docs))]
		var a sqlsearch.Args
		var rowsSQL []string
		owners := map[string][]string{}
		for i := range chunk {
			d := &chunk[i]
			body, err := d.JSON()
			if err != nil {
				return nil, fmt.Errorf("encode search document %s: %w", d.ID, err)
			}
			t := d.IndexText()
			cols := sqlsearch.ColumnValues(d)
			vals := []string{
				a.Add(g) + "::bigint", a.Add(d.Type), a.Add(d.ID), a.Add(d.Group),
				a.Add(search.Key(d.Name)), a.Add(search.Key(d.Title)), a.Add(d.LongText) + "::boolean",
				a.Add(cols[0]), a.Add(cols[1]), a.Add(cols[2]), a.Add(cols[3]), a.Add(cols[4]),
				a.Add(d.Auth.ResourceRef), a.Add(strings.ToLower(d.Auth.Kind)), a.Add(d.Title), a.Add(d.Text),
				a.Add(search.SplitName(t.Title)), a.Add(t.Name), a.Add(search.SplitName(t.Description)), a.Add(search.SplitName(t.Tags)),
				a.Add(search.SplitName(t.Body)), a.Add(string(body)),
			}
			rowsSQL = append(rowsSQL, "("+strings.Join(vals, ", ")+")")
			owners[d.ID] = dedupe(d.Auth.Owners)
			words = append(words, sqlsearch.NameTerms(d)...)
		}
		stmt := `INSERT INTO search_documents (generation, type, doc_id, grp, name_key, title_key, long_text,
				f_kind, f_type, f_lifecycle, f_owner, f_namespace, res_ref, res_kind, title, text, tsv_fields, tsv, document)
			SELECT v.generation, v.type, v.doc_id, v.grp, v.name_key, v.title_key, v.long_text,
				v.f_kind, v.f_type, v.f_lifecycle, v.f_owner, v.f_namespace, v.res_ref, v.res_kind, v.title, v.text,
				f.tsv, f.tsv || setweight(to_tsvector('simple', v.i_body), 'D'), v.document
			FROM (VALUES ` + strings.Join(rowsSQL, ", ") + `) AS v(generation, type, doc_id, grp, name_key, title_key, long_text,
				f_kind, f_type, f_lifecycle, f_owner, f_namespace, res_ref, res_kind, title, text,
				i_title, i_name, i_description, i_tags, i_body, document)
			CROSS JOIN LATERAL (SELECT setweight(to_tsvector('simple', v.i_title), 'A') || setweight(to_tsvector('simple', v.i_name), 'B')
				|| setweight(to_tsvector('simple', v.i_description), 'C') || setweight(to_tsvector('simple', v.i_tags), 'D') AS tsv) f
			ON CONFLICT (generation, doc_id) DO UPDATE SET grp = excluded.grp, name_key = excluded.name_key,
				title_key = excluded.title_key, long_text = excluded.long_text, f_kind = excluded.f_kind, f_type = excluded.f_type,
				f_lifecycle = excluded.f_lifecycle, f_owner = excluded.f_owner, f_namespace = excluded.f_namespace,
				res_ref = excluded.res_ref, res_kind = excluded.res_kind, title = excluded.title, text = excluded.text,
				tsv_fields = excluded.tsv_fields, tsv = excluded.tsv, document = excluded.document
			RETURNING id, doc_id`
		rows, err := tx.QueryContext(ctx, stmt, a.Values...)
		if err != nil {
			return nil, fmt.Errorf("insert search documents: %w", err)
		}
		var ownerRefs []string
		var ownerDocs []int64
		for rows.Next() {
			var id int64
			var docID string
			if err := rows.Scan(&id, &docID); err != nil {
				rows.Close()
				return nil, err
			}
			for _, o := range owners[docID] {
				ownerRefs = append(ownerRefs, strings.ToLower(o))
				ownerDocs = append(ownerDocs, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("insert search documents: %w", err)
		}
		if len(ownerRefs) > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO search_document_owners (owner, doc)
				SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING`, ownerRefs, ownerDocs); err != nil {
				return nil, fmt.Errorf("insert search document owners: %w", err)
			}
		}
	}
	return e.addTerms(ctx, tx, words)
}

// addTerms adds the words not known yet to the typo vocabulary and
// returns them.
func (e *Engine) addTerms(ctx context.Context, tx *sql.Tx, words []string) ([]string, error) {
	e.termsMu.Lock()
	var fresh []string
	for _, w := range words {
		if !e.terms[w] {
			fresh = append(fresh, w)
		}
	}
	e.termsMu.Unlock()
	fresh = dedupe(fresh)
	if len(fresh) == 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_terms (term) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, fresh); err != nil {
		return nil, fmt.Errorf("add search terms: %w", err)
	}
	return fresh, nil
}

// rememberTerms notes words as being in the vocabulary, after the
// transaction that added them committed.
func (e *Engine) rememberTerms(words []string) {
	e.termsMu.Lock()
	for _, w := range words {
		e.terms[w] = true
	}
	e.termsMu.Unlock()
}

func dedupe(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
