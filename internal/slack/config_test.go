package slack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/internal/config"
)

func loadConfig(t *testing.T, src string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app-config.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := config.Load([]string{path}, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestFromConfig(t *testing.T) {
	c, err := FromConfig(loadConfig(t, "scaffolder:\n  slack:\n    webhookUrl: https://hooks.slack.com/services/T/B/x\n    signingSecret: abc\n"))
	if err != nil || c == nil || c.WebhookURL != "https://hooks.slack.com/services/T/B/x" || c.SigningSecret != "abc" {
		t.Errorf("FromConfig = %+v, %v", c, err)
	}
	if c, err := FromConfig(loadConfig(t, "scaffolder: {}\n")); c != nil || err != nil {
		t.Errorf("absent: %+v, %v", c, err)
	}
	_, err = FromConfig(loadConfig(t, "scaffolder:\n  slack:\n    webhookUrl: hooks.slack.com/services/secretpart\n"))
	if err == nil || !strings.Contains(err.Error(), "scaffolder.slack.webhookUrl") || strings.Contains(err.Error(), "secretpart") {
		t.Errorf("bad URL: %v", err)
	}
}
