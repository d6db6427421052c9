package catalog

import (
	"context"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
)

// Refresh schedules an entity for processing now (POST /refresh), together
// with the Location entities it was read through, so that its source is
// read again.
func (e *Engine) Refresh(ctx context.Context, entityRef string) error {
	ref := canonicalRef(entityRef)
	found, err := e.store.ScheduleRefresh(ctx, ref, e.now())
	if err != nil {
		return err
	}
	if !found {
		return problem.NotFound("Entity %s not found", ref)
	}
	signal(e.wakeProcess)
	return nil
}

// canonicalRef is the stored form of a full entity ref; anything that does
// not parse is only lower-cased, as Backstage does.
func canonicalRef(s string) string {
	if r, err := entity.ParseRef(s, entity.RefDefaults{}); err == nil {
		return r.String()
	}
	return strings.ToLower(s)
}

// DeleteByUID deletes an entity (DELETE /entities/by-uid/{uid}). Its
// parents are processed again right away, so an entity its source still
// emits comes back; the intended use is removing orphans. Deleting an
// unknown uid is not an error.
func (e *Engine) DeleteByUID(ctx context.Context, uid string) error {
	if err := e.store.DeleteByUID(ctx, uid, e.now()); err != nil {
		return err
	}
	signal(e.wakeProcess)
	signal(e.wakeStitch)
	return nil
}
