// Package apidoc renders API definitions as HTML on the server: OpenAPI 3
// and Swagger 2 (operations grouped by tag, parameters, request and
// response schemas as nested property tables, examples, servers and
// security), AsyncAPI 2 and 3 (channels, operations, messages and their
// payloads), GraphQL SDL (types, fields, arguments, enums, inputs,
// directives) and Protocol Buffers for gRPC (packages, services, rpcs with
// streaming marks, messages, enums).
//
// Everything a definition contains is data: text is escaped by
// html/template, descriptions are Markdown rendered without raw HTML, and
// links keep only http, https, mailto and relative targets. Local $refs
// are resolved with cycle protection, and a budget bounds the output of a
// hostile or enormous definition. Highlight shows the raw definition with
// syntax classes that our own stylesheet colours.
package apidoc
