package catalog

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/callboard/callboard/internal/problem"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func strp(s string) *string { return &s }

func TestQueryCursorRoundTrip(t *testing.T) {
	total := 12
	filter := all(eq("kind", "component"), exists("spec.type", true))
	c := queryCursor{
		OrderFields:          []cursorOrder{{Field: "metadata.name", Order: "desc"}},
		FullTextFilter:       &FullTextFilter{Term: "Foo", Fields: []string{"metadata.name"}},
		OrderFieldValues:     []*string{strp("b"), strp("42")},
		Query:                &filter,
		IsPrevious:           true,
		FirstSortFieldValues: []*string{strp("a"), strp("7")},
		TotalItems:           &total,
	}
	s, err := encodeQueryCursor(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeQueryCursor(s)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&c, got, cmp.AllowUnexported(queryCursor{})); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	// The client looks for "query" to pick POST for follow-up pages.
	raw, _ := base64.StdEncoding.DecodeString(s)
	if !strings.Contains(string(raw), `"query":{"$all":[{"kind":"component"},{"spec.type":{"$exists":true}}]}`) {
		t.Errorf("cursor JSON lacks the query: %s", raw)
	}
}

func TestDecodeQueryCursorLegacyFilter(t *testing.T) {
	s := b64(`{"orderFields":[],"orderFieldValues":["3"],"isPrevious":false,` +
		`"filter":{"anyOf":[{"allOf":[{"key":"Kind","values":["User","group"]},{"key":"spec.type"}]},{"not":{"key":"x","values":[]}}]}}`)
	got, err := decodeQueryCursor(s)
	if err != nil {
		t.Fatal(err)
	}
	want := anyOf(all(eq("kind", "user", "group"), exists("spec.type", true)), not(exists("x", true)))
	if diff := cmp.Diff(&want, got.Query, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("legacy filter (-want +got):\n%s", diff)
	}
}

func TestDecodeQueryCursorErrors(t *testing.T) {
	for _, tt := range []struct{ cursor, want string }{
		{"%%%", "Malformed cursor: not base64"},
		{b64("[]"), "Malformed cursor: json: cannot unmarshal array into Go value of type catalog.rawQueryCursor"},
		{b64(`{"orderFields":[]}`), "Malformed cursor: orderFields, orderFieldValues and isPrevious are required"},
		{b64(`{"orderFields":[{"field":"a","order":"up"}],"orderFieldValues":[],"isPrevious":false}`), `Malformed cursor: order of "a" must be asc or desc`},
		{b64(`{"orderFields":[],"orderFieldValues":[],"isPrevious":false,"totalItems":-1}`), "Malformed cursor: totalItems must be a non-negative integer"},
		{b64(`{"orderFields":[],"orderFieldValues":[],"isPrevious":false,"query":"kind"}`), `Malformed cursor: Invalid filter predicate: top-level primitive values are not supported. Wrap the value in a field expression, e.g. { "kind": "kind" }`},
		{b64(`{"orderFields":[],"orderFieldValues":[],"isPrevious":false} x`), "Malformed cursor: unexpected data after the JSON value"},
	} {
		_, err := decodeQueryCursor(tt.cursor)
		checkInputError(t, err, tt.want)
	}
}

func TestCursorKeyset(t *testing.T) {
	k, err := cursorKeyset([]*string{strp("name"), strp("12")}, true)
	if err != nil || k != (keyset{value: "name", id: 12}) {
		t.Errorf("cursorKeyset = %+v, %v", k, err)
	}
	for _, bad := range [][]*string{{strp("12")}, {nil, strp("1")}, {strp("a"), strp("uid-not-int")}} {
		if _, err := cursorKeyset(bad, true); err == nil {
			t.Errorf("cursorKeyset(%v) succeeded", bad)
		}
	}
}

func TestAfterCursor(t *testing.T) {
	limit, offset := 5, 0
	l, o, err := decodeAfterCursor(encodeAfterCursor(10, 30), &limit, &offset)
	if err != nil || *l != 10 || *o != 30 {
		t.Fatalf("decodeAfterCursor = %v, %v, %v", l, o, err)
	}
	for _, tt := range []struct{ cursor, want string }{
		{"***", "Malformed after cursor, could not be parsed"},
		{b64("{"), "Malformed after cursor, could not be parsed"},
		{b64(`{"limit":"5"}`), "Malformed after cursor, limit was not an number"},
		{b64(`{"limit":null}`), "Malformed after cursor, limit was not an number"},
		{b64(`{"offset":1.5}`), "Malformed after cursor, offset was not a number"},
	} {
		_, _, err := decodeAfterCursor(tt.cursor, nil, nil)
		checkInputError(t, err, tt.want)
	}
}

func TestHistoryCursor(t *testing.T) {
	id, err := decodeHistoryCursor(encodeHistoryCursor(99))
	if err != nil || id != 99 {
		t.Fatalf("decodeHistoryCursor = %d, %v", id, err)
	}
	_, err = decodeHistoryCursor(b64(`{"beforeId":0}`))
	checkInputError(t, err, "Malformed cursor: beforeId must be a positive integer")
	checkInputError(t, CheckCursorParam(""), "Cursor cannot be empty")
	if err := CheckCursorParam("x"); err != nil {
		t.Error(err)
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(b64(`{"orderFields":[{"field":"metadata.name","order":"asc"}],"orderFieldValues":["a","1"],"isPrevious":false,"query":{"kind":"x"},"totalItems":3}`))
	f.Add(b64(`{"orderFields":[],"orderFieldValues":["1"],"isPrevious":true,"filter":{"anyOf":[{"allOf":[{"key":"a"}]}]}}`))
	f.Add("not base64")
	f.Add(b64(`{"orderFields":null,"orderFieldValues":[null],"isPrevious":1}`))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeQueryCursor(s)
		if err != nil {
			p, ok := problem.As(err)
			if !ok || p.Name != problem.InputError || !strings.HasPrefix(p.Message, "Malformed cursor: ") {
				t.Fatalf("error = %v, want a Malformed cursor InputError", err)
			}
			return
		}
		// What decodes re-encodes and decodes to the same cursor.
		again, err := encodeQueryCursor(*c)
		if err != nil {
			t.Fatalf("encode decoded cursor: %v", err)
		}
		c2, err := decodeQueryCursor(again)
		if err != nil {
			if c.Query != nil && hasOperatorKey(*c.Query) {
				return
			}
			t.Fatalf("decode re-encoded cursor: %v", err)
		}
		if c.Query != nil && hasOperatorKey(*c.Query) {
			return
		}
		opts := []cmp.Option{cmpopts.EquateEmpty(), cmp.Transformer("norm", normalize)}
		if diff := cmp.Diff(c, c2, opts...); diff != "" {
			t.Fatalf("re-encoding changed the cursor:\n%s", diff)
		}
	})
}
