package catalog

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/jsonenc"
)

// processLoop claims due entities in batches, processes each batch on the
// worker pool and hands it to a writer. The next batch is claimed before
// the current one is handed over, so one batch is written while the next
// is processed (on SQLite a claim waits for the write lock).
func (e *Engine) processLoop(ctx context.Context) {
	batches := make(chan *ProcessingBatch)
	var wg sync.WaitGroup
	wg.Go(func() {
		for b := range batches {
			e.writeBatch(ctx, b)
			if e.backlog.written() || e.holding() {
				signal(e.wakeStitch)
			}
			e.end()
		}
	})
	defer func() {
		close(batches)
		wg.Wait()
	}()

	items := e.claim(ctx)
	for ctx.Err() == nil {
		if items == nil {
			e.wait(ctx, e.wakeProcess)
			items = e.claim(ctx)
			continue
		}
		b := e.processBatch(ctx, items)
		items = e.claim(ctx)
		select {
		case batches <- b:
		case <-ctx.Done():
			e.end()
			if items != nil {
				e.end()
			}
			return
		}
	}
	if items != nil {
		e.end()
	}
}

// claim takes the next batch; it returns nil when nothing is due. A
// non-nil batch counts as busy until written.
func (e *Engine) claim(ctx context.Context) []ProcessingItem {
	if ctx.Err() != nil {
		return nil
	}
	e.begin()
	now := e.now()
	items, err := e.store.ClaimProcessing(ctx, ProcessingClaim{
		Now:          now,
		Limit:        e.opts.BatchSize,
		NextUpdateAt: now.Add(e.nextInterval()),
		LeaseUntil:   now.Add(processingLease),
	})
	if e.backlog.claimed(len(items), e.opts.BatchSize) || e.holding() {
		signal(e.wakeStitch)
	}
	if err != nil || len(items) == 0 {
		e.end()
		if err != nil && ctx.Err() == nil {
			e.log.Error("claiming entities for processing failed", "error", err)
			e.backoff(ctx)
		}
		return nil
	}
	return items
}

// backlog tells the stitch loop whether processing is working through a
// backlog: from a claim that took a full batch until a claim finds nothing
// due and every claimed batch is written.
type backlog struct {
	mu        sync.Mutex
	on        bool
	drained   bool // the last claim found nothing due
	unwritten int  // claimed batches not written yet
}

// claimed records a claim of n entities (0 when nothing was due or the
// claim failed); it returns true when the backlog ended.
func (b *backlog) claimed(n, batchSize int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drained = n == 0
	if n > 0 {
		b.unwritten++
	}
	if n == batchSize {
		b.on = true
	}
	return b.settle()
}

// written records that a claimed batch was written (or given up); it
// returns true when the backlog ended.
func (b *backlog) written() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.unwritten--
	return b.settle()
}

func (b *backlog) settle() bool {
	if b.on && b.drained && b.unwritten <= 0 {
		b.on = false
		return true
	}
	return false
}

func (b *backlog) active() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.on
}

// idle reports whether the last claim found nothing due and every claimed
// batch is written.
func (b *backlog) idle() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.drained && b.unwritten <= 0
}

// processBatch runs the orchestrator over the items on the worker pool.
func (e *Engine) processBatch(ctx context.Context, items []ProcessingItem) *ProcessingBatch {
	start := time.Now()
	defer func() { e.log.Debug("processed batch", "entities", len(items), "took", time.Since(start)) }()
	rows := make([]*ProcessedRow, len(items))
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(e.opts.Workers, len(items)); w++ {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(items) {
					return
				}
				rows[i] = e.processItem(ctx, &items[i])
			}
		})
	}
	wg.Wait()
	now := e.now()
	b := &ProcessingBatch{Now: now, StitchAt: now.Add(e.opts.StitchDelay), OwnMarks: e.ownMarks}
	for i, r := range rows {
		if r == nil {
			b.Unchanged = append(b.Unchanged, items[i].ID)
		} else {
			b.Rows = append(b.Rows, *r)
		}
	}
	return b
}

func (e *Engine) writeBatch(ctx context.Context, b *ProcessingBatch) {
	start := time.Now()
	out, err := e.store.WriteProcessing(ctx, b)
	if err != nil {
		if ctx.Err() == nil {
			// The claimed entities are retried when their lease ends.
			e.log.Error("writing processing results failed", "entities", len(b.Rows), "error", err)
		}
		return
	}
	e.log.Debug("wrote processed batch", "changed", len(b.Rows), "unchanged", len(b.Unchanged),
		"scheduled", out.Scheduled, "marked", out.Marked, "took", time.Since(start))
	for _, c := range out.Conflicts {
		e.log.Warn("detected conflicting entityRef", "entityRef", c.Ref,
			"existingLocationKey", c.ExistingKey, "locationKey", c.NewKey)
	}
	if out.Scheduled > 0 {
		signal(e.wakeProcess)
	}
	if out.Marked > 0 {
		time.AfterFunc(e.opts.StitchDelay, func() { signal(e.wakeStitch) })
	}
}

