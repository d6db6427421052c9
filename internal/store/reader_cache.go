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

// entityCache keeps final entities' JSON by id and hash on SQLite, where a
// page of 100 entities spent a seventh of its CPU copying their JSON out
// of SQLite and about as much again collecting those copies. final_entities'
// hash changes whenever the entity does (it hashes everything the final
// entity is built from), so a page reads its rows' hashes and only the
// JSON it does not hold. Entries are never stale, only unused: an entity
// that changed has a new hash and its old entry ages out. Eviction is
// CLOCK: an entry used since the hand last passed gets another round.
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
	used atomic.Bool
}

func newEntityCache(max int) *entityCache {
	return &entityCache{max: max, byID: map[int64]*cachedEntity{}}
}

// get returns the JSON of entity id when the cache holds it at hash.
func (c *entityCache) get(id int64, hash string) (json.RawMessage, bool) {
	c.mu.RLock()
	e := c.byID[id]
	c.mu.RUnlock()
	if e == nil || e.hash != hash {
		return nil, false
	}
	e.used.Store(true)
	return e.json, true
}

// put keeps the JSON of entity id at hash, evicting what the budget needs.
func (c *entityCache) put(id int64, hash string, raw json.RawMessage) {
	cost := len(raw) + len(hash) + 64
	if cost > c.max/8 {
		return // one huge entity should not empty the cache
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.byID[id]; old != nil {
		c.size -= len(old.json) + len(old.hash) + 64
	} else {
		c.clock = append(c.clock, id)
	}
	c.byID[id] = &cachedEntity{hash: hash, json: raw}
	c.size += cost
	for c.size > c.max && len(c.clock) > 0 {
		victim := c.clock[0]
		c.clock = c.clock[1:]
		e := c.byID[victim]
		if e == nil {
			continue
		}
		if e.used.Swap(false) {
			c.clock = append(c.clock, victim)
			continue
		}
		delete(c.byID, victim)
		c.size -= len(e.json) + len(e.hash) + 64
	}
}

// errPageChanged reports that an entity of a page changed between reading
// the page and reading its JSON.
var errPageChanged = errors.New("an entity of the page changed while it was read")

// fillPage puts the JSON of each row of out, whose hashes are in hashes:
// from the cache, and the rest in one statement, by id. A row whose entity
// no longer has that hash makes it return errPageChanged.
func (r *CatalogReader) fillPage(ctx context.Context, run queryFunc, out []catalog.EntityRow, hashes []string) error {
	want := map[int64]int{}
	var ids strings.Builder
	ids.WriteByte('[')
	for i := range out {
		if raw, ok := r.entities.get(out[i].ID, hashes[i]); ok {
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
	rows, err := run(ctx, `SELECT fe.id, fe.hash, fe.final_entity FROM final_entities fe WHERE fe.id IN (SELECT value FROM json_each(?))`, ids.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			hash string
			e    entityText
		)
		if err := rows.Scan(&id, &hash, &e); err != nil {
			return fmt.Errorf("read entity page: %w", err)
		}
		i, ok := want[id]
		if !ok || hash != hashes[i] {
			continue
		}
		out[i].Entity = json.RawMessage(e)
		r.entities.put(id, hash, out[i].Entity)
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
