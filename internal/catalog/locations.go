package catalog

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

func (e *Engine) toLocation(l LocationRow) Location {
	return Location{ID: l.ID, Type: l.Type, Target: l.Target, EntityRef: locationEntityRef(l.Type, l.Target)}
}

func (e *Engine) checkWritable() error {
	if e.opts.Readonly {
		return problem.NotAllowed("This operation not allowed in readonly mode")
	}
	return nil
}

func (e *Engine) checkLocationInput(in LocationInput) error {
	if !slices.Contains(e.opts.AllowedLocationTypes, in.Type) {
		allowed, _ := json.Marshal(e.opts.AllowedLocationTypes)
		return problem.Input("Registered locations must be of an allowed type %s", allowed)
	}
	if strings.TrimSpace(in.Target) == "" {
		return problem.Input("Location target must not be empty")
	}
	return nil
}

// CreateLocation registers a location (POST /locations). The location's
// entity is processed asynchronously, so Entities is empty; a dry run
// stores nothing and processes the whole tree synchronously instead.
func (e *Engine) CreateLocation(ctx context.Context, in LocationInput, o CreateLocationOptions) (*CreateLocationResult, error) {
	if !o.DryRun {
		if err := e.checkWritable(); err != nil {
			return nil, err
		}
	}
	if err := e.checkLocationInput(in); err != nil {
		return nil, err
	}
	if o.DryRun {
		return e.dryRunLocation(ctx, in)
	}
	e.locationsMu.Lock()
	defer e.locationsMu.Unlock()
	row := LocationRow{ID: uuid.NewString(), Type: in.Type, Target: in.Target, Presence: in.Presence, CreatedAt: e.now()}
	inserted, err := e.store.InsertLocation(ctx, row)
	if err != nil {
		return nil, err
	}
	if !inserted {
		strategy := o.OnConflict
		if strategy == "" {
			strategy = e.opts.DefaultConflictStrategy
		}
		if strategy != ConflictRefresh {
			return nil, problem.Conflict("Location %s:%s already exists", in.Type, in.Target)
		}
		existing, err := e.store.LocationByTarget(ctx, in.Type, in.Target)
		if err != nil {
			return nil, err
		}
		if existing == nil {
			return nil, problem.Conflict("Location %s:%s already exists", in.Type, in.Target)
		}
		loc := e.toLocation(*existing)
		if _, err := e.store.ScheduleRefresh(ctx, loc.EntityRef, e.now()); err != nil {
			return nil, err
		}
		signal(e.wakeProcess)
		return &CreateLocationResult{Location: loc, Entities: []json.RawMessage{}}, nil
	}
	m := plugin.Mutation{Type: plugin.Delta, Added: []plugin.DeferredEntity{registeredLocation(row)}}
	if err := e.applyMutation(ctx, locationProviderName, m); err != nil {
		return nil, err
	}
	return &CreateLocationResult{Location: e.toLocation(row), Entities: []json.RawMessage{}}, nil
}

func (e *Engine) dryRunLocation(ctx context.Context, in LocationInput) (*CreateLocationResult, error) {
	existing, err := e.store.LocationByTarget(ctx, in.Type, in.Target)
	if err != nil {
		return nil, err
	}
	exists := existing != nil
	root := locationEntity(in.Type, in.Target, in.Presence).ToMap()
	entities, errs := e.orch.ProcessTree(ctx, root)
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, se := range errs {
			// Backstage joins String(error), which is "<name>: <message>".
			msgs[i] = se.Name + ": " + se.Message
		}
		if len(errs) == 1 && strings.HasPrefix(errs[0].Message, "Duplicate nested entity: ") {
			msgs[0] = errs[0].Message
		}
		return nil, problem.Input("%s", strings.Join(msgs, ", "))
	}
	out := &CreateLocationResult{
		Location: Location{
			ID:        entity.LocationRefString(in.Type, in.Target),
			Type:      in.Type,
			Target:    in.Target,
			EntityRef: locationEntityRef(in.Type, in.Target),
		},
		Entities: make([]json.RawMessage, 0, len(entities)),
		Exists:   &exists,
	}
	for _, ent := range entities {
		b, err := json.Marshal(ent)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", ent.Ref(), err)
		}
		out.Entities = append(out.Entities, b)
	}
	return out, nil
}

