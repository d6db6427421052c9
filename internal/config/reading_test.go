package config

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadingAllowParse(t *testing.T) {
	tests := []struct {
		host string
		want allowHost
		err  string
	}{
		{host: "example.com", want: allowHost{name: "example.com"}},
		{host: "Example.COM", want: allowHost{name: "example.com"}},
		{host: "*.example.com", want: allowHost{suffix: ".example.com"}},
		{host: "localhost:8080", want: allowHost{name: "localhost", portMin: 8080, portMax: 8080}},
		{host: "127.0.0.1:1024-65535", want: allowHost{name: "127.0.0.1", portMin: 1024, portMax: 65535}},
		{host: "*.example.com:443", want: allowHost{suffix: ".example.com", portMin: 443, portMax: 443}},
		{host: "", err: `expected a host such as "example.com", "*.example.com" or "localhost:1024-65535", got ""`},
		{host: "https://example.com", err: `expected a host such as "example.com", "*.example.com" or "localhost:1024-65535", got "https://example.com"`},
		{host: "*.", err: `expected a host such as "example.com", "*.example.com" or "localhost:1024-65535", got "*."`},
		{host: "a*.example.com", err: `expected a host such as "example.com", "*.example.com" or "localhost:1024-65535", got "a*.example.com"`},
		{host: "example.com:http", err: "port range is not valid: http"},
		{host: "example.com:0", err: "port range is not valid: 0"},
		{host: "example.com:9000-80", err: "port range is not valid: 9000-80"},
		{host: "example.com:1-70000", err: "port range is not valid: 1-70000"},
	}
	for _, tt := range tests {
		got, err := parseAllowHost(tt.host)
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseAllowHost(%q) error = %v, want %q", tt.host, err, tt.err)
			}
		case err != nil:
			t.Errorf("parseAllowHost(%q): %v", tt.host, err)
		default:
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(allowHost{})); diff != "" {
				t.Errorf("parseAllowHost(%q) (-want +got):\n%s", tt.host, diff)
			}
		}
	}
}

func TestReadingAllowAllows(t *testing.T) {
	tests := []struct {
		rule ReadingAllow
		url  string
		want bool
	}{
		{ReadingAllow{Host: "example.com"}, "https://example.com/a.yaml", true},
		{ReadingAllow{Host: "example.com"}, "https://EXAMPLE.com/a.yaml", true},
		{ReadingAllow{Host: "example.com"}, "https://example.com:8443/a.yaml", false},
		{ReadingAllow{Host: "example.com"}, "https://sub.example.com/a.yaml", false},
		{ReadingAllow{Host: "example.com"}, "https://example.com.evil.org/a.yaml", false},
		{ReadingAllow{Host: "*.example.com"}, "https://sub.example.com/a.yaml", true},
		{ReadingAllow{Host: "*.example.com"}, "https://a.b.example.com/a.yaml", true},
		{ReadingAllow{Host: "*.example.com"}, "https://example.com/a.yaml", false},
		{ReadingAllow{Host: "*.example.com"}, "https://badexample.com/a.yaml", false},
		{ReadingAllow{Host: "localhost:8080"}, "http://localhost:8080/x", true},
		{ReadingAllow{Host: "localhost:8080"}, "http://localhost/x", false},
		{ReadingAllow{Host: "localhost:1-100"}, "http://localhost/x", true},
		{ReadingAllow{Host: "localhost:1-100"}, "https://localhost/x", false},
		{ReadingAllow{Host: "localhost:400-500"}, "https://localhost/x", true},
		{ReadingAllow{Host: "127.0.0.1:1024-65535"}, "http://127.0.0.1:7007/x", true},
		{ReadingAllow{Host: "127.0.0.1:1024-65535"}, "http://127.0.0.1:80/x", false},
		{ReadingAllow{Host: "example.com", Paths: []string{"/docs/"}}, "https://example.com/docs/a.yaml", true},
		{ReadingAllow{Host: "example.com", Paths: []string{"/docs/"}}, "https://example.com/other/a.yaml", false},
		{ReadingAllow{Host: "example.com", Paths: []string{"/docs/"}}, "https://example.com/docs/../secret.yaml", false},
		{ReadingAllow{Host: "example.com", Paths: []string{"/docs/"}}, "https://example.com/docs/", true},
		{ReadingAllow{Host: "example.com", Paths: []string{"/a", "/b"}}, "https://example.com/b/x", true},
		{ReadingAllow{Host: "example.com", Paths: []string{}}, "https://example.com/x", false},
		{ReadingAllow{Host: "bad:host:1"}, "https://bad/x", false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := tt.rule.Allows(u); got != tt.want {
			t.Errorf("%+v.Allows(%s) = %v, want %v", tt.rule, tt.url, got, tt.want)
		}
	}
}

func TestReadingAliasIsMerged(t *testing.T) {
	cfg, warnings := loadString(t, "backend:\n  reading:\n    allow:\n      - host: a.example.com\nreading:\n  allow:\n    - host: b.example.com\n      paths: [/x/]\n  other: 1\n")
	want := []ReadingAllow{{Host: "a.example.com"}, {Host: "b.example.com", Paths: []string{"/x/"}}}
	if diff := cmp.Diff(want, cfg.Backend.Reading.Allow); diff != "" {
		t.Errorf("allow (-want +got):\n%s", diff)
	}
	wantWarnings := []string{`app-config.yaml:9: unknown key "reading.other" is ignored`}
	if diff := cmp.Diff(wantWarnings, warningStrings(warnings)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
