package forge_test

import (
	"testing"

	"github.com/callboard/callboard/internal/integration/forge"
)

func TestRequiredHost(t *testing.T) {
	if h, err := forge.RequiredHost(" Git.Example.com:8443 "); err != nil || h != "git.example.com:8443" {
		t.Errorf("RequiredHost = %q, %v", h, err)
	}
	if _, err := forge.RequiredHost(""); err == nil || err.Error() != "host is required" {
		t.Errorf("empty host: %v", err)
	}
	if _, err := forge.RequiredHost("git.example.com/x"); err == nil || err.Error() != `host "git.example.com/x": expected a host name such as git.example.com` {
		t.Errorf("host with a path: %v", err)
	}
}

func TestWebBaseURL(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{"", "https://git.example.com", ""},
		{"  ", "https://git.example.com", ""},
		{"https://example.com/git/", "https://example.com/git", ""},
		{"ftp://example.com", "", `baseUrl "ftp://example.com": expected an http or https URL`},
	}
	for _, tt := range tests {
		got, err := forge.WebBaseURL(tt.in, "git.example.com")
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("WebBaseURL(%q) = %q, %v; want error %s", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("WebBaseURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
