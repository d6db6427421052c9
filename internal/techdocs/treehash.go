package techdocs

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// maxTreeHashAge bounds how long background checks reuse the etag of a
// local source folder.
const maxTreeHashAge = 5 * time.Second

// treeHashes shares the etags of local source folders between checks.
// When many entities keep their docs in one folder (a monorepo), a poll
// round then walks it once instead of once per entity. A walk's etag is
// reused for at most ttl after the walk started, and checks asking for
// a folder being walked wait for that walk.
type treeHashes struct {
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	m     map[string]*treeHash
	swept time.Time
}

type treeHash struct {
	ready chan struct{} // closed when etag and err are set
	at    time.Time     // when the walk started
	etag  string
	err   error
}

func newTreeHashes(ttl time.Duration, now func() time.Time) *treeHashes {
	return &treeHashes{ttl: ttl, now: now, m: map[string]*treeHash{}}
}

// get returns the etag of the folder root, reusing a walk started less
// than ttl ago unless fresh. A fresh walk serves later gets in turn.
func (t *treeHashes) get(root string, fresh bool) (string, error) {
	now := t.now()
	t.mu.Lock()
	if h := t.m[root]; h != nil && !fresh && now.Sub(h.at) < t.ttl {
		t.mu.Unlock()
		<-h.ready
		return h.etag, h.err
	}
	t.sweep(now)
	h := &treeHash{ready: make(chan struct{}), at: now}
	t.m[root] = h
	t.mu.Unlock()
	h.etag, h.err = dirEtag(root)
	close(h.ready)
	return h.etag, h.err
}

// sweep forgets walks too old to be reused, at most once per ttl; t.mu
// is held.
func (t *treeHashes) sweep(now time.Time) {
	if now.Sub(t.swept) < t.ttl {
		return
	}
	t.swept = now
	for root, h := range t.m {
		if now.Sub(h.at) >= t.ttl {
			delete(t.m, root)
		}
	}
}

// dirEtag is the etag of a local source folder, which must exist.
func dirEtag(root string) (string, error) {
	st, err := os.Stat(root)
	if err != nil || !st.IsDir() {
		return "", fmt.Errorf("docs source folder %s does not exist", root)
	}
	return hashTree(root)
}
