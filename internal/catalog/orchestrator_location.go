package catalog

import (
	"context"
	"os"
	"path/filepath"
	"strings"

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
	for _, raw := range targets {
		if typ == "file" && (strings.HasSuffix(raw, "/") || strings.HasSuffix(raw, string(os.PathSeparator))) {
			r.errs = append(r.errs, problem.Input("LocationEntityProcessor cannot handle file type location with target %s that ends with a path separator", raw))
			continue
		}
		loc := plugin.Location{Type: typ, Target: resolveTarget(r.loc, typ, raw), Presence: presence}
		handled := false
		for _, s := range o.readers {
			ok, err := s.p.ReadLocation(ctx, loc, presence == "optional", r, r.cache.forKey(s.name+":"+loc.Target))
			if err != nil {
				return problem.Input("Processor %s threw an error while reading %s", s.name, loc).WithCause(err)
			}
			if ok {
				handled = true
				break
			}
		}
		if !handled {
			return problem.Input("No processor was able to handle reading of %s", loc)
		}
	}
	return nil
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
