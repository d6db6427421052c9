package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/callboard/callboard/internal/search"
	"github.com/callboard/callboard/internal/search/sqlsearch"
)

// run finds the page of ids and the total. The tiers are read in order,
// each from the narrowest index holding its words, until the page is
// full: a word common in titles fills the page, and the total, from the
// titles' tier alone. When the tiers read hold at most MaxCount
// documents, the rest are then counted in one statement, up to what the
// total still needs. A restricted query whose matches runSmall found to
// be more than MaxCount counts nothing more.
func (s *query) run(ctx context.Context) ([]int64, int, error) {
	total := 0
	if s.q.Access != nil {
		ids, n, err := s.runSmall(ctx)
		if err != nil || n <= smallSet {
			return ids, n, err
		}
		// More than smallSet (≥ MaxCount) matches: the total is known to
		// pass MaxCount, and counting the tiers after the page would read
		// the same postings again.
		total = search.MaxCount + 1
	}
	tiers := []int{}
	if s.exact != "" {
		tiers = append(tiers, -1)
	}
	for t := range tierWeights {
		tiers = append(tiers, t)
	}
	var ids []int64
	skip, need := s.q.Offset, s.q.Limit
	read := noTier
	for _, t := range tiers {
		if need == 0 {
			if total <= search.MaxCount {
				n, err := s.countAfter(ctx, read, search.MaxCount+1-total)
				if err != nil {
					return nil, 0, err
				}
				total += n
			}
			break
		}
		got, n, err := s.rankedPage(ctx, t, skip, need)
		if err == nil && n > rankCap {
			got, n, err = s.largeTierPage(ctx, t, skip, need)
		}
		if err != nil {
			return nil, 0, err
		}
		if t < 0 && n == 0 {
			// No exact match: the tiers need not leave any out.
			s.exact = ""
		}
		ids = append(ids, got...)
		need -= len(got)
		skip = max(0, skip-n)
		total += n
		read = t
	}
	return ids, min(total, search.MaxCount), nil
}

// countAfter counts the documents of the tiers after tier read, up to
// upTo. A GIN lookup cannot stop early, and an exact count over common
// words costs about 150 ns a posting read: most of a query's time when
// every document holding each word is read. So subsets of the documents
// that are cheaper to count come first, and the full count only when
// they fall short:
//   - the index's sample (sampled), an eighth of the documents, whose
//     index reads an eighth of each word's postings: a query of words
//     common enough to pass a large upTo usually has upTo of them there;
//   - when only the tags' and the body's tiers are left, the documents
//     holding all the words in the fields or all of them in the body
//     (allInOne): each index answers that in one lookup of all the
//     words, where the tiers' own condition (each word in the fields or
//     the body) ORs and ANDs a bitmap of every document holding each
//     word. Before the description's tier is read, most such documents
//     are those of the tiers read, found again to be left out, and with
//     one word the two conditions are the same.
//
// Phrases are left to the full count, as a phrase in bodies is checked
// by reading them.
func (s *query) countAfter(ctx context.Context, read, upTo int) (int, error) {
	var subsets []func(a *sqlsearch.Args) string
	if !s.hasPhrase() {
		if upTo >= sampleMinCount {
			subsets = append(subsets, func(a *sqlsearch.Args) string { return s.sampled(a, read) })
		}
		if read >= 2 && s.positiveTerms() > 1 {
			subsets = append(subsets, func(a *sqlsearch.Args) string { return s.allInOne(a, read) })
		}
	}
	for _, cond := range subsets {
		n, err := s.countCond(ctx, cond, upTo)
		if err != nil || n >= upTo {
			return n, err
		}
	}
	return s.countCond(ctx, func(a *sqlsearch.Args) string { return s.after(a, read) }, upTo)
}

// sampleMinCount is the smallest count taken from the sample first. A
// count of a few documents stops at the first few it finds, from a plan
// that reads the table in order when the words are common, where the
// sample's bitmap holds every sampled document holding the words.
const sampleMinCount = 100

// sampleBound is the id below which a document is in the index's sample:
// ids are spread evenly over [0, idModulus) (scrambledID), so an eighth
// of the documents are. Migration 0017 indexes their fields and body as
// one vector, in a partial index whose condition is this comparison; the
// planner uses it for a statement holding the same one, written as a
// constant.
const sampleBound = "1152921504606846976" // 2^60

