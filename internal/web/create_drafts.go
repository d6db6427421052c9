package web

import (
	"crypto/rand"
	"encoding/hex"
	"maps"
	"sync"
	"time"
)

// drafts keeps the secrets typed into a template's form while its pages
// are filled in, so they never travel in the page: the form carries only
// the draft's random id. Drafts live in memory for a short while; a form
// whose draft is gone (expired, or served by another replica) asks for
// its secrets again.
type drafts struct {
	mu  sync.Mutex
	ttl time.Duration
	now func() time.Time
	m   map[string]*draft
}

// draft is one form's secrets, readable by the viewer who typed them.
type draft struct {
	owner   string
	secrets map[string]string
	expires time.Time
}

// maxDrafts bounds the drafts kept; the oldest go first.
const maxDrafts = 10000

func newDrafts(ttl time.Duration, now func() time.Time) *drafts {
	return &drafts{ttl: ttl, now: now, m: map[string]*draft{}}
}

// get returns a copy of the draft's secrets; an empty map when there is
// no such draft for owner.
func (d *drafts) get(id, owner string) map[string]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	dr, ok := d.m[id]
	if !ok || dr.owner != owner || !d.now().Before(dr.expires) {
		return map[string]string{}
	}
	return maps.Clone(dr.secrets)
}

// put stores secrets for owner under id, or under a new id when id names
// no draft of theirs, and returns the id. Each put starts the time to
// live again.
func (d *drafts) put(id, owner string, secrets map[string]string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if dr, ok := d.m[id]; !ok || dr.owner != owner {
		id = newDraftID()
	}
	d.prune(now)
	d.m[id] = &draft{owner: owner, secrets: maps.Clone(secrets), expires: now.Add(d.ttl)}
	return id
}

// drop forgets a draft.
func (d *drafts) drop(id string) {
	d.mu.Lock()
	delete(d.m, id)
	d.mu.Unlock()
}

// prune drops expired drafts and, when there are too many, the ones
// closest to expiring.
func (d *drafts) prune(now time.Time) {
	for id, dr := range d.m {
		if !now.Before(dr.expires) {
			delete(d.m, id)
		}
	}
	for len(d.m) >= maxDrafts {
		var oldest string
		for id, dr := range d.m {
			if oldest == "" || dr.expires.Before(d.m[oldest].expires) {
				oldest = id
			}
		}
		delete(d.m, oldest)
	}
}

func newDraftID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
