package entity

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseLocationRef(t *testing.T) {
	unable := func(s string) string {
		return "Unable to parse location ref '" + s + "', expected '<type>:<target>', e.g. 'url:https://host/path'"
	}
	tests := []struct {
		in         string
		typ, tgt   string
		wantErrMsg string
	}{
		{in: "url:https://www.google.com", typ: "url", tgt: "https://www.google.com"},
		{in: "file:/tmp/catalog-info.yaml", typ: "file", tgt: "/tmp/catalog-info.yaml"},
		{in: " url : https://a.example/x.yaml ", typ: "url", tgt: "https://a.example/x.yaml"},
		{in: "github-discovery:https://github.com/org", typ: "github-discovery", tgt: "https://github.com/org"},
		{in: "", wantErrMsg: unable("")},
		{in: "hello", wantErrMsg: unable("hello")},
		{in: ":hello", wantErrMsg: unable(":hello")},
		{in: "hello:", wantErrMsg: unable("hello:")},
		{in: "hello:  ", wantErrMsg: unable("hello:  ")},
		{in: "http://blah", wantErrMsg: "Invalid location ref 'http://blah', please prefix it with 'url:', e.g. 'url:http://blah'"},
		{in: "https://bleh", wantErrMsg: "Invalid location ref 'https://bleh', please prefix it with 'url:', e.g. 'url:https://bleh'"},
		{in: "url:javascript:alert(1)", wantErrMsg: "Invalid location ref 'url:javascript:alert(1)', the target must not be a javascript: URL"},
		{in: "url: JaVa\tScRiPt:alert(1)", wantErrMsg: "Invalid location ref 'url: JaVa\tScRiPt:alert(1)', the target must not be a javascript: URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			typ, tgt, err := ParseLocationRef(tt.in)
			if diff := cmp.Diff(tt.wantErrMsg, errText(err)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if typ != tt.typ || tgt != tt.tgt {
				t.Errorf("ParseLocationRef = %q, %q; want %q, %q", typ, tgt, tt.typ, tt.tgt)
			}
		})
	}
}

func TestLocationRefString(t *testing.T) {
	if got := LocationRefString("url", "https://a.example/x.yaml"); got != "url:https://a.example/x.yaml" {
		t.Errorf("LocationRefString = %q", got)
	}
	typ, tgt, err := ParseLocationRef(LocationRefString("file", "/a/b.yaml"))
	if err != nil || typ != "file" || tgt != "/a/b.yaml" {
		t.Errorf("round trip = %q, %q, %v", typ, tgt, err)
	}
}

func TestIsJavaScriptURL(t *testing.T) {
	tests := map[string]bool{
		"javascript:alert(1)":        true,
		"JAVASCRIPT:x":               true,
		"  \x01javascript:x":         true,
		"java\nscript:x":             true,
		"javascript\t:x":             true,
		"javascript":                 false,
		"https://javascript.example": false,
		"java script:x":              false,
		"xjavascript:x":              false,
		"":                           false,
	}
	for in, want := range tests {
		if got := IsJavaScriptURL(in); got != want {
			t.Errorf("IsJavaScriptURL(%q) = %v, want %v", in, got, want)
		}
	}
}
