package catalog

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/plugin"
)

// targetReader emits, for a target named "<name>.yaml", two Components and
// a relation, reports an error for names starting with "err", fails for
// names starting with "fail" and handles nothing else. Earlier targets
// take longer, so that reading them in parallel finishes them out of
// order.
var targetReader = readProc{&fakeProc{name: "files", read: func(loc plugin.Location, _ bool, emit plugin.Emitter, _ plugin.Cache) (bool, error) {
	name := strings.TrimSuffix(strings.TrimPrefix(loc.Target, "/srv/catalog/"), ".yaml")
	var n int
	fmt.Sscanf(name[strings.IndexAny(name, "0123456789"):], "%d", &n)
	time.Sleep(time.Duration(20-n%20) * 100 * time.Microsecond)
	switch {
	case strings.HasPrefix(name, "fail"):
		return false, errors.New("exploded")
	case strings.HasPrefix(name, "err"):
		emit.Error(fmt.Errorf("%s is unreadable", name), loc)
	}
	for _, c := range []string{name + "-a", name + "-b"} {
		d := map[string]any{"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": map[string]any{"name": c}}
		emit.Entity(plugin.RawEntity{Data: d, Location: loc})
	}
	emit.Relation(plugin.RelationEdge{Source: entity.Ref{Kind: "location", Namespace: "default", Name: "l"}, Type: "hasPart", Target: entity.Ref{Kind: "component", Namespace: "default", Name: name}})
	emit.RefreshKey(loc.String())
	emit.RefreshKey("file:/srv/catalog/shared")
	return true, nil
}}}

// TestProcessLocationTargetsInParallel reads Locations of many targets on
// several goroutines and expects what reading them one after another
// gives: children, relations, refresh keys and errors in target order,
// and reading that ends at the first target that fails.
func TestProcessLocationTargetsInParallel(t *testing.T) {
	targets := func(names ...string) []any {
		var out []any
		for _, n := range names {
			out = append(out, "./"+n+".yaml")
		}
		return out
	}
	var many []string
	for i := range 40 {
		many = append(many, fmt.Sprintf("t%02d", i))
	}
	tests := []struct {
		name    string
		targets []any
	}{
		{"many", targets(many...)},
		{"errors", append(append(targets(many[:10]...), "./dir/"), targets("err11", "t12", "err13", "t14")...)},
		{"a failing target", targets("t01", "err02", "t03", "fail04", "t05", "t06", "fail07", "t08")},
		{"a target twice", targets("t01", "t02", "t01", "t03")},
	}
	o := NewOrchestrator(OrchestratorOptions{Processors: []plugin.Processor{acceptAll, targetReader}})
	process := func(procs int, tt []any, encode bool) ProcessResult {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		return o.Process(context.Background(), ProcessRequest{
			Entity:         location("l", "file:/srv/catalog/all.yaml", map[string]any{"targets": tt}),
			EncodeChildren: encode,
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, encode := range []bool{true, false} {
				want := process(1, tt.targets, encode) // one target after another
				got := process(4, tt.targets, encode)
				if diff := cmp.Diff(want, got, cmp.AllowUnexported(entity.Entity{})); diff != "" {
					t.Errorf("encode=%v: (-one at a time +in parallel):\n%s", encode, diff)
				}
				if want.OK && len(want.Children)+len(want.Deferred) != 2*len(tt.targets) {
					t.Errorf("encode=%v: %d children, %d deferred for %d targets", encode, len(want.Children), len(want.Deferred), len(tt.targets))
				}
			}
		})
	}
}