// processItem processes one entity and returns what to write, or nil when
// neither its result nor its cache changed. An entity whose input key (see
// inputKey) is the one its last result recorded is not processed at all:
// its result would be the same (ADR 0009).
func (e *Engine) processItem(ctx context.Context, it *ProcessingItem) *ProcessedRow {
	fp := ""
	if f, ok := e.orch.(fingerprinter); ok {
		fp = f.Fingerprint()
	}
	if rec := recordedInput(it.Cache); rec != "" && fp != "" && rec == inputKey(fp, it, it.ResultHash) {
		return nil
	}
	var data map[string]any
	var res ProcessResult
	req := ProcessRequest{State: it.Cache, EncodeChildren: true}
	if err := decodeObject(it.Unprocessed, &data); err != nil {
		res = ProcessResult{Errors: []entity.SerializedError{{Name: "Error", Message: fmt.Sprintf("stored entity is not valid JSON: %v", err)}}}
	} else {
		req.Entity = data
		res = e.orch.Process(ctx, req)
	}
	row, err := buildProcessedRow(it, &res)
	if err == nil && res.Replayed && row.Changed {
		// Replayed children carry no JSON, and a changed result stores its
		// children: read every file again.
		req.NoReplay = true
		res = e.orch.Process(ctx, req)
		row, err = buildProcessedRow(it, &res)
	}
	if err != nil {
		// Only an entity that cannot be encoded gets here; keep what was
		// stored and report it like any processing failure.
		res = ProcessResult{Errors: []entity.SerializedError{{Name: "Error", Message: err.Error()}}, State: res.State}
		row, _ = buildProcessedRow(it, &res)
	}
	if res.OK && res.Reusable && fp != "" {
		state := withInput(res.State, inputKey(fp, it, row.ResultHash))
		row.Cache = nil
		if !bytes.Equal(state, it.Cache) {
			row.Cache = state
		}
	}
	if row.Changed && !row.OK {
		msg := ""
		if len(res.Errors) > 0 {
			msg = res.Errors[0].Name + ": " + res.Errors[0].Message
		}
		e.log.Warn("entity processing failed", "entityRef", it.Ref, "errors", len(res.Errors), "firstError", msg)
	}
	if !row.Changed && row.Cache == nil {
		return nil
	}
	return row
}

// fingerprinter is an orchestrator whose results may be reused while its
// fingerprint and an entity's input stay the same.
type fingerprinter interface{ Fingerprint() string }

var _ fingerprinter = (*Orchestrator)(nil)

// inputKey identifies what processing an entity depends on and the result
// it gave: the orchestrator's fingerprint, the entity's ref, uid, location
// key and parents, its unprocessed JSON, and the hash of the result.
// Anything that changes one of them (an edit, a new parent, a reset of the
// result hash to force a write) changes the key.
func inputKey(fp string, it *ProcessingItem, resultHash string) string {
	h := sha256.New()
	hashFields(h, fp, it.Ref, it.UID, it.LocationKey, resultHash, strconv.Itoa(len(it.Parents)))
	hashFields(h, it.Parents...)
	h.Write(it.Unprocessed)
	return hex.EncodeToString(h.Sum(nil))
}

// buildProcessedRow encodes a result and hashes it as Backstage does: the
// errors and, when successful, the processed entity, the emitted children,
// relations and refresh keys and the entity's parents. An unchanged hash
// means nothing needs writing.
func buildProcessedRow(it *ProcessingItem, res *ProcessResult) (*ProcessedRow, error) {
	row := &ProcessedRow{ID: it.ID, Ref: it.Ref, OK: res.OK}
	h := sha1.New()
	if len(res.Errors) > 0 {
		b, err := json.Marshal(res.Errors)
		if err != nil {
			return nil, fmt.Errorf("encode errors: %w", err)
		}
		row.Errors = string(b)
		h.Write(b)
	}
	if res.OK {
		if err := row.fill(it, res, h); err != nil {
			return nil, err
		}
	}
	row.ResultHash = hex.EncodeToString(h.Sum(nil))
	row.Changed = row.ResultHash != it.ResultHash
	if !bytes.Equal(res.State, it.Cache) {
		// The result's state is the row's from here on: a Location's is
		// tens of megabytes for a large organisation, not to be copied.
		row.Cache = res.State
	}
	return row, nil
}

