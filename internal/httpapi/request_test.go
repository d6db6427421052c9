package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callboard/callboard/internal/problem"
)

// errText renders an error for table comparisons: "" for nil, otherwise its
// class and message.
func errText(err error) string {
	if err == nil {
		return ""
	}
	if p, ok := problem.As(err); ok {
		return p.Name + ": " + p.Message
	}
	return err.Error()
}

func TestIntParam(t *testing.T) {
	tests := []struct {
		query   string
		want    *int
		wantErr string
	}{
		{query: "", want: nil},
		{query: "limit=0", want: ptr(0)},
		{query: "limit=25", want: ptr(25)},
		{query: "limit=-3", want: ptr(-3)},
		{query: "limit=abc", wantErr: "InputError: Invalid limit, not an integer on string form"},
		{query: "limit=", wantErr: "InputError: Invalid limit, not an integer on string form"},
		{query: "limit=007", wantErr: "InputError: Invalid limit, not an integer on string form"},
		{query: "limit=%2B1", wantErr: "InputError: Invalid limit, not an integer on string form"},
		{query: "limit=1.5", wantErr: "InputError: Invalid limit, not an integer on string form"},
		{query: "limit=1&limit=2", wantErr: "InputError: Invalid limit, not an integer on string form"},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		got, err := intParam(q, "limit")
		if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
			t.Errorf("%q: error (-want +got):\n%s", tt.query, diff)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q: value (-want +got):\n%s", tt.query, diff)
		}
	}
}

func ptr[T any](v T) *T { return &v }

var sortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })

func TestParseYN(t *testing.T) {
	tests := []struct {
		query string
		want  bool
	}{
		{"", false},
		{"dryRun=true", true},
		{"dryRun=TRUE", true},
		{"dryRun=%20yes%20", true},
		{"dryRun=y", true},
		{"dryRun=1", true},
		{"dryRun=on", true},
		{"dryRun=false", false},
		{"dryRun=no", false},
		{"dryRun=0", false},
		{"dryRun=off", false},
		{"dryRun=maybe", false},
		{"dryRun=", false},
		{"dryRun=true&dryRun=true", false},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		if got := parseYN(q, "dryRun", false); got != tt.want {
			t.Errorf("%q: got %v, want %v", tt.query, got, tt.want)
		}
	}
	if !parseYN(url.Values{"dryRun": {"maybe"}}, "dryRun", true) {
		t.Error("an unrecognised word must give the default")
	}
}

