package httpapi

import (
	"testing"

	"github.com/callboard/callboard/entity"
)

func TestStaticContentType(t *testing.T) {
	plain := "text/plain; charset=utf-8"
	tests := map[string]string{
		".html":        plain,
		".HTM":         plain,
		".xhtml":       plain,
		".xml":         plain,
		".svg":         plain,
		".xsl":         plain,
		".appcache":    plain,
		".webmanifest": plain,
		".vtt":         plain,
		"":             plain,
		".bin":         plain,
		".css":         "text/css; charset=utf-8",
		".js":          "application/javascript; charset=utf-8",
		".json":        "application/json; charset=utf-8",
		".png":         "image/png",
		".JPG":         "image/jpeg",
		".woff2":       "font/woff2",
		".pdf":         "application/pdf",
		".txt":         plain,
	}
	for ext, want := range tests {
		if got := staticContentType(ext); got != want {
			t.Errorf("staticContentType(%q) = %q, want %q", ext, got, want)
		}
	}
}

func TestEtagMatches(t *testing.T) {
	tests := []struct {
		header, etag string
		want         bool
	}{
		{"", `"a"`, false},
		{`"a"`, `"a"`, true},
		{`W/"a"`, `"a"`, true},
		{`"b", "a"`, `"a"`, true},
		{`"b"`, `"a"`, false},
		{"*", `"a"`, true},
	}
	for _, tt := range tests {
		if got := etagMatches(tt.header, tt.etag); got != tt.want {
			t.Errorf("etagMatches(%q, %q) = %v", tt.header, tt.etag, got)
		}
	}
}

func TestTechdocsRef(t *testing.T) {
	if got := techdocsRef(entity.Ref{Kind: "Component", Namespace: "Default", Name: "Harbour-Tides"}); got != "component:default/Harbour-Tides" {
		t.Errorf("techdocsRef = %q", got)
	}
}