// sampled matches the documents of the sample that after(read) matches,
// for a query without phrases: a subset of after's. With the meta tokens
// in the fields and in the body, each term holds in one of the two when
// every term holds in the two together, which the sample's index answers
// in one lookup. (A phrase could run from the fields into the body of
// the joined vector.)
func (s *query) sampled(a *sqlsearch.Args, read int) string {
	cond := "(d.tsv_fields || d.tsv_body) @@ " + tsq(a, and(s.pos, s.meta)) + " AND d.id < " + sampleBound
	if s.excl != "" {
		cond += " AND " + s.notExcluded(a)
	}
	if read == noTier {
		return cond
	}
	return cond + s.notUpTo(a, read)
}

// allInOne matches the documents of the tiers after tier t (-1 for the
// exact matches) that hold every word in the fields or every word in the
// body: a subset of after's. Like after's condition, it holds for
// documents all over the table, so that a plan reading the table in
// order to find the first few finds them early.
func (s *query) allInOne(a *sqlsearch.Args, t int) string {
	p := tsq(a, and(s.pos, s.meta))
	cond := "(d.tsv_fields @@ " + p + " OR d.tsv_body @@ " + p + ")"
	if s.excl != "" {
		cond += " AND " + s.notExcluded(a)
	}
	return cond + s.notUpTo(a, t)
}

// hasPhrase reports whether a term that must match has a phrase of
// several words among its alternatives.
func (s *query) hasPhrase() bool {
	for _, t := range s.parsed.Terms {
		if t.Exclude {
			continue
		}
		for _, p := range t.Alts {
			if len(p.Words) > 1 {
				return true
			}
		}
	}
	return false
}

// positiveTerms is how many terms must match.
func (s *query) positiveTerms() int {
	n := 0
	for _, t := range s.parsed.Terms {
		if !t.Exclude {
			n++
		}
	}
	return n
}

// noTier stands for no tier read yet.
const noTier = -2

// after matches the documents of the tiers after tier t (-1 for the
// exact matches, noTier for none).
func (s *query) after(a *sqlsearch.Args, t int) string {
	if t == noTier {
		return s.level(a, len(tierWeights)-1)
	}
	return s.tiers(a, t, len(tierWeights)-1)
}

// rankedPage reads in one statement how many documents of tier t (-1
// for the exact matches) there are, counted up to rankCap+1, and, when
// they are at most rankCap, a page of them by rank (largeTierPage serves
// a larger tier). The documents are read from the table once, into a
// materialized CTE, in whatever order the table holds them, and ranked
// only when the set is small enough; a toasted body is read only to rank
// the body's tier.
func (s *query) rankedPage(ctx context.Context, t, offset, limit int) ([]int64, int, error) {
	var a sqlsearch.Args
	where := s.tierCond(&a, t) + " AND " + s.inGenerations(&a)
	rank := s.rank(&a, t)
	read := "d.id, d.tsv_fields"
	if t >= len(tierWeights)-1 {
		read += ", d.tsv_body"
	}
	stmt := `WITH m AS MATERIALIZED (SELECT ` + read + ` FROM search_documents d WHERE ` + where +
		` LIMIT ` + strconv.Itoa(rankCap+1) + `),
		c AS (SELECT count(*) AS n FROM m)
		SELECT c.n, array_to_string(ARRAY(SELECT d.id FROM (SELECT d.id, ` + rank + ` AS r
			FROM m d WHERE c.n <= ` + strconv.Itoa(rankCap) + ` OFFSET 0) d ORDER BY d.r DESC, d.id LIMIT ` + strconv.Itoa(limit) +
		` OFFSET ` + strconv.Itoa(offset) + `), ',') FROM c`
	return s.countedPage(ctx, stmt, a.Values)
}

