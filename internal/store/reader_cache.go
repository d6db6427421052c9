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
const entityCacheBytes = 8 << 20

// generationSQL reads the catalog generation inside another statement, so
// that it belongs to that statement's snapshot.
const generationSQL = "(SELECT generation FROM catalog_state WHERE id = 1)"

// entityCache keeps final entities' JSON on SQLite, where a page of 100
// entities spent a seventh of its CPU copying their JSON out of SQLite and
// about as much again collecting those copies, and as much again seeking
// each entity's row. An entry holds the entity's hash (final_entities.hash,
// which changes whenever the entity does) and the catalog generation at
// which it was last seen with that hash: every change to a final entity
// moves the generation, so while the generation stays the entry is the
// entity, and a page needs neither the entity's row nor its JSON. After
// the generation moves, a page checks its entries' hashes and reads only
// the JSON that changed. Eviction is CLOCK: an entry used since the hand
// last passed gets another round.
type entityCache struct {
	mu    sync.RWMutex
	max   int
	size  int
	byID  map[int64]*cachedEntity
	clock []int64 // ids in insertion order; the hand is clock[0]
}

// cachedEntity's JSON shares memory with the string the driver returned
// (see entityText): it is never written to, only copied out or decoded.
type cachedEntity struct {
	hash string
	json json.RawMessage
	gen  atomic.Int64 // the generation at which it was last the entity
	used atomic.Bool
}

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
	cost := len(raw) + len(hash) + 64
	if cost > c.max/8 {
		return // one huge entity should not empty the cache
	}
	e := &cachedEntity{hash: hash, json: raw}
	e.gen.Store(gen)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.byID[id]; old != nil {
		c.size -= len(old.json) + len(old.hash) + 64
	} else {
		c.clock = append(c.clock, id)
	}
	c.byID[id] = e
	c.size += cost
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
		c.size -= len(v.json) + len(v.hash) + 64
	}
}

// errPageChanged reports that the catalog changed between reading a page
// and reading its JSON.
var errPageChanged = errors.New("the catalog changed while a page was read")

// fillPage puts the JSON of each row of out, read at catalog generation
// gen: from the cache where it knows the entity at gen, and the rest in one
// statement, by id, which sends the JSON only of entities whose hash the
// cache does not hold. If that statement sees another generation it
// returns errPageChanged.
func (r *CatalogReader) fillPage(ctx context.Context, run queryFunc, out []catalog.EntityRow, gen int64) error {
	want := map[int64]int{}
	var ids, hashes strings.Builder
	ids.WriteByte('[')
	hashes.WriteByte('[')
	for i := range out {
		if raw, ok := r.entities.current(out[i].ID, gen); ok {
			out[i].Entity = raw
			continue
		}
		if len(want) > 0 {
			ids.WriteByte(',')
		}
		ids.WriteString(strconv.FormatInt(out[i].ID, 10))
		want[out[i].ID] = i
		if e := r.entities.entry(out[i].ID); e != nil {
			if hashes.Len() > 1 {
				hashes.WriteByte(',')
			}
			hashes.WriteString(strconv.Quote(e.hash)) // hex digits: JSON as well
		}
	}
	if len(want) == 0 {
		return nil
	}
	ids.WriteByte(']')
	hashes.WriteByte(']')
	rows, err := run(ctx, `SELECT `+generationSQL+`, fe.id, fe.hash,
		CASE WHEN fe.hash IN (SELECT value FROM json_each(?)) THEN NULL ELSE fe.final_entity END
		FROM final_entities fe WHERE fe.id IN (SELECT value FROM json_each(?))`, hashes.String(), ids.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			at, id int64
			hash   string
			e      entityText
		)
		if err := rows.Scan(&at, &id, &hash, &e); err != nil {
			return fmt.Errorf("read entity page: %w", err)
		}
		i, ok := want[id]
		if !ok {
			continue
		}
		if at != gen {
			return errPageChanged
		}
		if e == nil {
			raw, ok := r.entities.confirm(id, hash, gen)
			if !ok {
				return errPageChanged // evicted meanwhile; rare
			}
			out[i].Entity = raw
		} else {
			out[i].Entity = json.RawMessage(e)
			r.entities.put(id, hash, gen, out[i].Entity)
		}
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
