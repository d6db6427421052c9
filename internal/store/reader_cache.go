package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/callboard/callboard/internal/catalog"
)

// entityCacheBytes bounds the entity JSON a reader keeps (see
// entityCache): about 5,000 entities of the generated organisation.
// Pages of more than entityCachePage rows (the unpaginated list's pages of
// 10,000) read their JSON and leave the cache alone.
const (
	entityCacheBytes = 8 << 20
	entityCachePage  = 512
)

// generationQuery reads the catalog generation; generationSQL does inside
// another statement, so that it belongs to that statement's snapshot.
const (
	generationQuery = "SELECT generation FROM catalog_state WHERE id = 1"
	generationSQL   = "(" + generationQuery + ")"
)

// entityCache keeps final entities' JSON on SQLite, where a page of 100
// entities spent a seventh of its CPU copying their JSON out of SQLite,
// about as much again collecting those copies, and as much again seeking
// each entity's row. An entry holds the entity's hash (final_entities.hash,
// which changes whenever the entity does) and the catalog generation at
// which it was last seen with that hash. Every change to a final entity
// moves the generation, so while it stays an entry is the entity: a page
// then reads ids and the generation only (byGeneration). While the
// generation moves between pages (steady false), or when an entry is not
// current, a page reads its entities' hashes too (byHash) and only the
// JSON that changed. Eviction is CLOCK: an entry used since the hand last
// passed gets another round.
type entityCache struct {
	mu    sync.RWMutex
	max   int
	size  int
	byID  map[int64]*cachedEntity
	clock []int64 // ids in insertion order; the hand is clock[0]

	lastGen atomic.Int64 // the generation the latest page read at
	stable  atomic.Bool  // the two latest pages read at one generation
}

// empty reports whether the cache holds nothing yet; its first pages read
// their JSON with their hashes (keepJSON) rather than by id afterwards.
func (c *entityCache) empty() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.byID) == 0
}

// keep puts a page read with its JSON, generation and hashes.
func (c *entityCache) keep(out []catalog.EntityRow, at pageAt) {
	if len(out) == 0 {
		return
	}
	c.saw(at.gen)
	for i, row := range out {
		c.put(row.ID, at.hashes[i], at.gen, row.Entity)
	}
}

// steady reports whether the generation held between the latest pages.
func (c *entityCache) steady() bool { return c.stable.Load() }

// saw records the generation a page read at.
func (c *entityCache) saw(gen int64) {
	c.stable.Store(c.lastGen.Swap(gen) == gen)
}

// cachedEntity's JSON shares memory with the string the driver returned
// (see entityText): it is never written to, only copied out or decoded.
type cachedEntity struct {
	hash string
	json json.RawMessage
	gen  atomic.Int64 // the generation at which it was last the entity
	used atomic.Bool
}

// cost is what an entry counts against the cache's budget.
func (e *cachedEntity) cost() int { return len(e.json) + len(e.hash) + 64 }

func newEntityCache(max int) *entityCache {
	return &entityCache{max: max, byID: map[int64]*cachedEntity{}}
}

func (c *entityCache) entry(id int64) *cachedEntity {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.byID[id]
}

// current returns the JSON of entity id when the cache knows it at gen.
func (c *entityCache) current(id, gen int64) (json.RawMessage, bool) {
	e := c.entry(id)
	if e == nil || e.gen.Load() != gen {
		return nil, false
	}
	e.used.Store(true)
	return e.json, true
}

// confirm returns the JSON of entity id when the cache holds it at hash,
// and records that it is the entity at gen.
func (c *entityCache) confirm(id int64, hash string, gen int64) (json.RawMessage, bool) {
	e := c.entry(id)
	if e == nil || e.hash != hash {
		return nil, false
	}
	if gen > e.gen.Load() {
		e.gen.Store(gen)
	}
	e.used.Store(true)
	return e.json, true
}

// put keeps the JSON of entity id at hash, seen at gen, evicting what the
// budget needs.
func (c *entityCache) put(id int64, hash string, gen int64, raw json.RawMessage) {
	e := &cachedEntity{hash: hash, json: raw}
	if e.cost() > c.max/8 {
		return // one huge entity should not empty the cache
	}
	e.gen.Store(gen)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.byID[id]; old != nil {
		c.size -= old.cost()
	} else {
		c.clock = append(c.clock, id)
	}
	c.byID[id] = e
	c.size += e.cost()
	for c.size > c.max && len(c.clock) > 0 {
		victim := c.clock[0]
		c.clock = c.clock[1:]
		v := c.byID[victim]
		if v == nil {
			continue
		}
		if v.used.Swap(false) {
			c.clock = append(c.clock, victim)
			continue
		}
		delete(c.byID, victim)
		c.size -= v.cost()
	}
}

// errPageChanged reports that the catalog changed between reading a page
// and reading its JSON; errStale that a page read by generation has
// entities the cache does not know at that generation.
var (
	errPageChanged = errors.New("the catalog changed while a page was read")
	errStale       = errors.New("the entity cache does not know the page at its generation")
)

// fillPage puts the JSON of each row of out, read at generation at.gen
// (and, byHash, with hashes at.hashes): from the cache where it knows the
// entity, and the rest in one statement, by id. Read byGeneration, a row
// the cache does not know at that generation makes it return errStale;
// the statement by id seeing another generation or hash, errPageChanged.
func (r *CatalogReader) fillPage(ctx context.Context, run queryFunc, out []catalog.EntityRow, at pageAt, mode pageMode) error {
	if len(out) == 0 {
		return nil
	}
	r.entities.saw(at.gen)
	want := map[int64]int{}
	var ids strings.Builder
	ids.WriteByte('[')
	for i := range out {
		if raw, ok := r.entities.current(out[i].ID, at.gen); ok {
			out[i].Entity = raw
			continue
		}
		if mode == byGeneration {
			return errStale
		}
		if raw, ok := r.entities.confirm(out[i].ID, at.hashes[i], at.gen); ok {
			out[i].Entity = raw
			continue
		}
		if len(want) > 0 {
			ids.WriteByte(',')
		}
		ids.WriteString(strconv.FormatInt(out[i].ID, 10))
		want[out[i].ID] = i
	}
	if len(want) == 0 {
		return nil
	}
	ids.WriteByte(']')
	rows, err := run(ctx, `SELECT `+generationSQL+`, fe.id, fe.hash, fe.final_entity
		FROM final_entities fe WHERE fe.id IN (SELECT value FROM json_each(?))`, ids.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			gen, id int64
			hash    string
			e       entityText
		)
		if err := rows.Scan(&gen, &id, &hash, &e); err != nil {
			return fmt.Errorf("read entity page: %w", err)
		}
		i, ok := want[id]
		if !ok {
			continue
		}
		if gen != at.gen || hash != at.hashes[i] {
			return errPageChanged
		}
		out[i].Entity = json.RawMessage(e)
		r.entities.put(id, hash, gen, out[i].Entity)
		delete(want, id)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read entity page: %w", err)
	}
	if len(want) > 0 {
		return errPageChanged
	}
	return nil
}
