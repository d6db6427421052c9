package forge

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/callboard/callboard/internal/catalog/builtin"
	"github.com/callboard/callboard/internal/problem"
)

// Glob is a search pattern over the paths of a repository ("*" within a
// directory, "**" across directories, "?", "[ab]", "{a,b}").
type Glob struct {
	// Pattern is the whole pattern, without a leading slash.
	Pattern string
	// Dir is its leading directories without glob characters ("" for the
	// repository root): the only part of the tree a search has to list.
	Dir string
}

// ParseGlob checks a path pattern.
func ParseGlob(pattern string) (Glob, error) {
	pattern = strings.TrimPrefix(pattern, "/")
	if !doublestar.ValidatePattern(pattern) {
		return Glob{}, problem.Input("invalid glob pattern %q", pattern)
	}
	segs := strings.Split(pattern, "/")
	n := 0
	for n < len(segs)-1 && !strings.ContainsAny(segs[n], "*?[{\\") {
		n++
	}
	return Glob{Pattern: pattern, Dir: strings.Join(segs[:n], "/")}, nil
}

// Match reports whether a file path (without a leading slash) matches.
func (g Glob) Match(path string) bool {
	ok, err := doublestar.Match(g.Pattern, strings.TrimPrefix(path, "/"))
	return err == nil && ok
}

// CouldContain reports whether files under dir may match, so that a search
// walking a tree need not list directories that cannot.
func (g Glob) CouldContain(dir string) bool {
	dir = strings.Trim(dir, "/")
	if dir == "" {
		return true
	}
	pat := strings.Split(g.Pattern, "/")
	for i, d := range strings.Split(dir, "/") {
		if i >= len(pat)-1 {
			return pat[len(pat)-1] == "**"
		}
		if pat[i] == "**" {
			return true
		}
		if ok, err := doublestar.Match(pat[i], d); err != nil || !ok {
			return false
		}
	}
	return true
}

// Search limits.
const (
	// SearchConcurrency is how many files of one search are read at once,
	// as Backstage's url reader processor does.
	SearchConcurrency = 5
	// MaxSearchFiles bounds the files one search may read.
	MaxSearchFiles = 5000
)

// ReadMatches reads the files at paths, SearchConcurrency at a time, and
// returns them sorted by path. The first failure fails the search.
func ReadMatches(ctx context.Context, paths []string, read func(ctx context.Context, path string) (builtin.SearchFile, error)) ([]builtin.SearchFile, error) {
	if len(paths) > MaxSearchFiles {
		return nil, fmt.Errorf("the search matched %d files, more than the limit of %d", len(paths), MaxSearchFiles)
	}
	paths = slices.Clone(paths)
	slices.Sort(paths)
	paths = slices.Compact(paths)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]builtin.SearchFile, len(paths))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int)
	)
	for range min(SearchConcurrency, len(paths)) {
		wg.Go(func() {
			for i := range next {
				f, err := read(ctx, paths[i])
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
					continue
				}
				out[i] = f
			}
		})
	}
feed:
	for i := range paths {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