func (row *ProcessedRow) fill(it *ProcessingItem, res *ProcessResult, h hash.Hash) error {
	ent := res.Entity
	if ent == nil {
		return fmt.Errorf("processing of %s succeeded without an entity", it.Ref)
	}
	ent.Metadata.UID = it.UID
	processed, err := entity.Marshal(ent)
	if err != nil {
		return fmt.Errorf("encode processed entity: %w", err)
	}
	row.Processed = string(processed)
	hashFields(h, "entity", row.Processed)

	hashFields(h, "children")
	// The result's children are the row's: a Location of a large
	// organisation emits 100,000 of them, not to be copied.
	row.Children = res.Children
	for _, child := range res.Children {
		hashFields(h, child.Ref, child.Hash, child.LocationKey)
	}
	// With EncodeChildren only a child that could not be encoded is left
	// here, and encoding it again reports why.
	for _, d := range res.Deferred {
		child, err := unprocessedFromMap(d.Entity, d.LocationKey)
		if err != nil {
			return fmt.Errorf("emitted entity: %w", err)
		}
		row.Children = append(row.Children, child)
		hashFields(h, child.Ref, child.Hash, child.LocationKey)
	}

	seen := make(map[RelationRow]bool, len(res.Relations))
	for _, r := range res.Relations {
		x := RelationRow{Source: r.Source.String(), Type: r.Type, Target: r.Target.String()}
		if !seen[x] {
			seen[x] = true
			row.Relations = append(row.Relations, x)
		}
	}
	sort.Slice(row.Relations, func(i, j int) bool {
		a, b := row.Relations[i], row.Relations[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.Target < b.Target
	})
	hashFields(h, "relations")
	for _, r := range row.Relations {
		hashFields(h, r.Source, r.Type, r.Target)
	}

	row.RefreshKeys = distinctStrings(res.RefreshKeys)
	hashFields(h, "keys")
	hashFields(h, row.RefreshKeys...)
	hashFields(h, "parents")
	hashFields(h, it.Parents...)
	return nil
}

// decodeObject decodes a stored JSON object into m as json.Unmarshal
// does, through jsonenc.Decode when it can.
func decodeObject(b []byte, m *map[string]any) error {
	if v, ok := jsonenc.Decode(b); ok {
		if obj, ok := v.(map[string]any); ok {
			*m = obj
			return nil
		}
	}
	return json.Unmarshal(b, m)
}

// hashFields writes each field and a separator that no field contains.
func hashFields(h hash.Hash, fields ...string) {
	for _, f := range fields {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
}

func distinctStrings(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := append([]string(nil), in...)
	sort.Strings(out)
	n := 1
	for i := 1; i < len(out); i++ {
		if out[i] != out[n-1] {
			out[n] = out[i]
			n++
		}
	}
	return out[:n]
}

// unprocessedFromMap serializes an emitted entity.
func unprocessedFromMap(data map[string]any, locationKey string) (UnprocessedEntity, error) {
	ref := mapRef(data)
	kind, _ := data["kind"].(string)
	meta, _ := data["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if kind == "" || name == "" {
		return UnprocessedEntity{}, fmt.Errorf("entity %s has no kind or name", ref)
	}
	buf := jsonBuffers.Get().(*[]byte)
	b, ok := jsonenc.AppendValue((*buf)[:0], data)
	if ok && cap(b) <= maxPooledJSON {
		*buf = b
		defer jsonBuffers.Put(buf)
	}
	if !ok {
		var err error
		if b, err = json.Marshal(data); err != nil {
			return UnprocessedEntity{}, fmt.Errorf("encode %s: %w", ref, err)
		}
	}
	return UnprocessedEntity{Ref: ref, JSON: string(b), Hash: sha1Hex(b), LocationKey: locationKey}, nil
}

// unprocessedFromEntity serializes a provider's entity.
func unprocessedFromEntity(e *entity.Entity, locationKey string) (UnprocessedEntity, error) {
	if e == nil {
		return UnprocessedEntity{}, fmt.Errorf("entity is nil")
	}
	if e.Kind == "" || e.Metadata.Name == "" {
		return UnprocessedEntity{}, fmt.Errorf("entity %s has no kind or name", e.Ref())
	}
	b, err := json.Marshal(e)
	if err != nil {
		return UnprocessedEntity{}, fmt.Errorf("encode %s: %w", e.Ref(), err)
	}
	return UnprocessedEntity{Ref: e.Ref().String(), JSON: string(b), Hash: sha1Hex(b), LocationKey: locationKey}, nil
}

func sha1Hex(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}
