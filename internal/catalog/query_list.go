package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// streamPageSize is how many entities an unpaginated list reads per
// statement, as Backstage does.
const streamPageSize = 10000

// ListEntities serves the legacy GET /entities (§a.4, §a.5). Unpaginated,
// it returns every matching entity (see StreamEntities, which the HTTP
// layer should prefer so it need not hold them all). Paginated (any of
// limit, offset, after), it returns one offset page ordered by the order
// fields (missing values last, then the internal id) or by entity ref, and
// NextAfter when more follow.
func (q *Query) ListEntities(ctx context.Context, req ListRequest) (*ListResult, error) {
	if !req.Paginated {
		res := &ListResult{Items: []json.RawMessage{}}
		err := q.StreamEntities(ctx, req, func(item json.RawMessage) error {
			res.Items = append(res.Items, item)
			return nil
		})
		if err != nil {
			return nil, err
		}
		return res, nil
	}
	limit, offset := req.Limit, req.Offset
	if err := checkListPaging(limit, offset); err != nil {
		return nil, err
	}
	if req.After != "" {
		var err error
		if limit, offset, err = decodeAfterCursor(req.After, limit, offset); err != nil {
			return nil, err
		}
		if err := checkListPaging(limit, offset); err != nil {
			return nil, err
		}
	}
	page := ListPage{Filter: req.Filter, Limit: -1}
	for _, o := range req.Order {
		page.Order = append(page.Order, Order{Field: strings.ToLower(o.Field), Desc: o.Desc})
	}
	if offset != nil {
		page.Offset = *offset
	}
	if limit != nil {
		page.Limit = *limit + 1
	}
	rows, err := q.store.ListPage(ctx, page)
	if err != nil {
		return nil, fmt.Errorf("list entities: %w", err)
	}
	res := &ListResult{Items: make([]json.RawMessage, 0, len(rows))}
	if limit != nil && len(rows) > *limit {
		rows = rows[:*limit]
		res.NextAfter = encodeAfterCursor(*limit, page.Offset+*limit)
	}
	for _, r := range rows {
		item, err := Project(r, req.Fields)
		if err != nil {
			return nil, err
		}
		res.Items = append(res.Items, item)
	}
	return res, nil
}

func checkListPaging(limit, offset *int) error {
	if offset != nil && *offset < 0 {
		return problem.Input("Invalid offset, must be zero or greater")
	}
	if limit != nil && *limit <= 0 {
		return problem.Input("Invalid limit, must be greater than zero")
	}
	return nil
}

// StreamEntities calls emit for every entity of an unpaginated legacy list,
// reading them in pages so memory does not grow with the catalog. Like
// Backstage it goes through the by-query machinery: without order fields
// entities come in internal id order; with them only the first counts and
// entities lacking it are left out. Paging fields of req are ignored.
// An error from emit stops the stream and is returned as is.
func (q *Query) StreamEntities(ctx context.Context, req ListRequest, emit func(json.RawMessage) error) error {
	page := EntityPage{EntitySet: EntitySet{Filter: req.Filter}, Limit: streamPageSize, Matches: -1, SortKeyMatches: -1, SourceRows: -1}
	sorted := len(req.Order) > 0
	if sorted {
		page.SortKey = strings.ToLower(req.Order[0].Field)
		page.Desc = req.Order[0].Desc
		if page.SortKey == "" {
			return nil
		}
	}
	for {
		rows, err := q.store.EntityPage(ctx, page)
		if err != nil {
			return fmt.Errorf("list entities: %w", err)
		}
		for _, r := range rows {
			item, err := Project(r.Entity, req.Fields)
			if err != nil {
				return err
			}
			if err := emit(item); err != nil {
				return err
			}
		}
		if len(rows) < page.Limit {
			return nil
		}
		last := rows[len(rows)-1]
		page.After = &EntityPosition{Value: last.SortValue, ID: last.ID}
	}
}
