package catalog

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"

	"github.com/callboard/callboard/plugin"
)

// cacheTTL is how many failed runs a processor cache survives (Backstage's
// CACHE_TTL): a transient failure can still replay the last good read.
const cacheTTL = 5

// cacheState is the persisted form of the processor caches: per processor
// (and, for location reading, per processor and target) a set of keys.
type cacheState struct {
	// Input is the input key of the last run whose result depends on its
	// input alone (see Engine.processItem). It is encoded first, so that
	// recordedInput reads it without decoding the rest.
	Input string                                `json:"input,omitempty"`
	TTL   int                                   `json:"ttl"`
	Cache map[string]map[string]json.RawMessage `json:"cache,omitempty"`
}

// cacheSet hands each processor its cache for one run and collects the
// state to persist. The previous state is decoded only when needed.
// Location readers may take and use their caches from several goroutines
// (readTargets), each target's cache from one.
type cacheSet struct {
	mu      sync.Mutex // guards decoding and extra
	prev    json.RawMessage
	decoded bool
	old     cacheState

	fixed []procCache  // one per processor, by index
	extra []*procCache // location reading, per processor and target
}

// procCache is one processor's cache. Get sees the previous run's values;
// Set values are what this run leaves for the next.
type procCache struct {
	set  *cacheSet
	key  string
	used bool
	next map[string]json.RawMessage
}

var _ plugin.Cache = (*procCache)(nil)

func newCacheSet(prev json.RawMessage, processors int) *cacheSet {
	return &cacheSet{prev: prev, fixed: make([]procCache, processors)}
}

func (s *cacheSet) forProcessor(idx int, name string) *procCache {
	c := &s.fixed[idx]
	if !c.used {
		*c = procCache{set: s, key: name, used: true}
	}
	return c
}

func (s *cacheSet) forKey(key string) *procCache {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.extra {
		if c.key == key {
			return c
		}
	}
	c := &procCache{set: s, key: key, used: true}
	s.extra = append(s.extra, c)
	return c
}

func (s *cacheSet) decode() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.decoded {
		return
	}
	s.decoded = true
	if len(s.prev) == 0 {
		return
	}
	var st cacheState
	if err := json.Unmarshal(s.prev, &st); err != nil {
		return // an unreadable cache is an empty one
	}
	if st.TTL <= 0 {
		st.TTL = cacheTTL
	}
	s.old = st
}

func (c *procCache) Get(key string) (json.RawMessage, bool) {
	c.set.decode()
	v, ok := c.set.old.Cache[c.key][key]
	return v, ok
}

func (c *procCache) Set(key string, value json.RawMessage) {
	if c.next == nil {
		c.next = make(map[string]json.RawMessage, 1)
	}
	c.next[key] = value
}

// succeeded returns the state after a good run: what each processor set,
// or else what it had, for the processors that ran; the TTL is reset.
// When that is what the previous state held, the previous state is
// returned as it was, rather than encoded again (a Location's state holds
// the records of every file it read).
func (s *cacheSet) succeeded() json.RawMessage {
	var out map[string]map[string]json.RawMessage
	same := len(s.prev) > 0
	keep := func(c *procCache) {
		if !c.used {
			return
		}
		v := c.next
		if v == nil && len(s.prev) > 0 {
			s.decode()
			v = s.old.Cache[c.key]
		} else if same {
			s.decode()
			same = sameCache(v, s.old.Cache[c.key])
		}
		if len(v) == 0 {
			return
		}
		if out == nil {
			out = make(map[string]map[string]json.RawMessage)
		}
		out[c.key] = v
	}
	for i := range s.fixed {
		keep(&s.fixed[i])
	}
	for _, c := range s.extra {
		keep(c)
	}
	if out == nil {
		return nil
	}
	if same && s.old.Input == "" && s.old.TTL == cacheTTL && len(out) == len(s.old.Cache) {
		return s.prev
	}
	return encodeState(cacheState{TTL: cacheTTL, Cache: out})
}

// sameCache reports whether two processor caches hold the same keys and
// bytes.
func sameCache(a, b map[string]json.RawMessage) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

// failed returns the previous state with one life less, or nothing once
// the TTL runs out.
func (s *cacheSet) failed() json.RawMessage {
	s.decode()
	if len(s.old.Cache) == 0 || s.old.TTL <= 1 {
		return nil
	}
	return encodeState(cacheState{TTL: s.old.TTL - 1, Cache: s.old.Cache})
}

// withInput returns state recording key as its input key.
func withInput(state json.RawMessage, key string) json.RawMessage {
	if out, ok := spliceInput(state, key); ok {
		return out
	}
	var st cacheState
	if len(state) > 0 {
		if err := json.Unmarshal(state, &st); err != nil {
			return state
		}
	}
	if st.TTL <= 0 {
		st.TTL = cacheTTL
	}
	st.Input = key
	return encodeState(st)
}

// inputPrefix is how a state recording an input key starts.
const inputPrefix = `{"input":"`

// ttlPrefix is how a state encodeState wrote without an input key starts.
const ttlPrefix = `{"ttl":`

// spliceInput is withInput without decoding the state, for a state as
// encodeState writes it (with or without an input key) and a TTL of at
// least 1: the input key is put in front of the rest, which is left as it
// is. A Location's state holds the record of every file it read, tens of
// megabytes for a large organisation, which decoding and encoding again
// would copy three times over while its children are held too. ok is
// false for any other state, which withInput decodes.
func spliceInput(state []byte, key string) (out []byte, ok bool) {
	if strings.ContainsAny(key, `"\<>&`) || !json.Valid(state) {
		return nil, false
	}
	var rest []byte // from the TTL's name on
	switch {
	case bytes.HasPrefix(state, []byte(inputPrefix)):
		r := state[len(inputPrefix):]
		end := bytes.IndexByte(r, '"')
		if end < 0 || !bytes.HasPrefix(r[end+1:], []byte(","+ttlPrefix[1:])) {
			return nil, false
		}
		rest = r[end+2:]
	case bytes.HasPrefix(state, []byte(ttlPrefix)):
		rest = state[1:]
	default:
		return nil, false
	}
	if ttl := rest[len(ttlPrefix)-1:]; len(ttl) == 0 || ttl[0] < '1' || ttl[0] > '9' {
		return nil, false
	}
	out = make([]byte, 0, len(inputPrefix)+len(key)+2+len(rest))
	out = append(out, inputPrefix...)
	out = append(out, key...)
	out = append(out, '"', ',')
	return append(out, rest...), true
}

// recordedInput returns the input key state records, or "". Only the start
// of the state is read: a Location's state holds its readers' caches.
func recordedInput(state []byte) string {
	if !bytes.HasPrefix(state, []byte(inputPrefix)) {
		return ""
	}
	rest := state[len(inputPrefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return ""
	}
	return string(rest[:end])
}

// encodeState encodes the state; a processor that stored invalid JSON
// loses its cache rather than failing the entity.
func encodeState(st cacheState) json.RawMessage {
	b, err := json.Marshal(st)
	if err != nil {
		return nil
	}
	return b
}
