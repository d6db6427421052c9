package techdocs

import (
	"os"
	"path/filepath"
	"sync"
)

// workspaces hands out the folders checks build in: each is made when
// first needed and emptied after each check for the next one, so that
// checking an entity whose docs are up to date, or whose build fails
// before writing anything, makes and removes no folder. At most max
// folders are kept; close removes them.
type workspaces struct {
	parent string // "" for the system's temporary folder
	max    int

	mu     sync.Mutex
	free   []string
	closed bool
}

// get returns an empty folder.
func (w *workspaces) get() (string, error) {
	w.mu.Lock()
	if n := len(w.free); n > 0 {
		d := w.free[n-1]
		w.free = w.free[:n-1]
		w.mu.Unlock()
		return d, nil
	}
	w.mu.Unlock()
	return os.MkdirTemp(w.parent, "techdocs-")
}

// put empties d and keeps it, or removes it when it cannot be emptied,
// enough folders are kept or the builder has stopped.
func (w *workspaces) put(d string) {
	if err := emptyDir(d); err == nil {
		w.mu.Lock()
		keep := !w.closed && len(w.free) < w.max
		if keep {
			w.free = append(w.free, d)
		}
		w.mu.Unlock()
		if keep {
			return
		}
	}
	os.RemoveAll(d)
}

// close removes the kept folders; folders in use are removed when put.
func (w *workspaces) close() {
	w.mu.Lock()
	free := w.free
	w.free, w.closed = nil, true
	w.mu.Unlock()
	for _, d := range free {
		os.RemoveAll(d)
	}
}

// emptyDir removes what d holds.
func emptyDir(d string) error {
	ents, err := os.ReadDir(d)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(d, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
