package catalog

import (
	"cmp"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callboard/callboard/entity"
)

// rejectedURL replaces view and edit URLs that would run script.
const rejectedURL = "https://backstage.io/annotation-rejected-for-security-reasons"

// stitchLoop claims due stitch queue entries in batches, builds their final
// entities on the worker pool and hands each batch to a writer, which
// writes it in one transaction. The next batch is claimed before the
// current one is handed over, so one batch is read and built while the
// previous one is written: the single writer is what bounds a cold start.
// Two batches in flight never share an entry: a claimed entry is leased,
// and one marked again meanwhile gets a new ticket, which voids the older
// batch's write of it.
func (e *Engine) stitchLoop(ctx context.Context) {
	batches := make(chan *StitchBatch)
	var wg sync.WaitGroup
	wg.Go(func() {
		for b := range batches {
			e.writeStitch(ctx, b)
			e.end()
		}
	})
	defer func() {
		close(batches)
		wg.Wait()
	}()

	tickets := e.claimStitch(ctx)
	for ctx.Err() == nil {
		if tickets == nil {
			e.wait(ctx, e.wakeStitch)
			tickets = e.claimStitch(ctx)
			continue
		}
		b, err := e.buildStitch(ctx, tickets)
		if err != nil {
			// The claimed entries are stitched again when their lease ends.
			e.end()
			if ctx.Err() != nil {
				return
			}
			e.log.Error("stitching failed", "error", err)
			e.backoff(ctx)
			tickets = e.claimStitch(ctx)
			continue
		}
		tickets = e.claimStitch(ctx)
		select {
		case batches <- b:
		case <-ctx.Done():
			e.end() // b is never written
		}
	}
	if tickets != nil {
		e.end()
	}
}

// claimStitch claims the next batch of due stitch queue entries; it
// returns nil when none is due. A non-nil batch counts as busy until
// written.
func (e *Engine) claimStitch(ctx context.Context) []StitchTicket {
	if ctx.Err() != nil {
		return nil
	}
	e.begin()
	now := e.now()
	if !e.stitching.Load() {
		hold, err := e.holdStitching(ctx, now)
		if err != nil || hold {
			e.end()
			if err != nil && ctx.Err() == nil {
				e.log.Error("checking for due processing failed", "error", err)
				e.backoff(ctx)
			}
			return nil
		}
		// Set before the claim's transaction: a processing write that
		// runs after it queues every source again (ownMarks).
		e.stitching.Store(true)
		e.endBulkProcessing(ctx)
	}
	due := stitchDue(now, e.backlog.active(), e.bulk.Load(), e.opts.BulkStitchLag)
	tickets, err := e.store.ClaimStitching(ctx, StitchClaim{Now: due, Limit: e.opts.StitchBatchSize, LeaseUntil: now.Add(stitchLease)})
	if err != nil || len(tickets) == 0 {
		e.end()
		if err != nil && ctx.Err() == nil {
			e.log.Error("claiming entities for stitching failed", "error", err)
			e.backoff(ctx)
		}
		return nil
	}
	return tickets
}

// stitchDue is the latest queue time of the entries a stitch claim takes:
// while processing works through a backlog, only those that have waited
// their lag.
func stitchDue(now time.Time, backlog, bulk bool, bulkLag time.Duration) time.Time {
	switch {
	case !backlog:
		return now
	case bulk:
		return now.Add(-bulkLag)
	default:
		return now.Add(-backlogStitchLag)
	}
}

