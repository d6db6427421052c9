package actions

import (
	"context"

	"github.com/callboard/callboard/entity"
)

// LocationRegistrar registers url locations in the catalog, for
// catalog:register. The app adapts the catalog to it; the calls run with
// the identity of the task's user in ctx.
type LocationRegistrar interface {
	// RegisterLocation adds a location of type url for target and returns
	// the refs of the entities read from it, kinds spelled as in the
	// files. With dryRun it adds nothing and only reads the target. A
	// location that exists already is a problem.Conflict error.
	RegisterLocation(ctx context.Context, target string, dryRun bool) ([]entity.Ref, error)
}

// EntityGetter reads catalog entities, for catalog:fetch.
type EntityGetter interface {
	// Entity returns the entity with ref as JSON-decoded data, or nil and
	// no error when there is none (or the task's user may not read it).
	Entity(ctx context.Context, ref entity.Ref) (map[string]any, error)
}
