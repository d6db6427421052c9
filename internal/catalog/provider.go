package catalog

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// providerConnection is a provider's handle on the engine.
type providerConnection struct {
	e    *Engine
	name string
}

var _ plugin.ProviderConnection = (*providerConnection)(nil)

func (c *providerConnection) ApplyMutation(ctx context.Context, m plugin.Mutation) error {
	return c.e.applyMutation(ctx, c.name, m)
}

func (c *providerConnection) Refresh(ctx context.Context, keys []string) error {
	n, err := c.e.store.ScheduleRefreshKeys(ctx, keys, c.e.now())
	if err != nil {
		return err
	}
	if n > 0 {
		signal(c.e.wakeProcess)
	}
	return nil
}

// applyMutation stores a provider's mutation. Entities owned by another
// location key are skipped with a warning, as Backstage does.
func (e *Engine) applyMutation(ctx context.Context, source string, m plugin.Mutation) error {
	sm := StoreMutation{SourceKey: source, Now: e.now()}
	var entities []plugin.DeferredEntity
	switch m.Type {
	case plugin.Full:
		sm.Full = true
		entities = m.Entities
	case plugin.Delta:
		entities = m.Added
		for _, r := range m.Removed {
			sm.Removals = append(sm.Removals, r.Ref.String())
		}
	default:
		return problem.Input("unknown mutation type %q", m.Type)
	}
	for _, d := range entities {
		u, err := unprocessedFromEntity(d.Entity, d.LocationKey)
		if err != nil {
			return problem.Input("invalid entity from provider %s: %v", source, err)
		}
		sm.Upserts = append(sm.Upserts, u)
	}
	out, err := e.store.ApplyMutation(ctx, sm)
	if err != nil {
		return err
	}
	for _, c := range out.Conflicts {
		e.log.Warn("source detected conflicting entityRef", "source", source, "entityRef", c.Ref,
			"existingLocationKey", c.ExistingKey, "locationKey", c.NewKey)
	}
	if out.Inserted+out.Updated > 0 {
		signal(e.wakeProcess)
	}
	if out.Deleted > 0 {
		signal(e.wakeStitch)
	}
	return nil
}

// locationEntity is the Location entity that stands for a registered or
// configured location: location:default/generated-<sha1 of type:target>.
func locationEntity(typ, target, presence string) *entity.Entity {
	ref := entity.LocationRefString(typ, target)
	spec := map[string]any{"type": typ, "target": target}
	if presence != "" {
		spec["presence"] = presence
	}
	return &entity.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       "Location",
		Metadata: entity.Metadata{
			Name: locationEntityName(typ, target),
			Annotations: map[string]string{
				entity.AnnotationManagedByLocation:       ref,
				entity.AnnotationManagedByOriginLocation: ref,
			},
		},
		Spec: spec,
	}
}

func locationEntityName(typ, target string) string {
	return "generated-" + sha1Hex([]byte(entity.LocationRefString(typ, target)))
}

// locationEntityRef is the ref of a location's Location entity.
func locationEntityRef(typ, target string) string {
	return entity.Ref{Kind: "location", Namespace: entity.DefaultNamespace, Name: locationEntityName(typ, target)}.String()
}

// applyConfigLocations replaces the config provider's entities with one
// Location entity per configured location. File targets are made absolute
// against the working directory, as Backstage resolves them.
func (e *Engine) applyConfigLocations(ctx context.Context) error {
	var m plugin.Mutation
	m.Type = plugin.Full
	for _, l := range e.opts.ConfigLocations {
		target := l.Target
		if l.Type == "file" {
			abs, err := filepath.Abs(target)
			if err != nil {
				return fmt.Errorf("config location %s: %w", l, err)
			}
			target = abs
		}
		m.Entities = append(m.Entities, plugin.DeferredEntity{
			Entity:      locationEntity(l.Type, target, l.Presence),
			LocationKey: entity.LocationRefString(l.Type, target),
		})
	}
	if err := e.applyMutation(ctx, configProviderName, m); err != nil {
		return fmt.Errorf("apply config locations: %w", err)
	}
	return nil
}

// syncRegisteredLocations replaces the location store provider's entities
// with one Location entity per registered location.
func (e *Engine) syncRegisteredLocations(ctx context.Context) error {
	// The full mutation must not drop a location registered between the
	// listing and the mutation.
	e.locationsMu.Lock()
	defer e.locationsMu.Unlock()
	locs, err := e.store.ListLocations(ctx)
	if err != nil {
		return err
	}
	m := plugin.Mutation{Type: plugin.Full}
	for _, l := range locs {
		m.Entities = append(m.Entities, registeredLocation(l))
	}
	if err := e.applyMutation(ctx, locationProviderName, m); err != nil {
		return fmt.Errorf("apply registered locations: %w", err)
	}
	return nil
}

func registeredLocation(l LocationRow) plugin.DeferredEntity {
	return plugin.DeferredEntity{
		Entity:      locationEntity(l.Type, l.Target, l.Presence),
		LocationKey: entity.LocationRefString(l.Type, l.Target),
	}
}
