package scaffolder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// ValidationError is one failure of a value against a JSON schema, in the
// shape of the jsonschema library Backstage's scaffolder answers with.
type ValidationError struct {
	// Path is where the failing value is: property names and indices.
	Path []any `json:"path"`
	// Property is Path written as JavaScript: instance.name, instance[0].
	Property string `json:"property"`
	Message  string `json:"message"`
	// Schema is the (sub)schema that failed.
	Schema   any    `json:"schema"`
	Instance any    `json:"instance"`
	Name     string `json:"name"`
	Argument any    `json:"argument"`
	Stack    string `json:"stack"`
}

// ValuesError reports values or secrets that fail their schema; the REST
// API answers it with 400 {"errors": [...]}.
type ValuesError struct {
	// Page is the index of the parameter page that failed; -1 for the
	// secrets schema.
	Page   int
	Errors []ValidationError
}

func (e *ValuesError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, v := range e.Errors {
		msgs[i] = v.Stack
	}
	what := "values"
	if e.Page < 0 {
		what = "secrets"
	}
	return fmt.Sprintf("invalid %s: %s", what, strings.Join(msgs, ", "))
}

// schemaURL is the resource name schemas are compiled under.
const schemaURL = "callboard:schema.json"

// compiledSchema is a compiled JSON schema with the document it came
// from, to show the failing part of it.
type compiledSchema struct {
	schema *jsonschema.Schema
	doc    any
}

// compileSchema compiles a schema written as decoded JSON (or YAML), with
// draft 7 as the default as Backstage's validator assumes. Keys it does
// not know, such as ui:*, are ignored.
func compileSchema(s map[string]any) (*compiledSchema, error) {
	doc, err := toJSONDoc(s)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return nil, cleanSchemaError(err)
	}
	return &compiledSchema{schema: sch, doc: doc}, nil
}

// cleanSchemaError drops the internal resource name from a compile error.
func cleanSchemaError(err error) error {
	msg := strings.ReplaceAll(err.Error(), schemaURL, "schema")
	return fmt.Errorf("%s", msg)
}

// toJSONDoc converts decoded data to what the validator reads: JSON
// numbers as json.Number.
func toJSONDoc(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

// validate checks v and returns its failures; nil when it is valid.
func (c *compiledSchema) validate(v any) ([]ValidationError, error) {
	inst, err := toJSONDoc(v)
	if err != nil {
		return nil, err
	}
	err = c.schema.Validate(inst)
	if err == nil {
		return nil, nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil, err
	}
	var out []ValidationError
	c.collect(ve, inst, &out)
	return out, nil
}

// collect appends the leaves of a validation error tree.
func (c *compiledSchema) collect(e *jsonschema.ValidationError, inst any, out *[]ValidationError) {
	if len(e.Causes) > 0 {
		for _, cause := range e.Causes {
			c.collect(cause, inst, out)
		}
		return
	}
	path, value := instanceAt(inst, e.InstanceLocation)
	sub := schemaAt(c.doc, e.SchemaURL)
	prop := jsProperty(path)
	add := func(name, msg string, arg any) {
		*out = append(*out, ValidationError{
			Path: path, Property: prop, Message: msg, Schema: plain(sub), Instance: plain(value),
			Name: name, Argument: plain(arg), Stack: prop + " " + msg,
		})
	}
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			add("required", fmt.Sprintf("requires property %q", m), m)
		}
	case *kind.Type:
		add("type", "is not of a type(s) "+strings.Join(k.Want, ","), k.Want)
	case *kind.Pattern:
		add("pattern", fmt.Sprintf("does not match pattern %q", k.Want), k.Want)
	case *kind.Enum:
		parts := make([]string, len(k.Want))
		for i, w := range k.Want {
			parts[i] = jsString(w)
		}
		add("enum", "is not one of enum values: "+strings.Join(parts, ","), k.Want)
	case *kind.Const:
		add("const", "does not exactly match expected constant: "+jsString(k.Want), k.Want)
	case *kind.MinLength:
		add("minLength", fmt.Sprintf("does not meet minimum length of %d", k.Want), k.Want)
	case *kind.MaxLength:
		add("maxLength", fmt.Sprintf("does not meet maximum length of %d", k.Want), k.Want)
	case *kind.MinItems:
		add("minItems", fmt.Sprintf("does not meet minimum length of %d", k.Want), k.Want)
	case *kind.MaxItems:
		add("maxItems", fmt.Sprintf("does not meet maximum length of %d", k.Want), k.Want)
	case *kind.Minimum:
		add("minimum", "must be greater than or equal to "+ratString(k.Want), json.Number(ratString(k.Want)))
	case *kind.Maximum:
		add("maximum", "must be less than or equal to "+ratString(k.Want), json.Number(ratString(k.Want)))
	case *kind.ExclusiveMinimum:
		add("exclusiveMinimum", "must be greater than "+ratString(k.Want), json.Number(ratString(k.Want)))
	case *kind.ExclusiveMaximum:
		add("exclusiveMaximum", "must be less than "+ratString(k.Want), json.Number(ratString(k.Want)))
	case *kind.Format:
		add("format", fmt.Sprintf("does not conform to the %q format", k.Want), k.Want)
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			add("additionalProperties", fmt.Sprintf("is not allowed to have the additional property %q", p), p)
		}
	default:
		kw := e.ErrorKind.KeywordPath()
		name := "schema"
		if len(kw) > 0 {
			name = kw[len(kw)-1]
		}
		add(name, e.ErrorKind.LocalizedString(printer), nil)
	}
}

var printer = message.NewPrinter(language.English)

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// jsString writes a value as JavaScript's String() would.
func jsString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "null"
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// plain converts validator values (json.Number) back to ordinary JSON
// data for responses.
func plain(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// instanceAt returns the path (with array indices as numbers) and the
// value at loc.
func instanceAt(inst any, loc []string) ([]any, any) {
	path := []any{}
	cur := inst
	for _, seg := range loc {
		switch x := cur.(type) {
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return append(path, seg), nil
			}
			path = append(path, i)
			cur = x[i]
		case map[string]any:
			path = append(path, seg)
			cur = x[seg]
		default:
			return append(path, seg), nil
		}
	}
	return path, cur
}

// schemaAt resolves the fragment of a compiled schema's URL in doc.
func schemaAt(doc any, loc string) any {
	_, frag, _ := strings.Cut(loc, "#")
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if tok == "" {
			continue
		}
		if u, err := url.PathUnescape(tok); err == nil {
			tok = u
		}
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := cur.(type) {
		case map[string]any:
			cur = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			cur = x[i]
		default:
			return nil
		}
	}
	return cur
}

var jsIdent = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// jsProperty writes a path the way the jsonschema library names
// properties: instance.name, instance[0], instance["a-b"].
func jsProperty(path []any) string {
	var b strings.Builder
	b.WriteString("instance")
	for _, p := range path {
		switch x := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", x)
		case string:
			if jsIdent.MatchString(x) {
				b.WriteString("." + x)
			} else {
				q, _ := json.Marshal(x)
				fmt.Fprintf(&b, "[%s]", q)
			}
		}
	}
	return b.String()
}
