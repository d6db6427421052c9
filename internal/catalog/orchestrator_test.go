package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// fakeProc is a processor whose stages are the functions that are set.
type fakeProc struct {
	name string
	pre  func(data map[string]any, loc plugin.Location, emit plugin.Emitter, cache plugin.Cache) (map[string]any, error)
	kind func(e *entity.Entity) (bool, error)
	read func(loc plugin.Location, optional bool, emit plugin.Emitter, cache plugin.Cache) (bool, error)
	post func(e *entity.Entity, emit plugin.Emitter, cache plugin.Cache) error
}

func (f *fakeProc) Name() string { return f.name }

// Each stage is a separate type so that the orchestrator sees only the
// stages a test sets.
type (
	preProc  struct{ *fakeProc }
	kindProc struct{ *fakeProc }
	readProc struct{ *fakeProc }
	postProc struct{ *fakeProc }
)

func (p preProc) PreProcessEntity(_ context.Context, data map[string]any, loc plugin.Location, emit plugin.Emitter, cache plugin.Cache) (map[string]any, error) {
	return p.pre(data, loc, emit, cache)
}
func (p kindProc) ValidateEntityKind(e *entity.Entity) (bool, error) { return p.kind(e) }
func (p readProc) ReadLocation(_ context.Context, loc plugin.Location, optional bool, emit plugin.Emitter, cache plugin.Cache) (bool, error) {
	return p.read(loc, optional, emit, cache)
}
func (p postProc) PostProcessEntity(_ context.Context, e *entity.Entity, _ plugin.Location, emit plugin.Emitter, cache plugin.Cache) error {
	return p.post(e, emit, cache)
}

var acceptAll = kindProc{&fakeProc{name: "kinds", kind: func(*entity.Entity) (bool, error) { return true, nil }}}

func component(name string) map[string]any {
	return map[string]any{
		"apiVersion": "backstage.io/v1alpha1",
		"kind":       "Component",
		"metadata": map[string]any{
			"name": name,
			"annotations": map[string]any{
				entity.AnnotationManagedByLocation:       "file:/srv/catalog/" + name + ".yaml",
				entity.AnnotationManagedByOriginLocation: "file:/srv/catalog/all.yaml",
			},
		},
		"spec": map[string]any{"type": "service", "lifecycle": "production", "owner": "team-a"},
	}
}

func location(name, locRef string, spec map[string]any) map[string]any {
	return map[string]any{
		"apiVersion": "backstage.io/v1alpha1",
		"kind":       "Location",
		"metadata": map[string]any{
			"name": name,
			"annotations": map[string]any{
				entity.AnnotationManagedByLocation:       locRef,
				entity.AnnotationManagedByOriginLocation: "url:https://example.com/root.yaml",
			},
		},
		"spec": spec,
	}
}

func errs(res ProcessResult) []string {
	var out []string
	for _, e := range res.Errors {
		out = append(out, e.Name+": "+e.Message)
	}
	return out
}

