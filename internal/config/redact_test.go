package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRedacted(t *testing.T) {
	cfg, _ := loadString(t, `
backend:
  baseUrl: http://localhost:7007
  auth:
    keys:
      - secret: abc
  database:
    client: pg
    connection: postgres://cb:s3cr%40t@db:5432/cb
auth:
  session: {secret: sess}
  providers:
    github:
      development: {clientId: id, clientSecret: cs}
integrations:
  github:
    - host: github.com
      token: ghp
      apps:
        - privateKey: PEM
          appId: 1
plugins:
  a:
    apiKey: k
    dsn: "host=db password='p w' user=u"
    credentials: {json: x}
    Password: P
    count: 3
    on: true
`)
	want := map[string]any{
		"backend": map[string]any{
			"baseUrl": "http://localhost:7007",
			"auth":    map[string]any{"keys": []any{map[string]any{"secret": Redaction}}},
			"database": map[string]any{
				"client":     "pg",
				"connection": "postgres://cb:<redacted>@db:5432/cb",
			},
		},
		"auth": map[string]any{
			"session":   map[string]any{"secret": Redaction},
			"providers": map[string]any{"github": map[string]any{"development": map[string]any{"clientId": "id", "clientSecret": Redaction}}},
		},
		"integrations": map[string]any{"github": []any{map[string]any{
			"host": "github.com", "token": Redaction,
			"apps": []any{map[string]any{"privateKey": Redaction, "appId": int64(1)}},
		}}},
		"plugins": map[string]any{"a": map[string]any{
			"apiKey": Redaction, "dsn": "host=db password=<redacted> user=u", "credentials": Redaction,
			"Password": Redaction, "count": int64(3), "on": true,
		}},
	}
	if diff := cmp.Diff(want, cfg.Redacted()); diff != "" {
		t.Errorf("Redacted (-want +got):\n%s", diff)
	}
}

func TestRedactString(t *testing.T) {
	tests := map[string]string{
		"https://example.com/a?b=c":            "https://example.com/a?b=c",
		"https://user@example.com/":            "https://user@example.com/",
		"https://user:pw@example.com/":         "https://user:<redacted>@example.com/",
		"postgres://u:p@ss@db/x":               "postgres://u:<redacted>@db/x",
		"see https://u:pw@h/x and more":        "see https://u:<redacted>@h/x and more",
		"password=abc host=db":                 "password=<redacted> host=db",
		"PASSWORD = 'a b\\' c' host=db":        "PASSWORD = <redacted> host=db",
		"no secrets here: user=password-reset": "no secrets here: user=password-reset",
	}
	for in, want := range tests {
		if got := redactString(in); got != want {
			t.Errorf("redactString(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactedEmpty(t *testing.T) {
	var cfg Config
	if got := cfg.Redacted(); len(got) != 0 {
		t.Errorf("Redacted of an empty Config = %v", got)
	}
}
