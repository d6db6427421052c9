package trigger

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/scaffolder/nunjucks"
)

// eventOf maps the history's change names to the trigger's event names.
var eventOf = map[string]string{"created": OnAdded, "updated": OnChanged, "deleted": OnRemoved}

// CheckEvents reads the catalog's changes after the cursor and starts a
// task for each template trigger that matches one: a template fires at
// most once per change (fire key "event:<history id>"), across replicas.
// The cursor moves past a change once its tasks are created; a change
// whose task the rate limit refused stops the pass, to be read again.
func (s *Scheduler) CheckEvents(ctx context.Context) error {
	now := s.now()
	cursor, err := s.store.Cursor(ctx)
	if err != nil {
		return err
	}
	var ts []triggered
	listed := false
	for {
		changes, err := s.store.Changes(ctx, cursor, changesBatch)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		if !listed {
			if ts, err = s.templates(ctx); err != nil {
				return err
			}
			listed = true
		}
		pos := cursor
		for _, c := range changes {
			if c.At.After(now.Add(-s.settle)) {
				break
			}
			deferred, err := s.handle(ctx, ts, c, now)
			if err != nil {
				return err
			}
			if deferred {
				break
			}
			pos = c.ID
		}
		if pos > cursor {
			if err := s.store.AdvanceCursor(ctx, pos); err != nil {
				return err
			}
		}
		if pos != changes[len(changes)-1].ID || len(changes) < changesBatch {
			return nil
		}
		cursor = pos
	}
}

// handle fires the triggers one change matches.
func (s *Scheduler) handle(ctx context.Context, ts []triggered, c Change, now time.Time) (deferred bool, err error) {
	event, ok := eventOf[c.Change]
	if !ok {
		return false, nil
	}
	ent, err := changedEntity(c, event)
	if err != nil {
		return false, err
	}
	if ent == nil {
		// Added or changed, and gone since: its removal comes later.
		return false, nil
	}
	for _, x := range ts {
		for i, tr := range x.tr.Events {
			if !tr.Fires(event, ent) {
				continue
			}
			values, err := renderValues(tr.Values, ent)
			if err != nil {
				s.log.ErrorContext(ctx, "trigger values do not render", "template", x.t.Ref, "trigger", i, "entity", c.Ref, "error", err)
				break
			}
			req := scaffolder.CreateRequest{TemplateRef: x.t.Ref, Values: values, CreatedBy: CreatedBy}
			if event != OnRemoved {
				req.EntityRef = c.Ref
			}
			d, err := s.fire(ctx, eventKeyPrefix+strconv.FormatInt(c.ID, 10), req, now)
			if err != nil || d {
				return d, err
			}
			// One task per template and change, however many of its
			// triggers match.
			break
		}
	}
	return false, nil
}

// changedEntity is the entity a change is about: as it is now, or for a
// removal, what its ref tells (kind, namespace and name).
func changedEntity(c Change, event string) (map[string]any, error) {
	if event == OnRemoved {
		r, err := entity.ParseRef(c.Ref, entity.RefDefaults{})
		if err != nil {
			return nil, fmt.Errorf("catalog change %d: %w", c.ID, err)
		}
		return map[string]any{
			"kind":     r.Kind,
			"metadata": map[string]any{"namespace": r.Namespace, "name": r.Name},
		}, nil
	}
	if c.Entity == nil {
		return nil, nil
	}
	var ent map[string]any
	if err := json.Unmarshal(c.Entity, &ent); err != nil {
		return nil, fmt.Errorf("catalog change %d: decode entity %s: %w", c.ID, c.Ref, err)
	}
	return ent, nil
}

// valuesEnv renders ${{ entity... }} in trigger values.
var valuesEnv = nunjucks.New(nunjucks.Options{})

// renderValues renders every string of values with entity as ${{ entity }}.
func renderValues(values map[string]any, ent map[string]any) (map[string]any, error) {
	vars := map[string]any{"entity": ent}
	out, err := renderValue("values", values, vars)
	if err != nil {
		return nil, err
	}
	m, _ := out.(map[string]any)
	return m, nil
}

func renderValue(path string, v any, vars map[string]any) (any, error) {
	switch x := v.(type) {
	case string:
		return valuesEnv.RenderValue(path, x, vars)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, item := range x {
			r, err := renderValue(path+"."+k, item, vars)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			r, err := renderValue(fmt.Sprintf("%s[%d]", path, i), item, vars)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}
