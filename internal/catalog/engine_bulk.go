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
		done, err := e.tryEndBulkLoad(ctx)
		switch {
		case done || ctx.Err() != nil:
			return
		case err != nil:
			e.log.Error("building the catalog's deferred search indexes failed", "error", err)
			e.backoff(ctx)
		}
	}
}

// FirstLoad reports whether a first load into an empty catalog is under
// way: the store holds indexes aside (BeginBulkLoad) that wait for the
// engine to be quiet. Work that follows the catalog's changes, such as
// the search indexer, may wait meanwhile.
func (e *Engine) FirstLoad() bool { return e.bulk.Load() }

// tryEndBulkLoad builds the deferred indexes if the engine is quiet, and
// reports whether it did.
func (e *Engine) tryEndBulkLoad(ctx context.Context) (bool, error) {
	idle, err := e.quiet(ctx)
	if err != nil || !idle {
		return false, err
	}
	start := time.Now()
	if err := e.store.EndBulkLoad(ctx); err != nil {
		return false, err
	}
	e.stitching.Store(true)
	e.bulk.Store(false)
	e.log.Info("built the catalog's deferred search indexes", "took", time.Since(start).Round(time.Millisecond))
	return true, nil
}

// holdStitching reports whether stitching still waits for a first load's
// processing: until nothing is claimed, in flight or due, for at most
// EngineOptions.BulkStitchLag after the start.
func (e *Engine) holdStitching(ctx context.Context, now time.Time) (bool, error) {
	if now.Sub(e.loadStart) >= e.opts.BulkStitchLag {
		return false, nil
	}
	if !e.backlog.idle() {
		return true, nil
	}
	return e.store.ProcessingDue(ctx, now)
}

// holding reports whether stitching waits for processing to be idle;
// processing then wakes it whenever it may be.
func (e *Engine) holding() bool {
	return !e.stitching.Load() && e.backlog.idle()
}

// ownMarks is ProcessingBatch.OwnMarks: true while no stitching has been
// claimed since start. The store checks on its side that no entity was
// stitched before (by an earlier run of a load that stopped).
func (e *Engine) ownMarks() bool { return !e.stitching.Load() }

// endBulkProcessing has the store build the indexes a bulk load set aside
// that stitching reads through. claimStitch calls it once, when a first
// load's hold on stitching ends; if the build fails, EndBulkLoad tries
// again.
func (e *Engine) endBulkProcessing(ctx context.Context) {
	start := time.Now()
	if err := e.store.EndBulkProcessing(ctx); err != nil {
		if ctx.Err() == nil {
			e.log.Error("building the indexes stitching reads failed", "error", err)
		}
		return
	}
	e.log.Info("built the indexes stitching reads", "took", time.Since(start).Round(time.Millisecond))
}