func TestProcessStageErrors(t *testing.T) {
	boom := errors.New("boom")
	rename := preProc{&fakeProc{name: "renamer", pre: func(data map[string]any, _ plugin.Location, _ plugin.Emitter, _ plugin.Cache) (map[string]any, error) {
		out := component("renamed")
		return out, nil
	}}}
	tests := []struct {
		name  string
		procs []plugin.Processor
		data  map[string]any
		want  []string
	}{
		{
			name:  "missing location annotation",
			procs: []plugin.Processor{acceptAll},
			data:  func() map[string]any { d := component("a"); d["metadata"] = map[string]any{"name": "a"}; return d }(),
			want:  []string{"InputError: Entity 'component:default/a' is missing location"},
		},
		{
			name:  "missing origin annotation",
			procs: []plugin.Processor{acceptAll},
			data: func() map[string]any {
				d := component("a")
				d["metadata"] = map[string]any{"name": "a", "annotations": map[string]any{entity.AnnotationManagedByLocation: "file:/x.yaml"}}
				return d
			}(),
			want: []string{"InputError: Entity 'component:default/a' is missing origin location"},
		},
		{
			name:  "http location ref",
			procs: []plugin.Processor{acceptAll},
			data: func() map[string]any {
				d := component("a")
				d["metadata"] = map[string]any{"name": "a", "annotations": map[string]any{
					entity.AnnotationManagedByLocation:       "https://example.com/x.yaml",
					entity.AnnotationManagedByOriginLocation: "file:/x.yaml"}}
				return d
			}(),
			want: []string{"InputError: Entity 'component:default/a' has an invalid location; caused by Error: Invalid location ref 'https://example.com/x.yaml', please prefix it with 'url:', e.g. 'url:https://example.com/x.yaml'"},
		},
		{
			name: "preprocessor error",
			procs: []plugin.Processor{preProc{&fakeProc{name: "PlaceholderProcessor", pre: func(map[string]any, plugin.Location, plugin.Emitter, plugin.Cache) (map[string]any, error) {
				return nil, boom
			}}}, acceptAll},
			data: component("a"),
			want: []string{"InputError: Processor PlaceholderProcessor threw an error while preprocessing; caused by Error: boom"},
		},
		{
			name:  "policy failure",
			procs: []plugin.Processor{acceptAll},
			data: func() map[string]any {
				d := component("a")
				d["metadata"].(map[string]any)["tags"] = "not-a-list"
				return d
			}(),
			want: []string{"InputError: Policy check failed for component:default/a; caused by Error: Malformed envelope, /metadata/tags must be array"},
		},
		{
			name:  "ref changed",
			procs: []plugin.Processor{rename, acceptAll},
			data:  component("a"),
			want:  []string{"ConflictError: Fatal: The entity kind, namespace, or name changed during processing"},
		},
		{
			name:  "no kind validator",
			procs: nil,
			data:  component("a"),
			want:  []string{"InputError: No processor recognized the entity component:default/a as valid, possibly caused by a foreign kind or apiVersion"},
		},
		{
			name: "kind validators say no",
			procs: []plugin.Processor{
				kindProc{&fakeProc{name: "k1", kind: func(*entity.Entity) (bool, error) { return false, nil }}},
			},
			data: component("a"),
			want: []string{"InputError: No processor recognized the entity component:default/a as valid, possibly caused by a foreign kind or apiVersion"},
		},
		{
			name: "kind validator error",
			procs: []plugin.Processor{
				kindProc{&fakeProc{name: "k1", kind: func(*entity.Entity) (bool, error) { return false, nil }}},
				kindProc{&fakeProc{name: "k2", kind: func(*entity.Entity) (bool, error) {
					return true, errors.New("/spec must have required property 'owner'")
				}}},
			},
			data: component("a"),
			want: []string{"InputError: Processor k2 threw an error while validating the entity component:default/a; caused by Error: /spec must have required property 'owner'"},
		},
		{
			name: "postprocessor error",
			procs: []plugin.Processor{acceptAll, postProc{&fakeProc{name: "rel", post: func(*entity.Entity, plugin.Emitter, plugin.Cache) error {
				return problem.Input("bad ref")
			}}}},
			data: component("a"),
			want: []string{"InputError: Processor rel threw an error while postprocessing; caused by InputError: bad ref"},
		},
		{
			name: "emitted errors fail the entity",
			procs: []plugin.Processor{acceptAll, postProc{&fakeProc{name: "rel", post: func(_ *entity.Entity, emit plugin.Emitter, _ plugin.Cache) error {
				emit.Error(problem.NotFound("file x does not exist"), plugin.Location{})
				emit.Error(errors.New("second"), plugin.Location{})
				return nil
			}}}},
			data: component("a"),
			want: []string{"NotFoundError: file x does not exist", "Error: second"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewOrchestrator(OrchestratorOptions{Processors: tt.procs})
			res := o.Process(context.Background(), ProcessRequest{Entity: tt.data})
			if res.OK {
				t.Fatal("OK = true, want a failure")
			}
			if diff := cmp.Diff(tt.want, errs(res)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if res.Entity != nil || res.Deferred != nil || res.Relations != nil || res.RefreshKeys != nil {
				t.Errorf("a failed result carries output: %+v", res)
			}
		})
	}
}

func TestProcessEnvelope(t *testing.T) {
	o := NewOrchestrator(OrchestratorOptions{Processors: []plugin.Processor{acceptAll}})
	d := component("a")
	delete(d, "kind")
	res := o.Process(context.Background(), ProcessRequest{Entity: d})
	if res.OK || len(res.Errors) != 1 {
		t.Fatalf("result = %+v, want one error", res)
	}
	e := res.Errors[0]
	if e.Name != "InputError" || !strings.HasPrefix(e.Message, "Entity envelope failed validation before processing; caused by ") || e.Cause == nil {
		t.Errorf("error = %+v", e)
	}
}

func TestProcessSerializedCause(t *testing.T) {
	procs := []plugin.Processor{preProc{&fakeProc{name: "p", pre: func(map[string]any, plugin.Location, plugin.Emitter, plugin.Cache) (map[string]any, error) {
		return nil, problem.NotFound("inner").WithCause(errors.New("root"))
	}}}}
	res := NewOrchestrator(OrchestratorOptions{Processors: procs}).Process(context.Background(), ProcessRequest{Entity: component("a")})
	want := []entity.SerializedError{{
		Name:    "InputError",
		Message: "Processor p threw an error while preprocessing; caused by NotFoundError: inner; caused by Error: root",
		Cause: &entity.SerializedError{
			Name:    "NotFoundError",
			Message: "inner; caused by Error: root",
			Cause:   &entity.SerializedError{Name: "Error", Message: "root"},
		},
	}}
	if diff := cmp.Diff(want, res.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestProcessSuccess(t *testing.T) {
	var sawLoc plugin.Location
	procs := []plugin.Processor{
		preProc{&fakeProc{name: "pre", pre: func(data map[string]any, loc plugin.Location, emit plugin.Emitter, _ plugin.Cache) (map[string]any, error) {
			sawLoc = loc
			emit.RefreshKey("url:https://example.com/a")
			emit.RefreshKey("url:https://example.com/a")
			return data, nil
		}}},
		acceptAll,
		postProc{&fakeProc{name: "rel", post: func(e *entity.Entity, emit plugin.Emitter, _ plugin.Cache) error {
			emit.Relation(plugin.RelationEdge{Source: e.Ref(), Type: entity.RelationOwnedBy, Target: entity.MustParseRef("group:default/team-a")})
			return nil
		}}},
	}
	in := component("a")
	before, _ := json.Marshal(in)
	res := NewOrchestrator(OrchestratorOptions{Processors: procs}).Process(context.Background(), ProcessRequest{Entity: in})
	if !res.OK {
		t.Fatalf("errors: %v", errs(res))
	}
	if res.Entity.Metadata.Name != "a" || res.Entity.Spec["owner"] != "team-a" {
		t.Errorf("entity = %+v", res.Entity)
	}
	if want := (plugin.Location{Type: "file", Target: "/srv/catalog/a.yaml"}); sawLoc != want {
		t.Errorf("preprocessor saw location %v, want %v", sawLoc, want)
	}
	if diff := cmp.Diff([]string{"url:https://example.com/a"}, res.RefreshKeys); diff != "" {
		t.Errorf("refresh keys (-want +got):\n%s", diff)
	}
	if len(res.Relations) != 1 || res.Relations[0].Type != entity.RelationOwnedBy {
		t.Errorf("relations = %+v", res.Relations)
	}
	if res.State != nil {
		t.Errorf("state = %s, want none", res.State)
	}
	after, _ := json.Marshal(in)
	if string(before) != string(after) {
		t.Errorf("the request entity changed:\n%s\n%s", before, after)
	}
}

// seenMu guards what readers record: a Location's targets are read in
// parallel.
var seenMu sync.Mutex

// reader emits the given documents for every target it is offered and
// records what it was offered.
func reader(name string, typ string, seen *[]plugin.Location, docs ...map[string]any) readProc {
	return readProc{&fakeProc{name: name, read: func(loc plugin.Location, _ bool, emit plugin.Emitter, _ plugin.Cache) (bool, error) {
		if loc.Type != typ {
			return false, nil
		}
		seenMu.Lock()
		*seen = append(*seen, loc)
		seenMu.Unlock()
		for _, d := range docs {
			emit.Entity(plugin.RawEntity{Data: d, Location: plugin.Location{Type: typ, Target: loc.Target}})
		}
		return true, nil
	}}}
}

func TestProcessLocationTargets(t *testing.T) {
	tests := []struct {
		name    string
		locRef  string
		spec    map[string]any
		want    []plugin.Location
		wantErr []string
	}{
		{
			name:   "file targets relative to the file",
			locRef: "file:/srv/catalog/all.yaml",
			spec:   map[string]any{"target": "./a.yaml", "targets": []any{"../b/*.yaml", "/abs/c.yaml", "d.yaml"}},
			want: []plugin.Location{
				{Type: "file", Target: "/srv/catalog/a.yaml", Presence: "required"},
				{Type: "file", Target: "/srv/b/*.yaml", Presence: "required"},
				{Type: "file", Target: "/abs/c.yaml", Presence: "required"},
				{Type: "file", Target: "/srv/catalog/d.yaml", Presence: "required"},
			},
		},
		{
			name:   "url targets resolved as URLs",
			locRef: "url:https://example.com/org/all.yaml",
			spec:   map[string]any{"targets": []any{"./a.yaml", "../b.yaml", "https://other.example.com/c.yaml"}, "presence": "optional"},
			want: []plugin.Location{
				{Type: "url", Target: "https://example.com/org/a.yaml", Presence: "optional"},
				{Type: "url", Target: "https://example.com/b.yaml", Presence: "optional"},
				{Type: "url", Target: "https://other.example.com/c.yaml", Presence: "optional"},
			},
		},
		{
			name:   "a target of another type is taken as it is",
			locRef: "url:https://example.com/org/all.yaml",
			spec:   map[string]any{"type": "file", "target": "./a.yaml"},
			want:   []plugin.Location{{Type: "file", Target: "./a.yaml", Presence: "required"}},
		},
		{
			name:    "file target ending in a separator",
			locRef:  "file:/srv/catalog/all.yaml",
			spec:    map[string]any{"targets": []any{"./dir/", "./a.yaml"}},
			want:    []plugin.Location{{Type: "file", Target: "/srv/catalog/a.yaml", Presence: "required"}},
			wantErr: []string{"InputError: LocationEntityProcessor cannot handle file type location with target ./dir/ that ends with a path separator"},
		},
		{
			name:    "no reader for the type",
			locRef:  "file:/srv/catalog/all.yaml",
			spec:    map[string]any{"type": "gcs", "target": "bucket/x.yaml"},
			wantErr: []string{"InputError: No processor was able to handle reading of gcs:bucket/x.yaml"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []plugin.Location
			procs := []plugin.Processor{acceptAll, reader("file", "file", &seen), reader("url", "url", &seen)}
			res := NewOrchestrator(OrchestratorOptions{Processors: procs}).Process(context.Background(),
				ProcessRequest{Entity: location("l", tt.locRef, tt.spec)})
			// Targets are read in parallel; see TestProcessLocationTargetsInParallel.
			byTarget := cmpopts.SortSlices(func(a, b plugin.Location) bool { return a.Target < b.Target })
			if diff := cmp.Diff(tt.want, seen, byTarget); diff != "" {
				t.Errorf("targets read (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantErr, errs(res)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if res.OK != (len(tt.wantErr) == 0) {
				t.Errorf("OK = %v", res.OK)
			}
		})
	}
}

func TestProcessReaderError(t *testing.T) {
	procs := []plugin.Processor{acceptAll, readProc{&fakeProc{name: "UrlReaderProcessor", read: func(plugin.Location, bool, plugin.Emitter, plugin.Cache) (bool, error) {
		return false, errors.New("exploded")
	}}}}
	res := NewOrchestrator(OrchestratorOptions{Processors: procs}).Process(context.Background(),
		ProcessRequest{Entity: location("l", "url:https://example.com/all.yaml", map[string]any{"target": "a.yaml"})})
	want := []string{"InputError: Processor UrlReaderProcessor threw an error while reading url:https://example.com/a.yaml; caused by Error: exploded"}
	if diff := cmp.Diff(want, errs(res)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestProcessEmittedEntities(t *testing.T) {
	child := func(kind, name string) map[string]any {
		return map[string]any{"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": map[string]any{
			"name": name,
			"annotations": map[string]any{
				entity.AnnotationManagedByLocation: "file:/somewhere/else.yaml", // overwritten
				"example.com/keep":                 "yes",
			},
		}}
	}
	var seen []plugin.Location
	self := location("l", "url:https://example.com/org/all.yaml", nil)
	procs := []plugin.Processor{acceptAll, reader("url", "url", &seen, child("Component", "a"), child("API", "b"), self, child("Component", "c"))}
	parent := location("l", "url:https://example.com/org/all.yaml", map[string]any{"target": "./x.yaml"})
	res := NewOrchestrator(OrchestratorOptions{Processors: procs}).Process(context.Background(), ProcessRequest{Entity: parent})
	if !res.OK {
		t.Fatalf("errors: %v", errs(res))
	}
	annotated := func(kind, name string, extra map[string]any) map[string]any {
		ann := map[string]any{
			entity.AnnotationManagedByLocation:       "url:https://example.com/org/x.yaml",
			entity.AnnotationManagedByOriginLocation: "url:https://example.com/root.yaml",
		}
		for k, v := range extra {
			ann[k] = v
		}
		return map[string]any{"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": map[string]any{"name": name, "annotations": ann}}
	}
	want := []DeferredEntity{
		{Entity: annotated("Component", "a", map[string]any{"example.com/keep": "yes"}), LocationKey: "url:https://example.com/org/x.yaml"},
		{Entity: annotated("API", "b", map[string]any{"example.com/keep": "yes"}), LocationKey: "url:https://example.com/org/x.yaml"},
		{Entity: annotated("Component", "c", map[string]any{"example.com/keep": "yes"}), LocationKey: "url:https://example.com/org/x.yaml"},
	}
	if diff := cmp.Diff(want, res.Deferred); diff != "" {
		t.Errorf("deferred (-want +got):\n%s", diff)
	}
}

// TestProcessEncodeChildren checks that children encoded as they are
// emitted are exactly what encoding the kept maps gives, in the same
// order, and that a child of a kind the rules refuse still fails its
// parent.
func TestProcessEncodeChildren(t *testing.T) {
	child := func(kind, name string) map[string]any {
		return map[string]any{"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": map[string]any{"name": name}}
	}
	var seen []plugin.Location
	procs := []plugin.Processor{acceptAll, reader("url", "url", &seen, child("Component", "a"), child("Group", "g"), child("API", "b"))}
	parent := location("l", "url:https://example.com/org/all.yaml", map[string]any{"target": "./x.yaml"})
	orc := NewOrchestrator(OrchestratorOptions{Processors: procs})

	maps := orc.Process(context.Background(), ProcessRequest{Entity: parent})
	encoded := orc.Process(context.Background(), ProcessRequest{Entity: parent, EncodeChildren: true})
	if maps.OK || encoded.OK {
		t.Fatalf("a Group from a location without a rule for it must fail: OK=%v/%v", maps.OK, encoded.OK)
	}
	if diff := cmp.Diff(errs(maps), errs(encoded)); diff != "" {
		t.Errorf("errors with EncodeChildren (-maps +encoded):\n%s", diff)
	}
	if encoded.Deferred != nil || encoded.Children != nil {
		t.Errorf("a failed parent emits nothing: %+v", encoded)
	}

	rules, err := NewRules(nil, map[string][]Rule{"url:https://example.com/root.yaml": {{Allow: []RuleKind{{Kind: "Group"}, {Kind: "Component"}, {Kind: "API"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	orc = NewOrchestrator(OrchestratorOptions{Processors: procs, Rules: rules})
	maps = orc.Process(context.Background(), ProcessRequest{Entity: parent})
	encoded = orc.Process(context.Background(), ProcessRequest{Entity: parent, EncodeChildren: true})
	if !maps.OK || !encoded.OK {
		t.Fatalf("errors: %v / %v", errs(maps), errs(encoded))
	}
	var want []UnprocessedEntity
	for _, d := range maps.Deferred {
		u, err := unprocessedFromMap(d.Entity, d.LocationKey)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, u)
	}
	if len(want) != 3 {
		t.Fatalf("%d children without EncodeChildren, want 3", len(want))
	}
	if diff := cmp.Diff(want, encoded.Children); diff != "" {
		t.Errorf("encoded children (-want +got):\n%s", diff)
	}
	if encoded.Deferred != nil {
		t.Errorf("encoded children are not kept as maps too: %v", encoded.Deferred)
	}
}

func TestProcessEmittedInvalidEnvelope(t *testing.T) {
	var seen []plugin.Location
	bad := map[string]any{"kind": "Component", "metadata": map[string]any{"name": "c"}}
	good := map[string]any{"apiVersion": "v1", "kind": "Component", "metadata": map[string]any{"name": "d"}}
	procs := []plugin.Processor{acceptAll, reader("url", "url", &seen, bad, good)}
	parent := location("l", "url:https://example.com/org/all.yaml", map[string]any{"target": "./x.yaml"})
	res := NewOrchestrator(OrchestratorOptions{Processors: procs}).Process(context.Background(), ProcessRequest{Entity: parent})
	want := []string{"Error: <root> must have required property 'apiVersion' - missingProperty: apiVersion"}
	if diff := cmp.Diff(want, errs(res)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if res.OK {
		t.Error("an invalid emitted entity must fail its parent")
	}
}

func TestProcessRules(t *testing.T) {
	group := map[string]any{"apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": map[string]any{"name": "g"}}
	comp := map[string]any{"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": map[string]any{"name": "c"}}
	var seen []plugin.Location
	procs := []plugin.Processor{acceptAll, reader("url", "url", &seen, comp, group)}
	parent := location("l", "url:https://example.com/org/all.yaml", map[string]any{"target": "./x.yaml"})

	res := NewOrchestrator(OrchestratorOptions{Processors: procs}).Process(context.Background(), ProcessRequest{Entity: parent})
	want := []string{"NotAllowedError: Entity group:default/g at url:https://example.com/org/all.yaml, originated at url:https://example.com/root.yaml, is not of an allowed kind for that location"}
	if diff := cmp.Diff(want, errs(res)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if res.OK || res.Deferred != nil {
		t.Errorf("the parent must fail and emit nothing: %+v", res)
	}

	rules, err := NewRules(nil, map[string][]Rule{"url:https://example.com/root.yaml": {{Allow: []RuleKind{{Kind: "Group"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	res = NewOrchestrator(OrchestratorOptions{Processors: procs, Rules: rules}).Process(context.Background(), ProcessRequest{Entity: parent})
	if !res.OK || len(res.Deferred) != 2 {
		t.Errorf("with a rule for the origin: OK=%v deferred=%d errors=%v", res.OK, len(res.Deferred), errs(res))
	}
}

func TestProcessCache(t *testing.T) {
	var got []string
	counter := 0
	fail := false
	procs := []plugin.Processor{
		acceptAll,
		postProc{&fakeProc{name: "counter", post: func(_ *entity.Entity, emit plugin.Emitter, cache plugin.Cache) error {
			prev, ok := cache.Get("n")
			got = append(got, string(prev)+map[bool]string{true: "", false: "-"}[ok])
			counter++
			cache.Set("n", json.RawMessage(strings.Repeat("1", counter)))
			if fail {
				emit.Error(errors.New("transient"), plugin.Location{})
			}
			return nil
		}}},
		postProc{&fakeProc{name: "idle", post: func(*entity.Entity, plugin.Emitter, plugin.Cache) error { return nil }}},
	}
	o := NewOrchestrator(OrchestratorOptions{Processors: procs})
	var state json.RawMessage
	step := func(failing bool) ProcessResult {
		fail = failing
		res := o.Process(context.Background(), ProcessRequest{Entity: component("a"), State: state})
		state = res.State
		return res
	}
	step(false)
	if want := `{"ttl":5,"cache":{"counter":{"n":1}}}`; string(state) != want {
		t.Fatalf("state = %s, want %s", state, want)
	}
	step(false)
	if want := `{"ttl":5,"cache":{"counter":{"n":11}}}`; string(state) != want {
		t.Fatalf("state = %s, want %s", state, want)
	}
	// Failed runs keep the last good state with one life less each time.
	for ttl := 4; ttl >= 1; ttl-- {
		step(true)
		if want := `{"ttl":` + string(rune('0'+ttl)) + `,"cache":{"counter":{"n":11}}}`; string(state) != want {
			t.Fatalf("after a failure: state = %s, want %s", state, want)
		}
	}
	step(true)
	if state != nil {
		t.Fatalf("state = %s after five failures, want none", state)
	}
	step(false)
	if diff := cmp.Diff([]string{"-", "1", "11", "11", "11", "11", "11", "-"}, got); diff != "" {
		t.Errorf("values seen by Get (-want +got):\n%s", diff)
	}
	// A garbled state is an empty cache, not a failure.
	state = json.RawMessage(`{garbage`)
	if res := step(false); !res.OK {
		t.Errorf("garbled state: %v", errs(res))
	}
}

func TestProcessCacheKeptWhenUntouched(t *testing.T) {
	procs := []plugin.Processor{acceptAll, postProc{&fakeProc{name: "reader", post: func(*entity.Entity, plugin.Emitter, plugin.Cache) error { return nil }}}}
	prev := json.RawMessage(`{"ttl":2,"cache":{"reader":{"etag":"\"x\""},"gone":{"k":1}}}`)
	res := NewOrchestrator(OrchestratorOptions{Processors: procs}).Process(context.Background(), ProcessRequest{Entity: component("a"), State: prev})
	if want := `{"ttl":5,"cache":{"reader":{"etag":"\"x\""}}}`; string(res.State) != want {
		t.Errorf("state = %s, want %s", res.State, want)
	}
}

// treeReader serves Location files from a map: each target names a list
// of documents.
func treeReader(files map[string][]map[string]any) readProc {
	return readProc{&fakeProc{name: "files", read: func(loc plugin.Location, _ bool, emit plugin.Emitter, _ plugin.Cache) (bool, error) {
		docs, ok := files[loc.Target]
		if !ok {
			emit.Error(problem.NotFound("file %s does not exist", loc.Target), loc)
			return true, nil
		}
		for _, d := range docs {
			emit.Entity(plugin.RawEntity{Data: d, Location: loc})
		}
		return true, nil
	}}}
}

func TestProcessTree(t *testing.T) {
	doc := func(kind, name string, spec map[string]any) map[string]any {
		return map[string]any{"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": map[string]any{"name": name}, "spec": spec}
	}
	owns := postProc{&fakeProc{name: "owner", post: func(e *entity.Entity, emit plugin.Emitter, _ plugin.Cache) error {
		if o, _ := e.Spec["owner"].(string); o != "" {
			target := entity.MustParseRef("group:default/" + o)
			emit.Relation(plugin.RelationEdge{Source: e.Ref(), Type: entity.RelationOwnedBy, Target: target})
			emit.Relation(plugin.RelationEdge{Source: target, Type: entity.RelationOwnerOf, Target: e.Ref()})
		}
		return nil
	}}}
	files := map[string][]map[string]any{
		"/c/all.yaml": {doc("Location", "all", map[string]any{"targets": []any{"./a.yaml", "./b.yaml", "./loop.yaml", "./missing.yaml"}})},
		"/c/a.yaml":   {doc("Component", "x", map[string]any{"owner": "team"}), doc("Group", "team", nil)},
		"/c/b.yaml":   {doc("Component", "x", map[string]any{"owner": "other"}), doc("Component", "y", map[string]any{"owner": "team"})},
		// A Location that lists the file that lists it.
		"/c/loop.yaml": {doc("Location", "loop", map[string]any{"target": "./all.yaml"})},
	}
	rules, _ := NewRules([]Rule{{Allow: []RuleKind{{Kind: "Component"}, {Kind: "Location"}, {Kind: "Group"}}}}, nil)
	o := NewOrchestrator(OrchestratorOptions{Processors: []plugin.Processor{acceptAll, treeReader(files), owns}, Rules: rules})
	root := location("root", "file:/c/all.yaml", map[string]any{"type": "file", "target": "/c/all.yaml"})
	root["metadata"].(map[string]any)["annotations"].(map[string]any)[entity.AnnotationManagedByOriginLocation] = "file:/c/all.yaml"

	ents, errs := o.ProcessTree(context.Background(), root)
	var refs []string
	for _, e := range ents {
		refs = append(refs, e.Ref().String())
	}
	// The Location naming a missing file fails, and nothing below it is
	// processed.
	wantRefs := []string{"location:default/root"}
	if diff := cmp.Diff(wantRefs, refs); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	var texts []string
	for _, e := range errs {
		texts = append(texts, e.Name+": "+e.Message)
	}
	wantErrs := []string{
		"NotFoundError: file /c/missing.yaml does not exist",
	}
	if diff := cmp.Diff(wantErrs, texts); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	// Without the missing file: duplicates and the loop.
	files["/c/all.yaml"] = []map[string]any{doc("Location", "all", map[string]any{"targets": []any{"./a.yaml", "./b.yaml", "./loop.yaml"}})}
	ents, errs = o.ProcessTree(context.Background(), root)
	refs = refs[:0]
	for _, e := range ents {
		refs = append(refs, e.Ref().String())
	}
	wantRefs = []string{"location:default/root", "location:default/all", "component:default/x", "group:default/team", "component:default/y", "location:default/loop"}
	if diff := cmp.Diff(wantRefs, refs); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	texts = texts[:0]
	for _, e := range errs {
		texts = append(texts, e.Name+": "+e.Message)
	}
	wantErrs = []string{"InputError: Duplicate nested entity: component:default/x", "InputError: Duplicate nested entity: location:default/all"}
	if diff := cmp.Diff(wantErrs, texts); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	team := ents[3]
	wantRels := []entity.Relation{
		{Type: entity.RelationOwnerOf, TargetRef: "component:default/x"},
		{Type: entity.RelationOwnerOf, TargetRef: "component:default/y"},
	}
	if diff := cmp.Diff(wantRels, team.Relations); diff != "" {
		t.Errorf("relations of the group (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]entity.Relation{{Type: entity.RelationOwnedBy, TargetRef: "group:default/team"}}, ents[2].Relations); diff != "" {
		t.Errorf("relations of x, owned by the first x only (-want +got):\n%s", diff)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, errs := o.ProcessTree(ctx, root); len(errs) != 1 || errs[0].Message != "context canceled" {
		t.Errorf("cancelled: errors = %+v", errs)
	}
}

func TestProcessCacheUnchangedIsNotEncodedAgain(t *testing.T) {
	value := json.RawMessage(`{"files": 2}`)
	procs := []plugin.Processor{acceptAll, postProc{&fakeProc{name: "reader", post: func(_ *entity.Entity, _ plugin.Emitter, c plugin.Cache) error {
		c.Set("k", value)
		return nil
	}}}}
	o := NewOrchestrator(OrchestratorOptions{Processors: procs})
	run := func(prev string) string {
		t.Helper()
		return string(o.Process(context.Background(), ProcessRequest{Entity: component("a"), State: json.RawMessage(prev)}).State)
	}
	// The same values: the previous bytes come back as they were, spaces
	// and all, so the engine sees no change and encodes nothing.
	same := `{"ttl": 5, "cache": {"reader": {"k": {"files": 2}}}}`
	if got := run(same); got != same {
		t.Errorf("unchanged state = %s, want it as it was", got)
	}
	for _, prev := range []string{
		`{"ttl": 5, "cache": {"reader": {"k": {"files": 1}}}}`,                   // another value
		`{"ttl": 3, "cache": {"reader": {"k": {"files": 2}}}}`,                   // a life less
		`{"ttl": 5, "cache": {"reader": {"k": {"files": 2}}, "gone": {"k": 1}}}`, // a processor that did not run
		`{"ttl": 5, "cache": {"reader": {"k": {"files": 2}, "old": 1}}}`,         // a key not set again
		`{"input": "x", "ttl": 5, "cache": {"reader": {"k": {"files": 2}}}}`,     // an input key
	} {
		if got, want := run(prev), `{"ttl":5,"cache":{"reader":{"k":{"files":2}}}}`; got != want {
			t.Errorf("after %s: state = %s, want %s", prev, got, want)
		}
	}
}

func TestRecordedInput(t *testing.T) {
	for state, want := range map[string]string{
		`{"input":"abc","ttl":5}`:            "abc",
		`{"input":"abc","ttl":5,"cache":{}}`: "abc",
		`{"ttl":5,"input":"abc"}`:            "", // not first: not written by withInput
		`{"input":"abc`:                      "",
		``:                                   "",
		string(withInput(nil, "k1")):         "k1",
		string(withInput([]byte(`{"ttl":3,"cache":{"p":{"a":1}}}`), "k2")): "k2",
	} {
		if got := recordedInput([]byte(state)); got != want {
			t.Errorf("recordedInput(%s) = %q, want %q", state, got, want)
		}
	}
}

// withInput splices the key into a state encodeState wrote and decodes
// any other; both ways give what decoding and encoding again would.
func TestWithInput(t *testing.T) {
	decoded := func(state, key string) string {
		var st cacheState
		if state != "" {
			if err := json.Unmarshal([]byte(state), &st); err != nil {
				t.Fatalf("%s: %v", state, err)
			}
		}
		if st.TTL <= 0 {
			st.TTL = cacheTTL
		}
		st.Input = key
		return string(encodeState(st))
	}
	for _, tt := range []struct {
		state  string
		splice bool // taken without decoding
	}{
		{`{"ttl":5,"cache":{"reader":{"k":{"files":2}}}}`, true},
		{`{"input":"old","ttl":3,"cache":{"p":{"a":1}}}`, true},
		{`{"ttl":1}`, true},
		{``, false},
		{`{"ttl":0,"cache":{"p":{"a":1}}}`, false},               // no lives left: reset
		{`{"ttl": 5, "cache": {"p": {"a": 1}}}`, false},          // not as encodeState writes it
		{`{"input":"old","cache":{"p":{"a":1}},"ttl":2}`, false}, // another order
		{`{"ttl":5,"cache":{"p":`, false},                        // not JSON
	} {
		_, spliced := spliceInput([]byte(tt.state), "k1")
		if spliced != tt.splice {
			t.Errorf("spliceInput(%s) ok = %v, want %v", tt.state, spliced, tt.splice)
		}
		if !json.Valid([]byte(tt.state)) && tt.state != "" {
			continue
		}
		if got, want := string(withInput([]byte(tt.state), "k1")), decoded(tt.state, "k1"); got != want {
			t.Errorf("withInput(%s) = %s, want %s", tt.state, got, want)
		}
	}
}