// buildStitch reads what the claimed entries need and builds their final
// entities on the worker pool.
func (e *Engine) buildStitch(ctx context.Context, tickets []StitchTicket) (*StitchBatch, error) {
	start := time.Now()
	refs := make([]string, len(tickets))
	for i, t := range tickets {
		refs[i] = t.Ref
	}
	sources, err := e.store.StitchSources(ctx, refs)
	if err != nil {
		return nil, err
	}
	finals := make([]*FinalEntity, len(sources))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(e.opts.Workers, len(sources)); w++ {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(sources) {
					return
				}
				f, err := stitchEntity(&sources[i])
				if err != nil {
					e.log.Warn("entity not stitched", "entityRef", sources[i].Ref, "error", err)
				}
				finals[i] = f
			}
		})
	}
	wg.Wait()
	finals = slices.DeleteFunc(finals, func(f *FinalEntity) bool { return f == nil })
	// During a bulk load the (key, value) index that sorted rows would walk
	// in order is set aside: sorting them would only cost the builder,
	// whose time bounds a cold start's stitching.
	search := searchInserts(finals)
	if !e.bulk.Load() {
		SortSearchInserts(search)
	}
	b := &StitchBatch{Tickets: tickets, Search: search}
	for _, f := range finals {
		b.Finals = append(b.Finals, *f)
	}
	e.log.Debug("built stitch batch", "claimed", len(tickets), "changed", len(b.Finals), "took", time.Since(start))
	return b, nil
}

// SearchInserts returns the SearchInsert rows of finals, sorted by
// SortSearchInserts; it is never nil.
func SearchInserts(finals []*FinalEntity) []SearchInsert {
	rows := searchInserts(finals)
	SortSearchInserts(rows)
	return rows
}

// searchInserts returns the SearchInsert rows of finals, entity by entity.
func searchInserts(finals []*FinalEntity) []SearchInsert {
	n := 0
	for _, f := range finals {
		n += len(f.SearchInsert)
	}
	rows := make([]SearchInsert, 0, n)
	for _, f := range finals {
		for _, r := range f.SearchInsert {
			rows = append(rows, SearchInsert{ID: f.ID, Row: r})
		}
	}
	return rows
}

