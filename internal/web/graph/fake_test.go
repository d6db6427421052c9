package graph

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/callboard/callboard/entity"
)

// fakeCatalog is a catalog in memory whose entities carry both directions
// of every relation, as stitching leaves them. hidden refs read as absent,
// as they do for a reader who may not see them.
type fakeCatalog struct {
	mu       sync.Mutex
	entities map[string]*entity.Entity
	hidden   map[string]bool
	reads    int
	maxBatch int
}

func newFakeCatalog() *fakeCatalog {
	return &fakeCatalog{entities: map[string]*entity.Entity{}, hidden: map[string]bool{}}
}

// add puts an entity in; ref is kind:namespace/name.
func (c *fakeCatalog) add(ref, title string) *entity.Entity {
	r := entity.MustParseRef(ref)
	e := &entity.Entity{
		APIVersion: "backstage.io/v1alpha1",
		Kind:       kindName(r.Kind),
		Metadata:   entity.Metadata{Name: r.Name, Namespace: r.Namespace, Title: title},
	}
	c.entities[r.String()] = e
	return e
}

func kindName(k string) string {
	switch k {
	case "api":
		return "API"
	}
	return strings.ToUpper(k[:1]) + k[1:]
}

// relate adds from -typ-> to and its reverse; the target need not exist.
func (c *fakeCatalog) relate(from, typ, to string) {
	if e := c.entities[from]; e != nil {
		e.Relations = append(e.Relations, entity.Relation{Type: typ, TargetRef: to})
		sortRelations(e)
	}
	if e := c.entities[to]; e != nil {
		e.Relations = append(e.Relations, entity.Relation{Type: entity.ReverseRelation[typ], TargetRef: from})
		sortRelations(e)
	}
}

// sortRelations orders relations by type then target, as stitching does.
func sortRelations(e *entity.Entity) {
	sort.Slice(e.Relations, func(i, j int) bool {
		a, b := e.Relations[i], e.Relations[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.TargetRef < b.TargetRef
	})
}

func (c *fakeCatalog) EntitiesByRefs(_ context.Context, refs []string) ([]*entity.Entity, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(refs) > readChunk {
		return nil, fmt.Errorf("read %d entities: at most %d at once", len(refs), readChunk)
	}
	c.reads++
	c.maxBatch = max(c.maxBatch, len(refs))
	out := make([]*entity.Entity, len(refs))
	for i, r := range refs {
		if !c.hidden[r] {
			out[i] = c.entities[r]
		}
	}
	return out, nil
}

// harbour is a small organisation: a booking service with its API, the
// APIs it consumes, its database, owner, system and domain.
func harbour(t testing.TB) *fakeCatalog {
	t.Helper()
	c := newFakeCatalog()
	c.add("component:default/booking-service", "Booking service")
	c.add("component:default/traveller-web", "")
	c.add("component:default/payments-gateway", "")
	c.add("component:default/ops-console", "")
	c.add("api:default/booking-api", "Booking API")
	c.add("api:default/payments-api", "")
	c.add("resource:default/bookings-db", "")
	c.add("group:default/team-bookings", "Bookings team")
	c.add("group:default/team-payments", "")
	c.add("user:default/ana", "")
	c.add("system:default/ferries", "")
	c.add("domain:default/travel", "")
	c.add("system:ops/console", "")

	c.relate("component:default/booking-service", entity.RelationProvidesAPI, "api:default/booking-api")
	c.relate("component:default/booking-service", entity.RelationConsumesAPI, "api:default/payments-api")
	c.relate("component:default/booking-service", entity.RelationDependsOn, "resource:default/bookings-db")
	c.relate("component:default/booking-service", entity.RelationOwnedBy, "group:default/team-bookings")
	c.relate("component:default/booking-service", entity.RelationPartOf, "system:default/ferries")
	c.relate("component:default/traveller-web", entity.RelationConsumesAPI, "api:default/booking-api")
	c.relate("component:default/traveller-web", entity.RelationOwnedBy, "group:default/team-bookings")
	c.relate("component:default/ops-console", entity.RelationDependsOn, "component:default/booking-service")
	c.relate("component:default/ops-console", entity.RelationPartOf, "system:ops/console")
	c.relate("component:default/payments-gateway", entity.RelationProvidesAPI, "api:default/payments-api")
	c.relate("component:default/payments-gateway", entity.RelationOwnedBy, "group:default/team-payments")
	c.relate("api:default/booking-api", entity.RelationOwnedBy, "group:default/team-bookings")
	c.relate("resource:default/bookings-db", entity.RelationOwnedBy, "group:default/team-bookings")
	c.relate("user:default/ana", entity.RelationMemberOf, "group:default/team-bookings")
	c.relate("system:default/ferries", entity.RelationPartOf, "domain:default/travel")
	// A dependency on something the catalog does not have.
	c.relate("component:default/booking-service", entity.RelationDependsOn, "resource:default/legacy-queue")
	return c
}