// Locations returns every registered location (GET /locations).
func (e *Engine) Locations(ctx context.Context) ([]Location, error) {
	rows, err := e.store.ListLocations(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Location, len(rows))
	for i, l := range rows {
		out[i] = e.toLocation(l)
	}
	return out, nil
}

// locationCursor is the cursor of POST /locations/by-query.
type locationCursor struct {
	Limit   int        `json:"limit"`
	AfterID string     `json:"afterId"`
	Query   *Predicate `json:"query,omitempty"`
}

// LocationsByQuery pages the registered locations matching q.Filter by
// type and target, ordered by id.
func (e *Engine) LocationsByQuery(ctx context.Context, q LocationQuery) (*LocationPage, error) {
	limit, filter, after := q.Limit, q.Filter, ""
	if q.Cursor != "" {
		c, err := decodeLocationCursor(q.Cursor)
		if err != nil {
			return nil, err
		}
		limit, filter, after = c.Limit, c.Query, c.AfterID
	}
	if limit == 0 {
		limit = 1000
	}
	if limit < 0 {
		return nil, problem.Input("limit must be at least 1")
	}
	rows, err := e.store.ListLocations(ctx)
	if err != nil {
		return nil, err
	}
	// Ordered here, by bytes, so that the cursor's afterId comparison
	// agrees with the order whatever the database's collation.
	slices.SortFunc(rows, func(a, b LocationRow) int { return strings.Compare(a.ID, b.ID) })
	page := &LocationPage{Items: []Location{}}
	for _, l := range rows {
		if !locationMatches(filter, l) {
			continue
		}
		page.TotalItems++
		if l.ID <= after {
			continue
		}
		if len(page.Items) == limit {
			if page.NextCursor == "" {
				last := page.Items[len(page.Items)-1].ID
				page.NextCursor = encodeLocationCursor(locationCursor{Limit: limit, AfterID: last, Query: filter})
			}
			continue
		}
		page.Items = append(page.Items, e.toLocation(l))
	}
	return page, nil
}

func encodeLocationCursor(c locationCursor) string {
	b, _ := json.Marshal(c) // a cursor of plain fields always encodes
	return base64.StdEncoding.EncodeToString(b)
}

func decodeLocationCursor(s string) (locationCursor, error) {
	var c locationCursor
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return c, problem.Input("Malformed cursor: %v", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, problem.Input("Malformed cursor: %v", err)
	}
	if c.Limit < 1 {
		return c, problem.Input("Malformed cursor: limit must be at least 1")
	}
	return c, nil
}

// locationMatches evaluates a predicate over a location's fields: type,
// target and id, compared case-insensitively.
func locationMatches(p *Predicate, l LocationRow) bool {
	if p == nil {
		return true
	}
	switch p.Op {
	case OpAll:
		for i := range p.Children {
			if !locationMatches(&p.Children[i], l) {
				return false
			}
		}
		return true
	case OpAny:
		for i := range p.Children {
			if locationMatches(&p.Children[i], l) {
				return true
			}
		}
		return false
	case OpNot:
		return len(p.Children) == 1 && !locationMatches(&p.Children[0], l)
	case OpField:
		var v string
		switch strings.ToLower(p.Key) {
		case "type":
			v = l.Type
		case "target":
			v = l.Target
		case "id":
			v = l.ID
		default:
			return p.Match.Kind == MatchExists && !p.Match.Exists
		}
		v = strings.ToLower(v)
		switch p.Match.Kind {
		case MatchEq:
			return slices.Contains(p.Match.Values, v)
		case MatchExists:
			return p.Match.Exists
		case MatchPrefix:
			return len(p.Match.Values) > 0 && strings.HasPrefix(v, p.Match.Values[0])
		}
	}
	return false
}

