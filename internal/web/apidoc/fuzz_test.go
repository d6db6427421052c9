package apidoc

import (
	"errors"
	"testing"
)

// checkRender renders and checks what must hold for any input: no panic,
// either HTML or an error (an *Error or ErrUnsupported), and nothing
// unsafe in the HTML. Highlighting is chroma's and bounded in time, so it
// is left out: it would slow the fuzzers a hundredfold.
func checkRender(t *testing.T, kind, def string) {
	t.Helper()
	html, err := Render(kind, def)
	if err != nil {
		var de *Error
		if !errors.As(err, &de) && !errors.Is(err, errTooLarge) {
			t.Fatalf("%s: unexpected error type %T: %v", kind, err, err)
		}
		return
	}
	if m := unsafeHTML.FindString(string(html)); m != "" {
		t.Fatalf("%s: rendered HTML contains %q", kind, m)
	}
}

func seeds(f *testing.F, files ...string) {
	for _, name := range files {
		b, err := readTestdataFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

// The OpenAPI seeds are small: the fuzzer minimises every new input it
// finds, and an input that takes long to render would spend the run on
// that.
func FuzzRenderOpenAPI(f *testing.F) {
	f.Add(`openapi: 3.1.0
info: {title: t, version: '1', description: "[x](javascript:1) **b**"}
servers: [{url: 'https://{r}.example.com', variables: {r: {default: a, enum: [a, b]}}}]
tags: [{name: A, description: d}]
paths:
  /a/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get:
      tags: [A]
      parameters: [{$ref: '#/components/parameters/P'}]
      responses:
        '200': {description: ok, headers: {X: {schema: {type: integer}}}, content: {application/json: {schema: {$ref: '#/components/schemas/S'}, examples: {e: {value: {a: 1}}}}}}
        default: {$ref: '#/components/responses/E'}
    post:
      requestBody: {content: {application/json: {schema: {oneOf: [{$ref: '#/components/schemas/S'}, {type: 'null'}]}}}}
      responses: {'201': {description: c}}
components:
  parameters: {P: {name: q, in: query, schema: {type: array, items: {enum: [x, y]}}}}
  responses: {E: {description: e}}
  securitySchemes: {k: {type: apiKey, in: header, name: K}}
  schemas:
    S: {type: object, required: [a], properties: {a: {type: integer, minimum: 1}, s: {$ref: '#/components/schemas/S'}, m: {additionalProperties: {type: string}}, all: {allOf: [{$ref: '#/components/schemas/S'}]}}}
`)
	f.Add(`{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "h", "basePath": "/b", "schemes": ["https"],
"paths": {"/x": {"post": {"consumes": ["multipart/form-data"], "parameters": [{"name": "f", "in": "formData", "type": "file"}, {"name": "b", "in": "body", "schema": {"$ref": "#/definitions/D"}}],
"responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"$ref": "#/definitions/D"}}, "examples": {"application/json": [1]}}}}}},
"definitions": {"D": {"properties": {"d": {"$ref": "#/definitions/D"}}}}}`)
	f.Add("openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/R'}\ncomponents:\n  responses:\n    R: {$ref: '#/components/responses/R'}\n")
	f.Add("swagger: '2.0'\ndefinitions:\n  A: {properties: {b: {$ref: '#/definitions/A'}, c: {items: {$ref: '#'}}}}\n")
	f.Fuzz(func(t *testing.T, def string) { checkRender(t, OpenAPI, def) })
}

func FuzzRenderAsyncAPI(f *testing.F) {
	seeds(f, "asyncapi2.yaml", "asyncapi3.yaml")
	f.Add("asyncapi: 3.0.0\noperations:\n  o: {action: send, channel: {$ref: '#/nowhere'}, messages: [{$ref: '#/x'}]}\n")
	f.Fuzz(func(t *testing.T, def string) { checkRender(t, AsyncAPI, def) })
}

func FuzzRenderGraphQL(f *testing.F) {
	seeds(f, "schema.graphql")
	f.Add("extend type Query { a(b: [[Int!]]! = [[1]]): String @deprecated }")
	f.Fuzz(func(t *testing.T, def string) { checkRender(t, GraphQL, def) })
}

func FuzzRenderProto(f *testing.F) {
	seeds(f, "service.proto")
	f.Add("syntax = \"proto2\";\nmessage A { optional group G = 1 { required int32 x = 2; } extensions 100 to max; }\n")
	f.Add("edition = \"2023\";\noption (a.b).c = { d: 1 e: [2, 3] };\nenum E { option allow_alias = true; A = 0; B = 0 [deprecated = true]; reserved 2 to 5; }\n")
	f.Fuzz(func(t *testing.T, def string) { checkRender(t, GRPC, def) })
}
