package catalog

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/catalog/builtin/scmurl"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// readLocation reads every target of a Location entity: spec.target and
// spec.targets, of spec.type (default: the entity's own location type),
// each resolved against the entity's location and offered to the location
// readers in order until one handles it.
func (o *Orchestrator) readLocation(ctx context.Context, e *entity.Entity, r *run) error {
	r.external = true // the targets' content is input beside the entity
	typ, _ := e.Spec["type"].(string)
	if typ == "" {
		typ = r.loc.Type
	}
	presence, _ := e.Spec["presence"].(string)
	if presence == "" {
		presence = "required"
	}
	var targets []string
	if t, _ := e.Spec["target"].(string); t != "" {
		targets = append(targets, t)
	}
	if ts, ok := e.Spec["targets"].([]any); ok {
		for _, t := range ts {
			if s, _ := t.(string); s != "" {
				targets = append(targets, s)
			}
		}
	}
	reads := make([]targetRead, len(targets))
	for i, raw := range targets {
		if typ == "file" && (strings.HasSuffix(raw, "/") || strings.HasSuffix(raw, string(os.PathSeparator))) {
			reads[i].bad = problem.Input("LocationEntityProcessor cannot handle file type location with target %s that ends with a path separator", raw)
			continue
		}
		reads[i].loc = plugin.Location{Type: typ, Target: resolveTarget(r.loc, typ, raw), Presence: presence}
	}
	return o.readTargets(ctx, reads, presence == "optional", r)
}

// targetRead is one target of a Location: its location, or why it cannot
// be read at all.
type targetRead struct {
	loc plugin.Location
	bad error
}

// readTargets reads the targets in order: a bad one is an error and the
// others are still read; a target that fails to be read ends the reading.
// A Location of many targets (a whole organisation, file by file) is the
// only entity being processed at the start of a cold start, so its targets
// are read on up to GOMAXPROCS goroutines, each into a run of its own that
// is joined to r in target order: r gets what reading them one after
// another would give. Targets read twice are read one after another, as
// they share a cache.
func (o *Orchestrator) readTargets(ctx context.Context, reads []targetRead, optional bool, r *run) error {
	workers := min(runtime.GOMAXPROCS(0), len(reads))
	seen := make(map[string]bool, len(reads))
	for _, t := range reads {
		if t.bad == nil {
			if seen[t.loc.Target] {
				workers = 1
			}
			seen[t.loc.Target] = true
		}
	}
	if workers <= 1 {
		for _, t := range reads {
			if t.bad != nil {
				r.errs = append(r.errs, t.bad)
				continue
			}
			if err := o.readTarget(ctx, t.loc, optional, r); err != nil {
				return err
			}
		}
		return nil
	}
	type result struct {
		sub  *run
		err  error
		done chan struct{}
	}
	results := make([]result, len(reads))
	for i := range results {
		results[i].done = make(chan struct{})
	}
	var (
		next atomic.Int64
		stop atomic.Bool // a target failed: read no more
		wg   sync.WaitGroup
	)
	defer wg.Wait()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reads) {
					return
				}
				res := &results[i]
				if reads[i].bad == nil && !stop.Load() {
					res.sub = r.fork()
					res.err = o.readTarget(ctx, reads[i].loc, optional, res.sub)
				}
				close(res.done)
			}
		})
	}
	for i, t := range reads {
		if t.bad != nil {
			r.errs = append(r.errs, t.bad)
			continue
		}
		res := &results[i]
		<-res.done
		r.join(res.sub)
		res.sub = nil // joined: its lists may go before the other targets are read
		if res.err != nil {
			stop.Store(true)
			return res.err
		}
	}
	return nil
}

// readTarget offers a target to the location readers in order until one
// handles it.
func (o *Orchestrator) readTarget(ctx context.Context, loc plugin.Location, optional bool, r *run) error {
	for _, s := range o.readers {
		ok, err := s.p.ReadLocation(ctx, loc, optional, r, r.cache.forKey(s.name+":"+loc.Target))
		if err != nil {
			return problem.Input("Processor %s threw an error while reading %s", s.name, loc).WithCause(err)
		}
		if ok {
			return nil
		}
	}
	return problem.Input("No processor was able to handle reading of %s", loc)
}

// resolveTarget resolves a Location target against the location of the
// Location entity when both have the same type: a relative file path
// against the directory of the file (Backstage resolves only paths that
// start with "."; any relative path is resolved here, since a path relative
// to the server's working directory is never what a catalog file means),
// a URL with URL resolution. Targets of other types are taken as they are.
func resolveTarget(base plugin.Location, typ, target string) string {
	if base.Type != typ {
		return target
	}
	switch typ {
	case "file":
		if filepath.IsAbs(target) {
			return filepath.Clean(target)
		}
		return filepath.Join(filepath.Dir(base.Target), target)
	case "url":
		if u, err := scmurl.Resolve(target, base.Target); err == nil {
			return u
		}
	}
	return target
}
