package config

import "testing"

func TestListenAddr(t *testing.T) {
	tests := []struct {
		yaml string
		want string
	}{
		{"backend: {}", ":7007"},
		{"backend:\n  listen: ':8080'", ":8080"},
		{"backend:\n  listen: '9090'", ":9090"},
		{"backend:\n  listen: 9091", ":9091"},
		{"backend:\n  listen: 127.0.0.1:7000", "127.0.0.1:7000"},
		{"backend:\n  listen: '[::1]:7000'", "[::1]:7000"},
		{"backend:\n  listen: {host: 0.0.0.0}", "0.0.0.0:7007"},
		{"backend:\n  listen: {port: 7100}", ":7100"},
		{"backend:\n  listen: {host: localhost, port: '7200'}", "localhost:7200"},
		{"backend:\n  listen: {port: 0}", ":0"},
	}
	for _, tt := range tests {
		cfg, _ := loadString(t, tt.yaml)
		if got := cfg.ListenAddr(); got != tt.want {
			t.Errorf("ListenAddr for %q = %q, want %q", tt.yaml, got, tt.want)
		}
	}
}

func TestListenFromEnvSubstitution(t *testing.T) {
	cfg, _ := loadString(t, "backend:\n  listen:\n    port: ${PORT:-7007}\n", "PORT=8181")
	if got := cfg.ListenAddr(); got != ":8181" {
		t.Errorf("ListenAddr = %q, want :8181", got)
	}
}

func TestBaseURL(t *testing.T) {
	for _, good := range []string{"http://localhost:7007", "https://portal.example.com/base"} {
		cfg, _ := loadString(t, "backend:\n  baseUrl: "+good)
		if cfg.Backend.BaseURL != good {
			t.Errorf("BaseURL = %q, want %q", cfg.Backend.BaseURL, good)
		}
	}
}
