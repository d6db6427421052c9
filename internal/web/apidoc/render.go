package apidoc

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// Definition types, as in an API entity's spec.type.
const (
	OpenAPI  = "openapi"
	AsyncAPI = "asyncapi"
	GraphQL  = "graphql"
	GRPC     = "grpc"
)

// ErrUnsupported is returned for a definition type Render does not know;
// the caller shows the raw definition alone.
var ErrUnsupported = errors.New("this type of definition is shown as text only")

// Error is a definition that could not be read: the message says what is
// wrong and, when known, where.
type Error struct {
	Message string
	Line    int // 1-based; 0 when unknown
	Column  int
}

func (e *Error) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("%s at line %d, column %d", e.Message, e.Line, e.Column)
	case e.Line > 0:
		return fmt.Sprintf("%s at line %d", e.Message, e.Line)
	}
	return e.Message
}

// Supported reports whether Render knows the definition type kind.
func Supported(kind string) bool {
	switch strings.ToLower(kind) {
	case OpenAPI, AsyncAPI, GraphQL, GRPC:
		return true
	}
	return false
}

// Render renders definition, of the API type kind (openapi, asyncapi,
// graphql or grpc, any case), as HTML. OpenAPI 3.x and Swagger 2.0 are
// told apart by their version field, AsyncAPI 2.x and 3.x likewise. A
// definition that cannot be read returns an *Error (or ErrUnsupported for
// other kinds) and no HTML; the caller then shows the error beside the raw
// definition.
func Render(kind, definition string) (template.HTML, error) {
	if len(definition) > maxDefinitionBytes {
		return "", errTooLarge
	}
	var (
		page string
		data any
		err  error
	)
	b := newBudget()
	switch strings.ToLower(kind) {
	case OpenAPI:
		page = "openapi"
		data, err = buildOpenAPI(definition, b)
	case AsyncAPI:
		page = "asyncapi"
		data, err = buildAsyncAPI(definition, b)
	case GraphQL:
		page = "graphql"
		data, err = buildGraphQL(definition, b)
	case GRPC:
		page = "proto"
		data, err = buildProto(definition, b)
	default:
		return "", ErrUnsupported
	}
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, page, data); err != nil {
		return "", fmt.Errorf("render %s definition: %w", kind, err)
	}
	return template.HTML(buf.String()), nil
}

//go:embed templates/*.html
var templateFS embed.FS

// templates holds one template per definition type and shared partials.
var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"lower": strings.ToLower,
	"link":  newLink,
	"depthClass": func(d int) string {
		return "apidoc-depth-" + strconv.Itoa(min(d, maxSchemaDepth))
	},
}).ParseFS(templateFS, "templates/*.html"))

// budget bounds the rows a rendering produces, so that a definition made
// of shared anchors or deeply nested references cannot produce an
// unbounded page. When it runs out, schemas are shown by name only and
// the page says so.
type budget struct {
	left      int
	exhausted bool
}

// maxRows is the budget of a rendering: far more than the largest
// real-world definitions need.
const maxRows = 20000

func newBudget() *budget { return &budget{left: maxRows} }

// take spends one row; false once the budget is gone.
func (b *budget) take() bool {
	if b.left <= 0 {
		b.exhausted = true
		return false
	}
	b.left--
	return true
}

// truncatedNote is shown when the budget ran out.
const truncatedNote = "This definition is very large: some schemas are shown by name only. The raw definition has everything."
