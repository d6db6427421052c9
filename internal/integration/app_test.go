package integration_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callboard/callboard/internal/app"
	"github.com/callboard/callboard/internal/config"
	"github.com/callboard/callboard/internal/integration/forgetest"
)

func loadConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "app-config.yaml")
	yaml = strings.ReplaceAll(yaml, "DB", filepath.Join(dir, "callboard.db"))
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, warnings, err := config.LoadEnviron([]string{file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Fatalf("warnings: %v", warnings)
	}
	return cfg
}

// The app reads catalog.locations on github.com through the configured
// GitHub integration (its apiBaseUrl and token), with no reading.allow.
func TestAppReadsThroughIntegrations(t *testing.T) {
	gh := &miniGitHub{tree: repoTree}
	srv := forgetest.NewServer(t, gh)
	cfg := loadConfig(t, `backend:
  database: {client: better-sqlite3, connection: DB}
integrations:
  github:
    - host: github.com
      token: tok
      apiBaseUrl: `+srv.URL+`
catalog:
  rules: [{allow: [Component, Location]}]
  locations:
    - type: url
      target: https://github.com/org/repo/blob/main/catalog-info.yaml
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.New(ctx, app.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	done := make(chan error, 1)
	go func() { done <- a.Engine().Run(ctx) }()
	waitCtx, stop := context.WithTimeout(ctx, time.Minute)
	defer stop()
	if err := a.Engine().WaitIdle(waitCtx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := a.DB().QueryRow(`SELECT count(*) FROM final_entities WHERE entity_ref IN ('component:default/a', 'component:default/s1', 'component:default/s2')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("%d of the three components were read", n)
	}
	for _, r := range srv.Requests() {
		if r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("%s sent Authorization %q", r.Line(), r.Header.Get("Authorization"))
		}
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
}

func TestAppRefusesBadIntegrations(t *testing.T) {
	cfg := loadConfig(t, `backend:
  database: {client: better-sqlite3, connection: DB}
integrations:
  gitea:
    - baseUrl: https://gitea.example.com
`)
	_, err := app.New(context.Background(), app.Options{Config: cfg})
	if err == nil || !strings.Contains(err.Error(), "integrations.gitea[0]: host is required") {
		t.Errorf("New = %v, want the integrations error", err)
	}
}
