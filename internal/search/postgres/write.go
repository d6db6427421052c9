package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlsearch"
)

// insertChunk is how many rows one multi-row INSERT writes.
const insertChunk = 250

// deleteIDs deletes documents by id.
func deleteIDs(ctx context.Context, tx *sql.Tx, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_documents WHERE id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("delete search documents: %w", err)
	}
	return nil
}

// insertSQL writes rows of values into search_documents, computing the
// tsvectors from the text columns: names (title, name), fields (and
// description, tags) and the body, each with the meta tokens (weight D;
// users' words are never meta tokens). Ids are the id sequence's values
// scrambled (scrambledID).
const insertSQL = `INSERT INTO search_documents (id, generation, type, doc_id, grp, name_key, title_key, res_ref, tsv_names, tsv_fields, tsv_body, document)
	SELECT ` + scrambledID + `, v.generation, v.type, v.doc_id, v.grp, v.name_key, v.title_key, v.res_ref,
		n.tsv || m.tsv, f.tsv || m.tsv, b.tsv || m.tsv, v.document
	FROM (VALUES %s) AS v(generation, type, doc_id, grp, name_key, title_key, res_ref,
		i_title, i_name, i_description, i_tags, i_meta, i_body, document)
	CROSS JOIN LATERAL (SELECT setweight(to_tsvector('simple', v.i_title), 'A') || setweight(to_tsvector('simple', v.i_name), 'B') AS tsv) n
	CROSS JOIN LATERAL (SELECT n.tsv || setweight(to_tsvector('simple', v.i_description), 'C')
		|| setweight(to_tsvector('simple', v.i_tags), 'D') AS tsv) f
	CROSS JOIN LATERAL (SELECT to_tsvector('simple', v.i_meta) AS tsv) m
	CROSS JOIN LATERAL (SELECT setweight(to_tsvector('simple', v.i_body), 'D') AS tsv) b
	ON CONFLICT (generation, doc_id) DO UPDATE SET grp = excluded.grp, name_key = excluded.name_key,
		title_key = excluded.title_key, res_ref = excluded.res_ref, tsv_names = excluded.tsv_names,
		tsv_fields = excluded.tsv_fields, tsv_body = excluded.tsv_body, document = excluded.document`

// scrambledID is a new document's id: the next value of the id sequence
// times the golden ratio of idModulus, modulo idModulus, a prime. Each
// value gives another id (a multiplication modulo a prime is a
// bijection), and the ids of documents written one after another are
// spread evenly over the range, so that the order of ids has nothing to
// do with the order documents were written in (the catalog's, by entity
// reference) nor with their words: a tier read in id order
// (largeTierPage) meets its documents at the rate the tier holds them
// in the whole index, wherever they were written.
const scrambledID = `mod(nextval('search_documents_id_seq')::numeric * 5700357409661599227, ` + idModulus + `)::bigint`

// idModulus is the largest prime below 2^63.
const idModulus = "9223372036854775783"

// insertDocs writes docs into generation g and returns the vocabulary
// words it added. Text is indexed with its punctuation turned into
// spaces (search.SplitName), so words split as the SQLite engine splits
// them whatever PostgreSQL's parser makes of e-mail addresses, paths and
// hyphenated words.
func (e *Engine) insertDocs(ctx context.Context, tx *sql.Tx, g int64, docs []search.Document) ([]string, error) {
	var words []string
	for start := 0; start < len(docs); start += insertChunk {
		chunk := docs[start:min(start+insertChunk, len(docs))]
		var a sqlsearch.Args
		var rowsSQL []string
		for i := range chunk {
			d := &chunk[i]
			body, err := d.JSON()
			if err != nil {
				return nil, fmt.Errorf("encode search document %s: %w", d.ID, err)
			}
			t := d.IndexText()
			vals := []string{
				a.Add(g) + "::bigint", a.Add(d.Type), a.Add(d.ID), a.Add(d.Group),
				a.Add(search.Key(d.Name)), a.Add(search.Key(d.Title)), a.Add(d.Auth.ResourceRef),
				a.Add(search.SplitName(t.Title)), a.Add(t.Name), a.Add(search.SplitName(t.Description)),
				a.Add(search.SplitName(t.Tags)), a.Add(strings.Join(d.Meta(), " ")), a.Add(search.SplitName(t.Body)),
				a.Add(string(body)),
			}
			rowsSQL = append(rowsSQL, "("+strings.Join(vals, ", ")+")")
			words = append(words, sqlsearch.NameTerms(d)...)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(insertSQL, strings.Join(rowsSQL, ", ")), a.Values...); err != nil {
			return nil, fmt.Errorf("insert search documents: %w", err)
		}
	}
	return e.addTerms(ctx, tx, words)
}

// addTerms adds the words not known yet to the typo vocabulary and
// returns them. They are inserted in sorted order: a rebuild writes
// batches on several connections (and replaces run beside it), and two
// transactions inserting the same new words in different orders each
// wait for a word the other holds (a deadlock, which failed a rebuild).
func (e *Engine) addTerms(ctx context.Context, tx *sql.Tx, words []string) ([]string, error) {
	fresh := e.vocab.Unknown(words)
	slices.Sort(fresh)
	if len(fresh) == 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_terms (term) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, fresh); err != nil {
		return nil, fmt.Errorf("add search terms: %w", err)
	}
	return fresh, nil
}
