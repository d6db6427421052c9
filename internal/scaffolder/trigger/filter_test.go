package trigger

import (
	"strings"
	"testing"
)

func TestFilterMatches(t *testing.T) {
	ent := map[string]any{
		"kind": "Component",
		"metadata": map[string]any{
			"name":        "api",
			"tags":        []any{"go", "http"},
			"annotations": map[string]any{"backstage.io/techdocs-ref": "dir:."},
		},
		"spec": map[string]any{"type": "service", "replicas": float64(3)},
	}
	tests := []struct {
		name   string
		filter any
		want   bool
	}{
		{"none", nil, true},
		{"kind folds case", map[string]any{"kind": "component"}, true},
		{"other fields do not", map[string]any{"spec.type": "Service"}, false},
		{"all entries", map[string]any{"kind": "Component", "spec.type": "service"}, true},
		{"one entry fails", map[string]any{"kind": "Component", "spec.type": "website"}, false},
		{"list of values", map[string]any{"spec.type": []any{"website", "service"}}, true},
		{"entity list", map[string]any{"metadata.tags": "http"}, true},
		{"dotted key", map[string]any{"metadata.annotations.backstage.io/techdocs-ref": "dir:."}, true},
		{"number", map[string]any{"spec.replicas": 3}, true},
		{"missing path", map[string]any{"spec.owner": "x"}, false},
		{"any alternative", []any{map[string]any{"kind": "API"}, map[string]any{"metadata.name": "api"}}, true},
		{"no alternative", []any{map[string]any{"kind": "API"}}, false},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.filter)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := f.Matches(ent); got != tt.want {
			t.Errorf("%s: Matches = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseTriggersErrors(t *testing.T) {
	tests := []struct {
		spec map[string]any
		want string
	}{
		{map[string]any{"schedule": "daily"}, "spec.schedule: must be an object"},
		{map[string]any{"schedule": map[string]any{}}, "spec.schedule.cron: must be a cron expression"},
		{map[string]any{"schedule": map[string]any{"cron": "* * *"}}, "spec.schedule.cron: cron \"* * *\": want 5 fields"},
		{map[string]any{"schedule": map[string]any{"cron": "@daily", "timezone": "Mars/Olympus"}}, `spec.schedule.timezone: unknown time zone "Mars/Olympus"`},
		{map[string]any{"schedule": map[string]any{"cron": "@daily", "values": []any{}}}, "spec.schedule.values: must be an object"},
		{map[string]any{"triggers": map[string]any{}}, "spec.triggers: must be a list"},
		{map[string]any{"triggers": []any{map[string]any{"on": []any{"renamed"}}}}, `spec.triggers[0].on: unknown event "renamed"`},
		{map[string]any{"triggers": []any{map[string]any{"entityFilter": "kind=Component"}}}, "spec.triggers[0].entityFilter: must be an object"},
		{map[string]any{"triggers": []any{map[string]any{"values": "x"}}}, "spec.triggers[0].values: must be an object"},
	}
	for _, tt := range tests {
		_, err := ParseTriggers(tt.spec)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseTriggers(%v) = %v, want %q", tt.spec, err, tt.want)
		}
	}
	tr, err := ParseTriggers(map[string]any{"triggers": []any{map[string]any{}}})
	if err != nil || len(tr.Events) != 1 || len(tr.Events[0].On) != 3 {
		t.Errorf("a trigger without on: %+v, %v; want every event", tr, err)
	}
}