// SortSearchInserts sorts rows by key, value (a null one as "") and id,
// the order of the search table's (key, value, id) index: inserted in that
// order, a batch's rows walk the index's pages in order, which costs a
// quarter less than inserting entity by entity.
func SortSearchInserts(rows []SearchInsert) {
	slices.SortFunc(rows, func(a, b SearchInsert) int {
		if c := strings.Compare(a.Row.Key, b.Row.Key); c != 0 {
			return c
		}
		av, bv := "", ""
		if a.Row.Value != nil {
			av = *a.Row.Value
		}
		if b.Row.Value != nil {
			bv = *b.Row.Value
		}
		if c := strings.Compare(av, bv); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// writeStitch writes a built batch; on failure its entries are stitched
// again when their lease ends.
func (e *Engine) writeStitch(ctx context.Context, b *StitchBatch) {
	start := time.Now()
	b.Now = e.now()
	written, err := e.store.WriteStitching(ctx, b)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("writing stitched entities failed", "entities", len(b.Finals), "error", err)
			e.backoff(ctx)
		}
		return
	}
	e.log.Debug("stitched batch", "claimed", len(b.Tickets), "written", written, "took", time.Since(start))
}

// stitchEntity builds the final entity of src: the processed entity with
// its relations, the orphan mark, status items from the processing errors
// and script URLs defused; uid and etag set. It returns nil when there is
// nothing to write: the entity was never processed, or its final form is
// unchanged.
func stitchEntity(src *StitchSource) (*FinalEntity, error) {
	if src.ID == 0 || src.Processed == nil {
		return nil, nil
	}
	hash := stitchHash(src)
	if hash == src.PrevHash {
		return nil, nil
	}
	var ent entity.Entity
	if err := json.Unmarshal(src.Processed, &ent); err != nil {
		return nil, fmt.Errorf("decode processed entity: %w", err)
	}
	ent.Relations = nil
	for _, r := range src.Relations {
		ent.Relations = append(ent.Relations, entity.Relation{Type: r.Type, TargetRef: r.Target})
	}
	ent.Status = nil
	if src.Errors != "" {
		var errs []entity.SerializedError
		if err := json.Unmarshal([]byte(src.Errors), &errs); err != nil {
			return nil, fmt.Errorf("decode processing errors: %w", err)
		}
		if len(errs) > 0 {
			ent.Status = &entity.Status{}
			for i := range errs {
				ent.Status.Items = append(ent.Status.Items, entity.StatusItem{
					Type:    entity.StatusTypeProcessing,
					Level:   "error",
					Message: errs[i].Name + ": " + errs[i].Message,
					Error:   &errs[i],
				})
			}
		}
	}
	if !src.Referenced {
		ent.SetAnnotation(entity.AnnotationOrphan, "true")
	}
	for _, key := range []string{entity.AnnotationViewURL, entity.AnnotationEditURL} {
		if v, ok := ent.Metadata.Annotations[key]; ok && entity.IsJavaScriptURL(v) {
			ent.Metadata.Annotations[key] = rejectedURL
		}
	}
	ent.Metadata.UID = src.UID
	if ent.Metadata.Etag == "" {
		// The source has no etag of its own; the hash is a good one.
		ent.Metadata.Etag = hash
	}
	body, err := entity.Marshal(&ent)
	if err != nil {
		return nil, fmt.Errorf("encode final entity: %w", err)
	}
	rows, err := BuildSearchRows(&ent)
	if err != nil {
		return nil, err
	}
	f := &FinalEntity{ID: src.ID, UID: src.UID, Ref: src.Ref, JSON: string(body), Hash: hash, Etag: ent.Metadata.Etag, SearchInsert: rows}
	f.History = HistoryRow{Source: historySource(src, &ent), Change: HistoryCreated, NewEtag: f.Etag}
	if src.PrevJSON == nil {
		return f, nil // a creation's diff is the final entity (HistoryRow.Diff)
	}
	f.History.Change = HistoryUpdated
	f.History.PrevEtag = src.PrevEtag
	diff, err := jsonDiff(src.PrevJSON, body)
	if err != nil {
		return nil, err
	}
	f.History.Diff = string(diff)
	var prev entity.Entity
	if err := json.Unmarshal(src.PrevJSON, &prev); err != nil {
		return nil, fmt.Errorf("decode previous final entity: %w", err)
	}
	prevRows, err := BuildSearchRows(&prev)
	if err != nil {
		// Cannot tell which rows are stored; replace them all.
		f.SearchReplace = true
		return f, nil
	}
	f.SearchDelete, f.SearchInsert = diffSearchRows(prevRows, rows)
	return f, nil
}

// stitchVersion changes when stitching changes what it builds, so that
// every entity is stitched again.
const stitchVersion = "callboard-stitch-1"

// stitchHash hashes everything a final entity is built from: the processed
// entity (with its uid), the processing errors, whether anything references
// it, and its relations. Equal hashes mean an equal final entity, so an
// unchanged entity is recognised before anything is decoded. It is also
// the etag of entities whose source sets none.
func stitchHash(src *StitchSource) string {
	h := sha1.New()
	h.Write([]byte(stitchVersion))
	h.Write([]byte{0})
	h.Write(src.Processed)
	h.Write([]byte{0})
	h.Write([]byte(src.Errors))
	if src.Referenced {
		h.Write([]byte("\x00referenced"))
	}
	h.Write([]byte{0})
	for _, r := range src.Relations {
		h.Write([]byte(r.Type))
		h.Write([]byte{0})
		h.Write([]byte(r.Target))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// historySource names where a change came from: the location key that
// owns the entity, or the location it was read from.
func historySource(src *StitchSource, ent *entity.Entity) string {
	if src.LocationKey != "" {
		return src.LocationKey
	}
	if loc := ent.Annotation(entity.AnnotationManagedByLocation); loc != "" {
		return loc
	}
	return "unknown"
}

// diffSearchRows returns the rows of prev missing from next and the rows
// of next missing from prev. A row is identified by its key and value (at
// most one row has them) and, for the insert side, its original value.
func diffSearchRows(prev, next []SearchRow) (del, ins []SearchRow) {
	type id struct {
		key, value, original string
		null                 bool
	}
	ident := func(r SearchRow) id {
		x := id{key: r.Key, null: r.Value == nil}
		if r.Value != nil {
			x.value = *r.Value
		}
		if r.Original != nil {
			x.original = *r.Original
		}
		return x
	}
	have := make(map[id]bool, len(prev))
	for _, r := range prev {
		have[ident(r)] = true
	}
	want := make(map[id]bool, len(next))
	for _, r := range next {
		k := ident(r)
		want[k] = true
		if !have[k] {
			ins = append(ins, r)
		}
	}
	for _, r := range prev {
		if !want[ident(r)] {
			del = append(del, r)
		}
	}
	return del, ins
}