func TestReadJSONObject(t *testing.T) {
	tests := []struct {
		name        string
		kind        bodyKind
		contentType string
		body        string
		wantKeys    []string
		wantErr     string
	}{
		{name: "object", contentType: "application/json", body: `{"a":1,"b":"x"}`, wantKeys: []string{"a", "b"}},
		{name: "charset", contentType: "application/json; charset=utf-8", body: `{"a":1}`, wantKeys: []string{"a"}},
		{name: "missing content type", body: `{"a":1}`, wantErr: "InputError: Content-Type missing"},
		{name: "other content type", contentType: "text/plain", body: `{"a":1}`, wantErr: "InputError: Illegal Content-Type"},
		{name: "json suffix type", contentType: "application/jsonx", body: `{"a":1}`, wantErr: "InputError: Illegal Content-Type"},
		{name: "no body", contentType: "application/json", body: "", wantErr: "InputError: Missing request body"},
		{name: "empty object", contentType: "application/json", body: " {} ", wantErr: "InputError: Empty request body"},
		{name: "array", contentType: "application/json", body: `[1]`, wantErr: "InputError: Expected body to be a JSON object"},
		{name: "string", contentType: "application/json", body: `"x"`, wantErr: "InputError: Expected body to be a JSON object"},
		{name: "null", contentType: "application/json", body: `null`, wantErr: "InputError: Expected body to be a JSON object"},
		{name: "malformed", contentType: "application/json", body: `{"a":`, wantErr: "InputError: Malformed JSON body: unexpected end of JSON input"},
		{name: "optional absent", kind: bodyOptional, body: "", wantKeys: []string{}},
		{name: "optional empty json", kind: bodyOptional, contentType: "application/json", body: "", wantKeys: []string{}},
		{name: "optional empty object", kind: bodyOptional, contentType: "application/json", body: "{}", wantKeys: []string{}},
		{name: "optional body needs type", kind: bodyOptional, body: `{"a":1}`, wantErr: "InputError: Content-Type missing"},
		{name: "optional wrong type", kind: bodyOptional, contentType: "text/plain", body: `{"a":1}`, wantErr: "InputError: Illegal Content-Type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/catalog/x", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			_, members, err := readJSONObject(r, tt.kind)
			if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			keys := []string{}
			for k := range members {
				keys = append(keys, k)
			}
			if diff := cmp.Diff(tt.wantKeys, keys, sortStrings); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadJSONObjectTooLarge(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/api/catalog/x", strings.NewReader(`{"a":"`+strings.Repeat("x", 100)+`"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Body = http.MaxBytesReader(w, r.Body, 10)
	_, _, err := readJSONObject(r, bodyRequired)
	if err != errTooLarge {
		t.Fatalf("got %v, want errTooLarge", err)
	}
}

func TestDecodeBody(t *testing.T) {
	type target struct {
		Type   string   `json:"type"`
		Target string   `json:"target"`
		List   []string `json:"list"`
	}
	tests := []struct {
		name    string
		body    string
		strict  bool
		wantErr string
	}{
		{name: "ok", body: `{"type":"url","target":"x"}`},
		{name: "unknown key lenient", body: `{"type":"url","target":"x","other":1}`},
		{name: "unknown key strict", body: `{"type":"url","target":"x","other":1}`, strict: true,
			wantErr: `InputError: Malformed request: unknown field "other"`},
		{name: "missing required", body: `{"type":"url"}`,
			wantErr: `InputError: Malformed request: missing required property "target"`},
		{name: "wrong type", body: `{"type":5,"target":"x"}`,
			wantErr: `InputError: Malformed request: property "type" must be a string, got number`},
		{name: "wrong array", body: `{"type":"url","target":"x","list":"a"}`,
			wantErr: `InputError: Malformed request: property "list" must be an array, got string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var members map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tt.body), &members); err != nil {
				t.Fatal(err)
			}
			var dst target
			err := decodeBody([]byte(tt.body), members, &dst, tt.strict, "type", "target")
			if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNonNegativeInt(t *testing.T) {
	tests := []struct {
		in      *json.Number
		least   int
		want    *int
		wantErr string
	}{
		{in: nil, want: nil},
		{in: ptr(json.Number("0")), want: ptr(0)},
		{in: ptr(json.Number("12")), least: 1, want: ptr(12)},
		{in: ptr(json.Number("0")), least: 1, wantErr: `InputError: Malformed request: property "limit" must be >= 1`},
		{in: ptr(json.Number("-1")), wantErr: `InputError: Malformed request: property "limit" must be >= 0`},
		{in: ptr(json.Number("1.5")), wantErr: `InputError: Malformed request: property "limit" must be an integer`},
	}
	for _, tt := range tests {
		got, err := nonNegativeInt("limit", tt.in, tt.least)
		if diff := cmp.Diff(tt.wantErr, errText(err)); diff != "" {
			t.Errorf("%v: error (-want +got):\n%s", tt.in, diff)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%v: (-want +got):\n%s", tt.in, diff)
		}
	}
}

// FuzzReadJSONObject checks that any body is either read as a JSON object
// or refused with an InputError, never with another failure.
func FuzzReadJSONObject(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{}`, ``, `[]`, `null`, `{"a":`, `"x"`, "{\"a\":\"\\ud800\"}", ` {"a":{"b":[1,2,{}]}} `} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, body string, required bool) {
		r := httptest.NewRequest("POST", "/api/catalog/x", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		kind := bodyOptional
		if required {
			kind = bodyRequired
		}
		b, members, err := readJSONObject(r, kind)
		if err != nil {
			if p, ok := problem.As(err); !ok || p.Name != problem.InputError {
				t.Fatalf("body %q: error %v is not an InputError", body, err)
			}
			return
		}
		if members == nil || !json.Valid(b) {
			t.Fatalf("body %q: accepted without an object (%q)", body, b)
		}
		if required && len(members) == 0 {
			t.Fatalf("body %q: empty object accepted as a required body", body)
		}
	})
}