// Location returns one registered location (GET /locations/{id}).
func (e *Engine) Location(ctx context.Context, id string) (*Location, error) {
	l, err := e.store.LocationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, problem.NotFound("Found no location with ID %s", id)
	}
	loc := e.toLocation(*l)
	return &loc, nil
}

// UpdateLocation changes a registered location (PUT /locations/{id}); its
// Location entity is replaced by the new one.
func (e *Engine) UpdateLocation(ctx context.Context, id string, in LocationInput) (*Location, error) {
	if err := e.checkWritable(); err != nil {
		return nil, err
	}
	if err := e.checkLocationInput(in); err != nil {
		return nil, err
	}
	e.locationsMu.Lock()
	defer e.locationsMu.Unlock()
	old, err := e.store.LocationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if old == nil {
		return nil, problem.NotFound("Found no location with ID %s", id)
	}
	row := LocationRow{ID: id, Type: in.Type, Target: in.Target, Presence: in.Presence, CreatedAt: old.CreatedAt}
	found, ok, err := e.store.UpdateLocation(ctx, row)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, problem.NotFound("Found no location with ID %s", id)
	}
	if !ok {
		return nil, problem.Conflict("Location %s:%s already exists", in.Type, in.Target)
	}
	m := plugin.Mutation{Type: plugin.Delta, Added: []plugin.DeferredEntity{registeredLocation(row)}}
	if old.Type != row.Type || old.Target != row.Target {
		m.Removed = []plugin.RemovedEntity{removedLocation(*old)}
	}
	if err := e.applyMutation(ctx, locationProviderName, m); err != nil {
		return nil, err
	}
	loc := e.toLocation(row)
	return &loc, nil
}

func removedLocation(l LocationRow) plugin.RemovedEntity {
	return plugin.RemovedEntity{
		Ref:         entity.Ref{Kind: "location", Namespace: entity.DefaultNamespace, Name: locationEntityName(l.Type, l.Target)},
		LocationKey: entity.LocationRefString(l.Type, l.Target),
	}
}

// DeleteLocation unregisters a location (DELETE /locations/{id}) and
// removes its Location entity together with every entity only it kept.
func (e *Engine) DeleteLocation(ctx context.Context, id string) error {
	if err := e.checkWritable(); err != nil {
		return err
	}
	e.locationsMu.Lock()
	defer e.locationsMu.Unlock()
	l, err := e.store.DeleteLocation(ctx, id)
	if err != nil {
		return err
	}
	if l == nil {
		return problem.NotFound("Found no location with ID %s", id)
	}
	return e.applyMutation(ctx, locationProviderName, plugin.Mutation{Type: plugin.Delta, Removed: []plugin.RemovedEntity{removedLocation(*l)}})
}

// LocationByEntity returns the registered location an entity originates
// from (GET /locations/by-entity/...).
func (e *Engine) LocationByEntity(ctx context.Context, ref entity.Ref) (*Location, error) {
	refStr := ref.String()
	origin, found, err := e.store.EntityOriginLocation(ctx, refStr)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, problem.NotFound("found no entity for ref %s", refStr)
	}
	if origin == "" {
		return nil, problem.NotFound("found no origin annotation for ref %s", refStr)
	}
	typ, target, err := entity.ParseLocationRef(origin)
	if err != nil {
		return nil, problem.NotFound("found no origin annotation for ref %s", refStr).WithCause(err)
	}
	l, err := e.store.LocationByTarget(ctx, typ, target)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, problem.NotFound("Found no location with type %s and target %s", typ, target)
	}
	loc := e.toLocation(*l)
	return &loc, nil
}
