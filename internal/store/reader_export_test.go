package store

import (
	"context"

	"github.com/callboard/callboard/internal/catalog"
)

// MemberSetsBuilt counts the member sets r holds built.
func MemberSetsBuilt(r *CatalogReader) int {
	r.members.mu.Lock()
	defer r.members.mu.Unlock()
	n := 0
	for _, s := range r.members.sets {
		if s.built {
			n++
		}
	}
	return n
}

// FillPage exposes fillPage: it fills rows' JSON as of generation gen,
// when their entities have the given hashes.
func FillPage(ctx context.Context, r *CatalogReader, rows []catalog.EntityRow, gen int64, hashes []string) error {
	return r.fillPage(ctx, r.query, rows, pageAt{gen: gen, hashes: hashes}, byHash)
}

// ErrPageChanged is errPageChanged.
var ErrPageChanged = errPageChanged

// EntityCacheLen counts the entities r's cache holds.
func EntityCacheLen(r *CatalogReader) int {
	r.entities.mu.RLock()
	defer r.entities.mu.RUnlock()
	return len(r.entities.byID)
}
