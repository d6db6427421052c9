package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// repoRoot is where callboard serve runs for the demo; the demo's relative
// paths are relative to it.
const repoRoot = "../.."

func TestExampleAppConfig(t *testing.T) {
	t.Chdir(repoRoot)
	cfg, warnings, err := Load([]string{"examples/app-config.yaml"}, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warningStrings(warnings))
	}
	dialect, dsn, err := cfg.Database()
	if err != nil || dialect != DialectSQLite || dsn != "./callboard.db" {
		t.Errorf("Database() = %q, %q, %v; want sqlite ./callboard.db", dialect, dsn, err)
	}
	if got := cfg.ListenAddr(); got != ":7007" {
		t.Errorf("ListenAddr = %q", got)
	}
	if got := cfg.Catalog.ProcessingInterval; got != (Interval{Duration: 2 * time.Minute}) {
		t.Errorf("processingInterval = %+v, want 2m", got)
	}
	if cfg.Catalog.OrphanStrategy != "delete" {
		t.Errorf("orphanStrategy = %q", cfg.Catalog.OrphanStrategy)
	}
	var kinds []string
	for _, r := range cfg.Catalog.Rules {
		if r.Locations != nil {
			t.Errorf("rule %+v is limited to some locations", r)
		}
		for _, k := range r.Allow {
			kinds = append(kinds, k.Kind)
		}
	}
	want := []string{"Component", "API", "Resource", "System", "Domain", "Location", "Group", "User", "Template"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("allowed kinds (-want +got):\n%s", diff)
	}
	// The demo organisation, then the demo software template.
	var targets []string
	for _, loc := range cfg.Catalog.Locations {
		if loc.Type != "file" {
			t.Errorf("location %s: type = %q, want file", loc.Target, loc.Type)
		}
		if _, err := os.Stat(filepath.FromSlash(loc.Target)); err != nil {
			t.Errorf("location target does not exist from the repository root: %v", err)
		}
		targets = append(targets, loc.Target)
	}
	if diff := cmp.Diff([]string{"examples/catalog/all.yaml", "examples/templates/tidewater-service/template.yaml", "examples/templates/database-request/template.yaml"}, targets); diff != "" {
		t.Errorf("locations (-want +got):\n%s", diff)
	}
}