// largeTierPage reads a page of tier t, a tier of more than rankCap
// documents, by id: ranking all of it would read every document of the
// tier, and the id order holds from one page to the next, as the order
// the table holds the documents in does not. Ids are scrambled
// (scrambledID), so the planner may take the matches to be spread
// evenly over the ids: it reads a common word's first page in the
// primary key's order, checking a few hundred documents, and sorts a
// tier it expects to be smaller than the documents it would check. n
// is the tier's size when the page reaches its end, and more than
// rankCap before it (the total stops at search.MaxCount anyway).
func (s *query) largeTierPage(ctx context.Context, t, offset, limit int) ([]int64, int, error) {
	cond := func(a *sqlsearch.Args) string { return s.tierCond(a, t) }
	ids, err := s.fetchCond(ctx, cond, byID, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	if len(ids) > 0 || offset == 0 {
		return ids, max(rankCap+1, offset+len(ids)), nil
	}
	// A page past the tier's end: the next tier's pages follow on from
	// its size.
	n, err := s.countCond(ctx, cond, offset)
	return nil, n, err
}

// countedPage runs a statement returning a count and a comma-separated
// list of ids (one text column, so that the count arrives even when the
// page is empty).
func (s *query) countedPage(ctx context.Context, stmt string, args []any) ([]int64, int, error) {
	var n int
	var list string
	if err := s.e.queryRow(ctx, stmt, args...).Scan(&n, &list); err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	if list == "" {
		return nil, n, nil
	}
	parts := strings.Split(list, ",")
	ids := make([]int64, len(parts))
	for i, p := range parts {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("search: read id %q: %w", p, err)
		}
		ids[i] = id
	}
	return ids, n, nil
}

// smallSet is the largest set a restricted query ranks as a whole (no
// tier of it is larger than rankCap).
const smallSet = rankCap

// A restricted query whose matches are more than smallSet has a total of
// search.MaxCount (run): this does not compile if smallSet were smaller.
const _ = uint(smallSet - search.MaxCount)

// runSmall reads the matches of a query restricted by a permission
// condition as a whole when they are at most smallSet, in one statement,
// as run would tier by tier: a permission condition usually leaves few
// matches, and the statement of each tier would repeat the index's work
// on the condition (its tokens, such as a kind, match many documents).
// n is smallSet+1 for a larger set, whose ids are nil.
func (s *query) runSmall(ctx context.Context) ([]int64, int, error) {
	var a sqlsearch.Args
	body := len(tierWeights) - 1
	where := s.level(&a, body) + " AND " + s.inGenerations(&a)
	tier := "CASE"
	if s.exact != "" {
		e := a.Add(s.exact)
		tier += " WHEN d.name_key = " + e + " OR d.title_key = " + e + " THEN -1"
	}
	// The fields' vector holds the titles and names with their weights:
	// the set carries no other.
	for t, w := range tierWeights[:body] {
		tier += " WHEN d.tsv_fields @@ " + tsq(&a, positiveQuery(s.parsed, w)) + " THEN " + strconv.Itoa(t)
	}
	tier += " ELSE " + strconv.Itoa(body) + " END"
	capText := strconv.Itoa(smallSet)
	from, to := strconv.Itoa(s.q.Offset), strconv.Itoa(s.q.Offset+s.q.Limit)
	// Only the tiers the page reaches are ranked (upto - size counts the
	// documents of the tiers before a document's own): ranking the body's
	// tier reads each document's body, often from TOAST.
	stmt := `WITH m AS MATERIALIZED (SELECT d.id, d.name_key, d.title_key, d.tsv_fields, d.tsv_body
			FROM search_documents d WHERE ` + where + ` LIMIT ` + strconv.Itoa(smallSet+1) + `),
		c AS (SELECT count(*) AS n FROM m)
		SELECT c.n, array_to_string(ARRAY(SELECT d.id FROM (
				SELECT d.*, count(*) OVER (ORDER BY d.tier) AS upto, count(*) OVER (PARTITION BY d.tier) AS size
				FROM (SELECT d.id, d.tsv_fields, d.tsv_body, ` + tier + ` AS tier FROM m d WHERE c.n <= ` + capText + ` OFFSET 0) d) d
			ORDER BY d.tier, CASE WHEN d.upto - d.size >= ` + to + ` OR d.upto <= ` + from + ` THEN NULL
				WHEN d.tier = ` + strconv.Itoa(body) + ` THEN ` + s.rank(&a, body) + ` ELSE ` + s.rank(&a, 0) + ` END DESC, d.id
			LIMIT ` + strconv.Itoa(s.q.Limit) + ` OFFSET ` + strconv.Itoa(s.q.Offset) + `), ',') FROM c`
	return s.countedPage(ctx, stmt, a.Values)
}
