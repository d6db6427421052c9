package catalog_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store"
)

func TestNewEngineStrategies(t *testing.T) {
	tests := []struct {
		name    string
		set     func(*catalog.EngineOptions)
		wantErr string
	}{
		{name: "defaults", set: func(*catalog.EngineOptions) {}},
		{name: "all set", set: func(o *catalog.EngineOptions) {
			o.OrphanStrategy = catalog.OrphanKeep
			o.OrphanProviderStrategy = catalog.OrphanDelete
			o.DefaultConflictStrategy = catalog.ConflictRefresh
		}},
		{
			name:    "orphan strategy",
			set:     func(o *catalog.EngineOptions) { o.OrphanStrategy = "archive" },
			wantErr: `catalog engine: orphan strategy "archive" is not "delete" or "keep"`,
		},
		{
			name:    "orphan provider strategy",
			set:     func(o *catalog.EngineOptions) { o.OrphanProviderStrategy = "Keep" },
			wantErr: `catalog engine: orphan provider strategy "Keep" is not "delete" or "keep"`,
		},
		{
			name:    "conflict strategy",
			set:     func(o *catalog.EngineOptions) { o.DefaultConflictStrategy = "replace" },
			wantErr: `catalog engine: location conflict strategy "replace" is not "reject" or "refresh"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := catalog.EngineOptions{Store: store.NewCatalog(nil), Orchestrator: realOrchestrator(t)}
			tt.set(&o)
			_, err := catalog.NewEngine(o)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tt.wantErr, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}
