package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"

	"github.com/callboard/callboard/internal/catalog"
)

// Member sets: on SQLite a walk of a sort key (pageSQL) tests each row it
// passes against the filter, one index seek per equality. Names cluster by
// kind (APIs, users and groups sort before the first component of the
// generated organisation), so the first page of production components
// sorted by name walked 1,321 names with two seeks each: 2.6 ms at 100,000
// entities. A member set holds the ids of the entities with one search
// (key, value) as a bitmap, read once per catalog generation, and the walk
// tests it through memberFunc at about a tenth of a seek.
//
// Sets belong to one generation and a page only uses them inside a read
// transaction that sees that generation, so its answer is the one the
// seeks would give. Reading a set costs about as much as counting its
// entities, so a set is read only once pages at one generation asked for
// it memberBuildAfter times: while the catalog changes faster than that
// (ingestion), walks keep their seeks.
const (
	memberFunc       = "callboard_member"
	memberBuildAfter = 3
	memberMaxSets    = 64
)

// memberBits maps a live set's handle to its bitmap, for memberFunc. The
// map is replaced, never changed, so the function reads it without a lock
// (a sync.Map boxed the handle on every call); memberBitsMu orders the
// rare writers.
var (
	memberBits   atomic.Pointer[map[int64][]uint64]
	memberBitsMu sync.Mutex
)

// setMemberBits publishes bits under handle h, or removes h when bits is
// nil.
func setMemberBits(h int64, bits []uint64) {
	memberBitsMu.Lock()
	defer memberBitsMu.Unlock()
	next := map[int64][]uint64{}
	if old := memberBits.Load(); old != nil {
		next = maps.Clone(*old)
	}
	if bits == nil {
		delete(next, h)
	} else {
		next[h] = bits
	}
	memberBits.Store(&next)
}

var memberHandles atomic.Int64

func init() {
	sqlite.MustRegisterScalarFunction(memberFunc, 2, memberTest)
}

// memberTest is memberFunc(handle, id): 1 when id is in the set, else 0.
func memberTest(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	h, ok := args[0].(int64)
	id, ok2 := args[1].(int64)
	if !ok || !ok2 {
		return nil, fmt.Errorf("%s: want (integer, integer), got (%T, %T)", memberFunc, args[0], args[1])
	}
	var bits []uint64
	found := false
	if m := memberBits.Load(); m != nil {
		bits, found = (*m)[h]
	}
	if !found {
		return nil, fmt.Errorf("%s: no set %d", memberFunc, h)
	}
	if bitmapHas(bits, id) {
		return int64(1), nil
	}
	return int64(0), nil
}

func bitmapHas(bits []uint64, id int64) bool {
	return id >= 0 && id/64 < int64(len(bits)) && bits[id/64]&(1<<(id%64)) != 0
}

// memberKey names a set: a search key and one value, as a predicate holds
// them (lower-cased).
type memberKey struct{ key, value string }

// memberKeyOf returns the set that answers a condition, false unless it is
// an equality with one value.
func memberKeyOf(p *catalog.Predicate) (memberKey, bool) {
	if !isSingleEq(p) {
		return memberKey{}, false
	}
	return memberKey{p.Key, p.Match.Values[0]}, true
}

type memberSet struct {
	handle  int64
	asked   int  // pages that asked for it at the generation
	built   bool // its bits are in memberBits
	users   int  // pages using it now
	dropped bool // out of the cache; forgotten by its last user
}

// memberSets is the cache of one reader.
type memberSets struct {
	mu   sync.Mutex
	gen  int64
	sets map[memberKey]*memberSet
}

func newMemberSets() *memberSets { return &memberSets{sets: map[memberKey]*memberSet{}} }

// use returns the handles of the sets for keys at generation gen, reading
// those due from q (a transaction that sees gen), and a func that releases
// them. It returns no handles when a set is not due yet or gen is not the
// cache's.
func (c *memberSets) use(ctx context.Context, q querier, gen int64, keys []memberKey) (map[memberKey]int64, func(), error) {
	sets, due := c.ask(gen, keys)
	release := func() { c.release(sets) }
	if sets == nil {
		return nil, release, nil
	}
	for _, s := range due {
		bits, err := readMemberSet(ctx, q, s.key)
		if err != nil {
			release()
			return nil, func() {}, err
		}
		c.store(s.set, bits)
	}
	handles := make(map[memberKey]int64, len(keys))
	for i, k := range keys {
		handles[k] = sets[i].handle
	}
	return handles, release, nil
}

type dueSet struct {
	key memberKey
	set *memberSet
}

// ask counts a page's request for keys at gen and, when every set is built
// or due to be, holds them all for the page.
func (c *memberSets) ask(gen int64, keys []memberKey) (held []*memberSet, due []dueSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen > c.gen {
		c.dropAll()
		c.gen = gen
	}
	if gen != c.gen {
		return nil, nil
	}
	ready := true
	for _, k := range keys {
		s := c.sets[k]
		if s == nil {
			if len(c.sets) >= memberMaxSets {
				c.dropAll()
			}
			s = &memberSet{handle: memberHandles.Add(1)}
			c.sets[k] = s
		}
		s.asked++
		if !s.built && s.asked < memberBuildAfter {
			ready = false
		}
	}
	if !ready {
		return nil, nil
	}
	for _, k := range keys {
		s := c.sets[k]
		s.users++
		held = append(held, s)
		if !s.built {
			due = append(due, dueSet{k, s})
		}
	}
	return held, due
}

// store publishes a set's bits. Two pages may read the same set at once;
// the later one stores the same bits again.
func (c *memberSets) store(s *memberSet, bits []uint64) {
	setMemberBits(s.handle, bits)
	c.mu.Lock()
	s.built = true
	c.mu.Unlock()
}

func (c *memberSets) release(held []*memberSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range held {
		s.users--
		if s.dropped && s.users == 0 {
			setMemberBits(s.handle, nil)
		}
	}
}

// dropAll empties the cache; the caller holds mu.
func (c *memberSets) dropAll() {
	for k, s := range c.sets {
		s.dropped = true
		if s.users == 0 {
			setMemberBits(s.handle, nil)
		}
		delete(c.sets, k)
	}
}

// close forgets every set.
func (c *memberSets) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropAll()
}

// readMemberSet reads the ids of the entities with a search row (key,
// value) from the search_key_value index.
func readMemberSet(ctx context.Context, q querier, k memberKey) ([]uint64, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM search WHERE key = ? AND value = ?`, k.key, k.value)
	if err != nil {
		return nil, fmt.Errorf("read member set %s=%s: %w", k.key, k.value, err)
	}
	defer rows.Close()
	bits := []uint64{} // not nil: setMemberBits takes nil for a removal
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read member set %s=%s: %w", k.key, k.value, err)
		}
		if id < 0 {
			continue
		}
		w := int(id / 64)
		if w >= len(bits) {
			bits = append(bits, make([]uint64, w+1-len(bits))...)
		}
		bits[w] |= 1 << (id % 64)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read member set %s=%s: %w", k.key, k.value, err)
	}
	return bits, nil
}

// querier is what the reader runs statements on: the database, or a read
// transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
