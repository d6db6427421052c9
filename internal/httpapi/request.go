package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// intParam parses an optional integer query parameter the way Backstage's
// parseIntegerParam does: one value, canonical decimal form ("007", "+1"
// and "1.0" are refused).
func intParam(q url.Values, name string) (*int, error) {
	vs, ok := q[name]
	if !ok {
		return nil, nil
	}
	bad := problem.Input("Invalid %s, not an integer on string form", name)
	if len(vs) != 1 {
		return nil, bad
	}
	n, err := strconv.Atoi(vs[0])
	if err != nil || strconv.Itoa(n) != vs[0] {
		return nil, bad
	}
	return &n, nil
}

// stringParam returns an optional single-valued query parameter; repeating
// it is an error.
func stringParam(q url.Values, name string) (string, bool, error) {
	vs, ok := q[name]
	if !ok {
		return "", false, nil
	}
	if len(vs) != 1 {
		return "", false, problem.Input("Invalid %s, not a string", name)
	}
	return vs[0], true, nil
}

// parseYN reads a yes/no flag as the yn package does for Backstage's
// dryRun: y, yes, true, 1, on are true; n, no, false, 0, off are false
// (case-insensitive, trimmed); anything else, or no value, is def.
func parseYN(q url.Values, name string, def bool) bool {
	vs, ok := q[name]
	if !ok {
		return def
	}
	// Express turns a repeated parameter into an array, which yn sees as
	// the values joined by commas: never a recognised word.
	switch strings.ToLower(strings.TrimSpace(strings.Join(vs, ","))) {
	case "y", "yes", "true", "1", "on":
		return true
	case "n", "no", "false", "0", "off":
		return false
	}
	return def
}

// bodyKind says how strictly a JSON request body is required.
type bodyKind int

const (
	// bodyRequired is Backstage's requireRequestBody: a JSON content type
	// and a non-empty JSON object.
	bodyRequired bodyKind = iota
	// bodyOptional accepts no body at all (read as {}); a body that is
	// present must be a JSON object with a JSON content type.
	bodyOptional
)

// readJSONObject reads the request body as a JSON object and returns its
// bytes and its top-level members, applying Backstage's body rules.
func readJSONObject(r *http.Request, kind bodyKind) ([]byte, map[string]json.RawMessage, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" && kind == bodyOptional {
		b, err := readBody(r)
		if err != nil {
			return nil, nil, err
		}
		if len(bytes.TrimSpace(b)) == 0 {
			return []byte("{}"), map[string]json.RawMessage{}, nil
		}
	}
	if ct == "" {
		return nil, nil, problem.Input("Content-Type missing")
	}
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return nil, nil, problem.Input("Illegal Content-Type")
	}
	b, err := readBody(r)
	if err != nil {
		return nil, nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		if kind == bodyOptional {
			return []byte("{}"), map[string]json.RawMessage{}, nil
		}
		return nil, nil, problem.Input("Missing request body")
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) || bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
			return nil, nil, problem.Input("Expected body to be a JSON object")
		}
		return nil, nil, problem.Input("Malformed JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if members == nil {
		return nil, nil, problem.Input("Expected body to be a JSON object")
	}
	if len(members) == 0 && kind == bodyRequired {
		return nil, nil, problem.Input("Empty request body")
	}
	return b, members, nil
}

// readBody reads the whole body; the size limit is set by middleware.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge
		}
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return b, nil
}

// decodeBody decodes a JSON object body into dst. strict refuses unknown
// keys (additionalProperties: false); required names keys that must be
// present. Problems become InputErrors prefixed "Malformed request: ".
func decodeBody(b []byte, members map[string]json.RawMessage, dst any, strict bool, required ...string) error {
	for _, k := range required {
		if _, ok := members[k]; !ok {
			return problem.Input("Malformed request: missing required property %q", k)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(dst); err != nil {
		return problem.Input("Malformed request: %s", describeDecodeError(err))
	}
	return nil
}

// describeDecodeError phrases a JSON decoding error for the caller.
func describeDecodeError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return fmt.Sprintf("expected %s, got %s", jsonTypeName(typeErr.Type.String()), typeErr.Value)
		}
		return fmt.Sprintf("property %q must be %s, got %s", typeErr.Field, jsonTypeName(typeErr.Type.String()), typeErr.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonTypeName names a Go destination type in JSON terms.
func jsonTypeName(goType string) string {
	switch {
	case goType == "string" || goType == "*string":
		return "a string"
	case goType == "bool" || goType == "*bool":
		return "a boolean"
	case strings.Contains(goType, "int") || strings.Contains(goType, "float") || goType == "json.Number":
		return "a number"
	case strings.HasPrefix(goType, "[]") || strings.HasPrefix(goType, "*[]"):
		return "an array"
	default:
		return "an object"
	}
}

// nonNegativeInt checks an optional JSON number body property is a whole
// number at or above min.
func nonNegativeInt(name string, n *json.Number, least int) (*int, error) {
	if n == nil {
		return nil, nil
	}
	v, err := strconv.Atoi(n.String())
	if err != nil {
		return nil, problem.Input("Malformed request: property %q must be an integer", name)
	}
	if v < least {
		return nil, problem.Input("Malformed request: property %q must be >= %d", name, least)
	}
	return &v, nil
}
