package catalog

import (
	"context"
	"time"
)

// bulkPoll is how often endBulkLoad looks whether the load is over.
const bulkPoll = 50 * time.Millisecond

// endBulkLoad waits until the engine is first quiet — the providers' and
// locations' entities processed and stitched — and has the store build
// the indexes BeginBulkLoad set aside (ADR 0010). Whatever arrives later
// is written with the indexes in place.
func (e *Engine) endBulkLoad(ctx context.Context) {
	t := time.NewTicker(bulkPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		idle, err := e.quiet(ctx)
		if err == nil && !idle {
			continue
		}
		if err == nil {
			start := time.Now()
			if err = e.store.EndBulkLoad(ctx); err == nil {
				e.bulk.Store(false)
				e.log.Info("built the catalog's deferred search indexes", "took", time.Since(start).Round(time.Millisecond))
				return
			}
		}
		if ctx.Err() != nil {
			return
		}
		e.log.Error("building the catalog's deferred search indexes failed", "error", err)
		e.backoff(ctx)
	}
}
