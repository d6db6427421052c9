package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Engine indexes documents by type and answers queries. Each type has
// its own index, replaced as a whole by a rebuild. Engines are safe for
// concurrent use.
type Engine interface {
	// Replace makes the documents of type typ in each of groups exactly
	// those of docs with that group: documents of the groups that docs
	// does not hold are deleted. It writes to the live index of typ; a
	// type never built gets one.
	Replace(ctx context.Context, typ string, groups []string, docs []Document) error
	// Rebuild starts a new index for typ, filled by the returned
	// Rebuild and swapped in atomically by its Commit. Queries see the
	// previous index until then.
	Rebuild(ctx context.Context, typ string) (Rebuild, error)
	// Search runs a query.
	Search(ctx context.Context, q *EngineQuery) (*EngineResult, error)
	// Suggest returns documents whose name or title, or a word of it,
	// begins with the prefix, best first.
	Suggest(ctx context.Context, q *SuggestQuery) ([]Hit, error)
	// Types lists the types that have a live index.
	Types(ctx context.Context) ([]string, error)
	// LoadState and SaveState keep the indexer's small state (its place
	// in the catalog's change feed) with the index, so that it survives
	// restarts and is shared by replicas.
	LoadState(ctx context.Context, key string) (string, bool, error)
	SaveState(ctx context.Context, key, value string) error
}

// Locker is implemented by engines shared by several processes
// (PostgreSQL, OpenSearch is not): TryLock takes a named lock for as long
// as the process holds it, so that one replica keeps the index fresh.
// unlock releases it.
type Locker interface {
	TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error)
}

// Compactor is implemented by engines whose index reads faster once
// compacted after rebuilds (the SQLite engine's FTS5 segments): the
// indexer calls Compact after each pass of rebuilds, once for all the
// types a reindex rebuilt.
type Compactor interface {
	Compact(ctx context.Context) error
}

// Rebuild fills a new index of one type.
type Rebuild interface {
	// Add indexes a batch of documents.
	Add(ctx context.Context, docs []Document) error
	// Commit makes the new index the live one and drops the old.
	Commit(ctx context.Context) error
	// Abort drops the new index; the live one stays.
	Abort(ctx context.Context) error
}

// EngineQuery is a query as engines run it.
type EngineQuery struct {
	// Types are the document types to search; never empty.
	Types []string
	Query Query
	// Fuzzy asks the engine to correct typos: each of Query.FuzzyWords
	// also matches the vocabulary words of names and titles within
	// MaxEdits of it (see Corrections).
	Fuzzy bool
	// Filters must all hold (AND); see Filter.
	Filters []Filter
	// Access restricts the documents to those whose entity meets it; nil
	// allows all. It is never opaque (the Service relaxes it).
	Access *Condition
	Offset int
	Limit  int
}

// Filter keeps the documents whose field has one of Values (OR), compared
// lower-cased; a list field matches when any of its items does.
type Filter struct {
	Field  string
	Values []string
}

// EngineResult is one page of an engine's answer.
type EngineResult struct {
	Hits []Hit
	// Total is how many documents match, counted up to MaxCount (a
	// larger count is reported as MaxCount).
	Total int
}

// MaxCount bounds how far engines count matches (as Elasticsearch's
// track_total_hits does, at 10,000 by default): a result set larger than
// this reports MaxCount. Counting further costs more than finding a page
// for a common word, and nobody pages that far.
const MaxCount = 1000

// Hit is one matching document.
type Hit struct {
	Type     string
	Document json.RawMessage
	// Highlight holds fields with the matched words wrapped in PreTag and
	// PostTag: "title" (all of it) and "text" (a snippet), each only when
	// it matched.
	Highlight   map[string]string
	ResourceRef string
}

// Highlight tags, as Backstage's engines write them.
const (
	PreTag  = "<>"
	PostTag = "</>"
)

// SuggestQuery asks for completions of what is typed in the search box.
type SuggestQuery struct {
	Types []string
	// Prefix is Key(typed text), at least MinSuggestPrefix runes: its
	// last word is a prefix, the words before it must match as words.
	Prefix string
	Access *Condition
	Limit  int
}

// MinSuggestPrefix is the shortest prefix suggestions are made for.
const MinSuggestPrefix = 2

// ErrMissingIndex is returned (wrapped in a *MissingIndexError) when a
// query names a type whose index was never built.
var ErrMissingIndex = errors.New("missing index")

// MissingIndexError names the type without an index.
type MissingIndexError struct{ Type string }

func (e *MissingIndexError) Error() string {
	return fmt.Sprintf("Missing index for %s. This could be because the index hasn't been created yet or there was a problem during index creation.", e.Type)
}

// Unwrap makes the error match ErrMissingIndex.
func (e *MissingIndexError) Unwrap() error { return ErrMissingIndex }
