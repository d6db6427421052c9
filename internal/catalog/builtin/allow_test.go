package builtin

import (
	"net/url"
	"testing"
)

func TestAllowRules(t *testing.T) {
	tests := []struct {
		rule AllowRule
		url  string
		want bool
	}{
		{AllowRule{Host: "example.com"}, "https://example.com/a.yaml", true},
		{AllowRule{Host: "Example.COM"}, "https://EXAMPLE.com/a.yaml", true},
		{AllowRule{Host: "example.com"}, "https://example.com:443/a.yaml", true},
		{AllowRule{Host: "example.com"}, "http://example.com/a.yaml", true},
		{AllowRule{Host: "example.com"}, "https://example.com:8443/a.yaml", false},
		{AllowRule{Host: "example.com"}, "https://sub.example.com/a.yaml", false},
		{AllowRule{Host: "example.com"}, "https://example.com.evil.org/a.yaml", false},
		{AllowRule{Host: "*.example.com"}, "https://a.b.example.com/x", true},
		{AllowRule{Host: "*.example.com"}, "https://example.com/x", false},
		{AllowRule{Host: "*.example.com"}, "https://badexample.com/x", false},
		{AllowRule{Host: "*.example.com"}, "https://a.example.com:8080/x", false},
		{AllowRule{Host: "*.example.com:8080"}, "https://a.example.com:8080/x", true},
		{AllowRule{Host: "localhost:8080"}, "http://localhost:8080/x", true},
		{AllowRule{Host: "localhost:8080"}, "http://localhost/x", false},
		{AllowRule{Host: "localhost:1024-65535"}, "http://localhost:40000/x", true},
		{AllowRule{Host: "localhost:1024-65535"}, "http://localhost:80/x", false},
		{AllowRule{Host: "localhost:1024-65535"}, "http://localhost/x", false},
		{AllowRule{Host: "[::1]:8080"}, "http://[::1]:8080/x", true},
		{AllowRule{Host: "[::1]"}, "http://[::1]/x", true},
		{AllowRule{Host: "example.com", Paths: []string{"/catalog/"}}, "https://example.com/catalog/a.yaml", true},
		{AllowRule{Host: "example.com", Paths: []string{"/catalog/"}}, "https://example.com/catalog/../secret.yaml", false},
		{AllowRule{Host: "example.com", Paths: []string{"/catalog/"}}, "https://example.com/other/a.yaml", false},
		{AllowRule{Host: "example.com", Paths: []string{"/catalog/"}}, "https://example.com/catalog/", true},
		{AllowRule{Host: "example.com", Paths: []string{"/a/", "/b/"}}, "https://example.com/b/x", true},
	}
	for _, tt := range tests {
		m, err := compileAllow(tt.rule)
		if err != nil {
			t.Errorf("compileAllow(%+v): %v", tt.rule, err)
			continue
		}
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.match(u); got != tt.want {
			t.Errorf("rule %+v, %s: match = %v, want %v", tt.rule, tt.url, got, tt.want)
		}
	}
}

func TestAllowRuleErrors(t *testing.T) {
	for _, r := range []AllowRule{
		{Host: ""},
		{Host: "*."},
		{Host: "example.com:0"},
		{Host: "example.com:70000"},
		{Host: "example.com:9000-8000"},
		{Host: "example.com:http"},
		{Host: "::1"},
		{Host: "[::1"},
		{Host: "[::1]x"},
		{Host: "exa mple.com"},
		{Host: "example.com", Paths: []string{"catalog/"}},
	} {
		if _, err := compileAllow(r); err == nil {
			t.Errorf("compileAllow(%+v) succeeded, want an error", r)
		}
	}
}
