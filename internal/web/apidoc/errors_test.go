package apidoc

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRenderErrors(t *testing.T) {
	for _, c := range []struct {
		name, kind, def string
		want            *Error
	}{
		{"empty", OpenAPI, "", &Error{Message: "the definition is empty"}},
		{"not YAML", OpenAPI, "openapi: 3.0.0\ninfo:\n  title: x\n paths: [\n", &Error{Message: "not valid YAML or JSON: did not find expected key", Line: 4, Column: 2}},
		{"not JSON", OpenAPI, `{"openapi": "3.0.0",`, &Error{Message: "not valid YAML or JSON: did not find expected node content", Line: 2, Column: 1}},
		{"a list", OpenAPI, "- a\n- b\n", &Error{Message: "an OpenAPI definition must be a mapping at the top level"}},
		{"no version", OpenAPI, "info: {title: x}\n", &Error{Message: `this is not an OpenAPI definition: it has neither an "openapi" nor a "swagger" version field`}},
		{"OpenAPI 4", OpenAPI, "openapi: 4.0.0\n", &Error{Message: "OpenAPI version 4.0.0 is not supported; Callboard renders OpenAPI 3.x and Swagger 2.0"}},
		{"Swagger 1.2", OpenAPI, "swagger: '1.2'\n", &Error{Message: "Swagger version 1.2 is not supported; Callboard renders OpenAPI 3.x and Swagger 2.0"}},
		{"AsyncAPI without version", AsyncAPI, "channels: {}\n", &Error{Message: `this is not an AsyncAPI definition: it has no "asyncapi" version field`}},
		{"AsyncAPI 1", AsyncAPI, "asyncapi: 1.2.0\n", &Error{Message: "AsyncAPI version 1.2.0 is not supported; Callboard renders AsyncAPI 2.x and 3.x"}},
		{"GraphQL", GraphQL, "type Query {\n  a: String\n", &Error{Message: "not valid GraphQL: Expected Name, found <EOF>", Line: 3, Column: 1}},
		{"GraphQL empty", GraphQL, "  \n", &Error{Message: "the definition is empty"}},
		{"proto statement", GRPC, "syntax = \"proto3\";\nmessage A {\n  string a = ;\n}\n", &Error{Message: "not valid Protocol Buffers: expected a number, found ';'", Line: 3, Column: 14}},
		{"proto unclosed", GRPC, "service S {\n  rpc A(B) returns (C);\n", &Error{Message: "not valid Protocol Buffers: expected '}', found the end of the file", Line: 3, Column: 1}},
		{"proto comment", GRPC, "/* never closed\nmessage A {}\n", &Error{Message: "not valid Protocol Buffers: a /* comment is not closed", Line: 1, Column: 1}},
		{"proto character", GRPC, "message A { string a = 1; } @\n", &Error{Message: "not valid Protocol Buffers: unexpected character '@'", Line: 1, Column: 29}},
		{"proto declaration", GRPC, "messages A {}\n", &Error{Message: "not valid Protocol Buffers: expected a declaration (syntax, package, import, option, message, enum, service), found 'messages'", Line: 1, Column: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			html, err := Render(c.kind, c.def)
			var got *Error
			if !errors.As(err, &got) {
				t.Fatalf("err = %v (%T), want an *Error", err, err)
			}
			if html != "" {
				t.Errorf("HTML with an error: %q", html)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRenderUnsupported(t *testing.T) {
	if _, err := Render("trpc", "router"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("err = %v, want ErrUnsupported", err)
	}
	for kind, want := range map[string]bool{"openapi": true, "AsyncAPI": true, "GRAPHQL": true, "grpc": true, "trpc": false, "": false} {
		if Supported(kind) != want {
			t.Errorf("Supported(%q) = %v", kind, !want)
		}
	}
}

func TestRenderTooLarge(t *testing.T) {
	if _, err := Render(OpenAPI, strings.Repeat(" ", maxDefinitionBytes+1)); !errors.Is(err, errTooLarge) {
		t.Errorf("err = %v, want errTooLarge", err)
	}
}

func TestErrorText(t *testing.T) {
	for _, c := range []struct {
		err  Error
		want string
	}{
		{Error{Message: "m"}, "m"},
		{Error{Message: "m", Line: 3}, "m at line 3"},
		{Error{Message: "m", Line: 3, Column: 4}, "m at line 3, column 4"},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.err, got, c.want)
		}
	}
}
