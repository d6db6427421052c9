package catalog

import (
	"context"
	"fmt"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// History page sizes.
const (
	defaultHistoryLimit = 50
	maxHistoryLimit     = 1000
)

// History pages through the recorded changes of an entity's final form,
// newest first (Callboard's addition to the API). Limit 0 means 50; at
// most 1000. History outlives the entity, so a deleted entity still has
// one; an entity that neither exists nor has history is NotFound.
func (q *Query) History(ctx context.Context, ref entity.Ref, req HistoryRequest) (*HistoryPage, error) {
	limit := req.Limit
	switch {
	case limit == 0:
		limit = defaultHistoryLimit
	case limit < 0 || limit > maxHistoryLimit:
		return nil, problem.Input("Invalid limit, must be between 1 and %d", maxHistoryLimit)
	}
	var before int64
	if req.Cursor != "" {
		var err error
		if before, err = decodeHistoryCursor(req.Cursor); err != nil {
			return nil, err
		}
	}
	canonical := ref.String()
	rows, err := q.store.EntityHistory(ctx, canonical, before, limit+1)
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", canonical, err)
	}
	page := &HistoryPage{Items: rows}
	if page.Items == nil {
		page.Items = []HistoryEntry{}
	}
	if len(rows) > limit {
		page.Items = rows[:limit]
		page.NextCursor = encodeHistoryCursor(rows[limit-1].ID)
	}
	if len(rows) == 0 && req.Cursor == "" {
		// No history at all: tell a missing entity from a quiet one.
		if _, err := q.EntityByRef(ctx, ref); err != nil {
			return nil, err
		}
	}
	return page, nil
}
