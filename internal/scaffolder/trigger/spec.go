package trigger

import (
	"fmt"
	"slices"
	"time"
)

// Catalog event names in spec.triggers[].on.
const (
	OnAdded   = "added"
	OnChanged = "changed"
	OnRemoved = "removed"
)

// Triggers is what a template asks to be started by: its spec.schedule
// and spec.triggers.
type Triggers struct {
	// Schedule is nil when the template has no spec.schedule.
	Schedule *ScheduleSpec
	Events   []EventTrigger
}

// ScheduleSpec is spec.schedule.
type ScheduleSpec struct {
	Cron   *Schedule
	Values map[string]any
}

// EventTrigger is one item of spec.triggers.
type EventTrigger struct {
	// On lists the catalog events; all three when the template names none.
	On     []string
	Filter Filter
	Values map[string]any
}

// ParseTriggers reads spec.schedule and spec.triggers from a template's
// spec. Errors name the field.
func ParseTriggers(spec map[string]any) (*Triggers, error) {
	out := &Triggers{}
	if raw, ok := spec["schedule"]; ok && raw != nil {
		s, err := parseSchedule(raw)
		if err != nil {
			return nil, err
		}
		out.Schedule = s
	}
	if raw, ok := spec["triggers"]; ok && raw != nil {
		list, ok := raw.([]any)
		if !ok {
			return nil, fmt.Errorf("spec.triggers: must be a list")
		}
		for i, item := range list {
			tr, err := parseEventTrigger(item)
			if err != nil {
				return nil, fmt.Errorf("spec.triggers[%d].%w", i, err)
			}
			out.Events = append(out.Events, tr)
		}
	}
	return out, nil
}

func parseSchedule(raw any) (*ScheduleSpec, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("spec.schedule: must be an object with cron, timezone and values")
	}
	expr, ok := m["cron"].(string)
	if !ok || expr == "" {
		return nil, fmt.Errorf("spec.schedule.cron: must be a cron expression")
	}
	loc := time.UTC
	if tz, ok := m["timezone"]; ok && tz != nil {
		name, ok := tz.(string)
		if !ok {
			return nil, fmt.Errorf("spec.schedule.timezone: must be a time zone name")
		}
		var err error
		if loc, err = time.LoadLocation(name); err != nil {
			return nil, fmt.Errorf("spec.schedule.timezone: unknown time zone %q", name)
		}
	}
	cron, err := ParseCron(expr, loc)
	if err != nil {
		return nil, fmt.Errorf("spec.schedule.cron: %w", err)
	}
	values, err := valuesOf(m)
	if err != nil {
		return nil, fmt.Errorf("spec.schedule.%w", err)
	}
	return &ScheduleSpec{Cron: cron, Values: values}, nil
}

func parseEventTrigger(raw any) (EventTrigger, error) {
	var tr EventTrigger
	m, ok := raw.(map[string]any)
	if !ok {
		return tr, fmt.Errorf("on: the trigger must be an object with on, entityFilter and values")
	}
	switch on := m["on"].(type) {
	case nil:
		tr.On = []string{OnAdded, OnChanged, OnRemoved}
	case string:
		tr.On = []string{on}
	case []any:
		for _, v := range on {
			s, ok := v.(string)
			if !ok {
				return tr, fmt.Errorf("on: items must be event names")
			}
			tr.On = append(tr.On, s)
		}
	default:
		return tr, fmt.Errorf("on: must be a list of added, changed and removed")
	}
	for _, ev := range tr.On {
		if !slices.Contains([]string{OnAdded, OnChanged, OnRemoved}, ev) {
			return tr, fmt.Errorf("on: unknown event %q (want added, changed or removed)", ev)
		}
	}
	f, err := ParseFilter(m["entityFilter"])
	if err != nil {
		return tr, fmt.Errorf("entityFilter: %w", err)
	}
	tr.Filter = f
	if tr.Values, err = valuesOf(m); err != nil {
		return tr, err
	}
	return tr, nil
}

func valuesOf(m map[string]any) (map[string]any, error) {
	switch v := m["values"].(type) {
	case nil:
		return map[string]any{}, nil
	case map[string]any:
		return v, nil
	}
	return nil, fmt.Errorf("values: must be an object of parameters")
}

// Fires reports whether the trigger starts a task for this event on this
// entity.
func (tr EventTrigger) Fires(event string, ent map[string]any) bool {
	return slices.Contains(tr.On, event) && tr.Filter.Matches(ent)
}
