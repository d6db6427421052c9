package catalog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// queryCursor is the state of a by-query cursor (§a.5), sent to clients as
// base64 of this JSON. It keeps Backstage's field names so that clients
// which look inside (the catalog-client checks for "query") behave.
//
// orderFieldValues is [sortValue, id] with a sort field and [id] without
// one. Callboard's tie-break is the internal integer id of the entity,
// not its uid, so the id here is that integer as a decimal string.
type queryCursor struct {
	OrderFields          []cursorOrder   `json:"orderFields"`
	FullTextFilter       *FullTextFilter `json:"fullTextFilter,omitempty"`
	OrderFieldValues     []*string       `json:"orderFieldValues"`
	Query                *Predicate      `json:"query,omitempty"`
	IsPrevious           bool            `json:"isPrevious"`
	FirstSortFieldValues []*string       `json:"firstSortFieldValues,omitempty"`
	TotalItems           *int            `json:"totalItems,omitempty"`
}

type cursorOrder struct {
	Field string `json:"field"`
	Order string `json:"order"`
}

// rawQueryCursor is what decoding accepts: required members are pointers
// so that their absence is noticed, and "filter" is Backstage's legacy
// filter form, which cursors made by Backstage itself carry.
type rawQueryCursor struct {
	OrderFields          *[]cursorOrder   `json:"orderFields"`
	FullTextFilter       *FullTextFilter  `json:"fullTextFilter"`
	OrderFieldValues     *[]*string       `json:"orderFieldValues"`
	Filter               *json.RawMessage `json:"filter"`
	Query                json.RawMessage  `json:"query"`
	IsPrevious           *bool            `json:"isPrevious"`
	FirstSortFieldValues *[]*string       `json:"firstSortFieldValues"`
	TotalItems           *float64         `json:"totalItems"`
}

func encodeQueryCursor(c queryCursor) (string, error) {
	if c.OrderFields == nil {
		c.OrderFields = []cursorOrder{}
	}
	if c.OrderFieldValues == nil {
		c.OrderFieldValues = []*string{}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode cursor: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// CheckCursorParam rejects an empty cursor given explicitly (POST
// /entities/by-query with "cursor": ""); an absent cursor is not checked.
func CheckCursorParam(cursor string) error {
	if cursor == "" {
		return problem.Input("Cursor cannot be empty")
	}
	return nil
}

// decodeQueryCursor parses a by-query cursor; every failure is an
// InputError "Malformed cursor: ...".
func decodeQueryCursor(s string) (*queryCursor, error) {
	c, err := decodeQueryCursorJSON(s)
	if err != nil {
		msg := err.Error()
		if p, ok := problem.As(err); ok {
			msg = p.Message
		}
		return nil, problem.Input("Malformed cursor: %s", msg).WithCause(err)
	}
	return c, nil
}

func decodeQueryCursorJSON(s string) (*queryCursor, error) {
	data, err := decodeBase64(s)
	if err != nil {
		return nil, err
	}
	var raw rawQueryCursor
	if err := decodeStrict(data, &raw); err != nil {
		return nil, err
	}
	if raw.OrderFields == nil || raw.OrderFieldValues == nil || raw.IsPrevious == nil {
		return nil, errors.New("orderFields, orderFieldValues and isPrevious are required")
	}
	c := &queryCursor{
		OrderFields:          *raw.OrderFields,
		FullTextFilter:       raw.FullTextFilter,
		OrderFieldValues:     *raw.OrderFieldValues,
		IsPrevious:           *raw.IsPrevious,
		FirstSortFieldValues: nil,
	}
	for _, o := range c.OrderFields {
		if o.Order != "asc" && o.Order != "desc" {
			return nil, fmt.Errorf("order of %q must be asc or desc", o.Field)
		}
	}
	if raw.FirstSortFieldValues != nil {
		c.FirstSortFieldValues = *raw.FirstSortFieldValues
		if c.FirstSortFieldValues == nil {
			c.FirstSortFieldValues = []*string{}
		}
	}
	if raw.TotalItems != nil {
		n := *raw.TotalItems
		if n < 0 || n != float64(int(n)) {
			return nil, errors.New("totalItems must be a non-negative integer")
		}
		total := int(n)
		c.TotalItems = &total
	}
	switch {
	case len(bytes.TrimSpace(raw.Query)) > 0 && string(bytes.TrimSpace(raw.Query)) != "null":
		p, err := ParsePredicate(raw.Query)
		if err != nil {
			return nil, err
		}
		c.Query = p
	case raw.Filter != nil:
		p, err := legacyFilterPredicate(*raw.Filter)
		if err != nil {
			return nil, err
		}
		c.Query = p
	}
	return c, nil
}

// legacyFilterPredicate converts Backstage's older filter form
// ({anyOf}, {allOf}, {not}, {key, values?}) into a Predicate.
func legacyFilterPredicate(raw json.RawMessage) (*Predicate, error) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var f struct {
		AnyOf  *[]json.RawMessage `json:"anyOf"`
		AllOf  *[]json.RawMessage `json:"allOf"`
		Not    json.RawMessage    `json:"not"`
		Key    *string            `json:"key"`
		Values *[]string          `json:"values"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	list := func(op PredicateOp, items []json.RawMessage) (*Predicate, error) {
		p := &Predicate{Op: op, Children: make([]Predicate, 0, len(items))}
		for _, item := range items {
			c, err := legacyFilterPredicate(item)
			if err != nil {
				return nil, err
			}
			if c == nil {
				return nil, errors.New("filter: null entry")
			}
			p.Children = append(p.Children, *c)
		}
		return p, nil
	}
	switch {
	case f.AllOf != nil:
		return list(OpAll, *f.AllOf)
	case f.AnyOf != nil:
		return list(OpAny, *f.AnyOf)
	case len(f.Not) > 0:
		c, err := legacyFilterPredicate(f.Not)
		if err != nil {
			return nil, err
		}
		if c == nil {
			return nil, errors.New("filter: null entry")
		}
		return &Predicate{Op: OpNot, Children: []Predicate{*c}}, nil
	case f.Key != nil:
		p := &Predicate{Op: OpField, Key: strings.ToLower(*f.Key)}
		if f.Values == nil || len(*f.Values) == 0 {
			p.Match = FieldMatch{Kind: MatchExists, Exists: true}
			return p, nil
		}
		values := make([]string, len(*f.Values))
		for i, v := range *f.Values {
			values[i] = strings.ToLower(v)
		}
		p.Match = FieldMatch{Kind: MatchEq, Values: values}
		return p, nil
	}
	return nil, errors.New("filter: unknown form")
}

// keyset is a decoded position in a by-query ordering.
type keyset struct {
	value string // sort value; unused without a sort field
	id    int64
}

// cursorKeyset reads orderFieldValues (or firstSortFieldValues): two
// entries with a sort field, one without.
func cursorKeyset(values []*string, sorted bool) (keyset, error) {
	want := 1
	if sorted {
		want = 2
	}
	if len(values) != want {
		return keyset{}, fmt.Errorf("expected %d order field values, got %d", want, len(values))
	}
	for _, v := range values {
		if v == nil {
			return keyset{}, errors.New("order field values must not be null")
		}
	}
	idText := *values[want-1]
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return keyset{}, fmt.Errorf("invalid entity position %q", idText)
	}
	k := keyset{id: id}
	if sorted {
		k.value = *values[0]
	}
	return k, nil
}

func keysetValues(k keyset, sorted bool) []*string {
	id := strconv.FormatInt(k.id, 10)
	if sorted {
		v := k.value
		return []*string{&v, &id}
	}
	return []*string{&id}
}

// afterCursor is the legacy GET /entities "after" cursor.
type afterCursor struct {
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

func encodeAfterCursor(limit, offset int) string {
	b, _ := json.Marshal(afterCursor{Limit: limit, Offset: offset}) // two ints always marshal
	return base64.StdEncoding.EncodeToString(b)
}

// decodeAfterCursor applies an after cursor over limit and offset, with
// Backstage's error texts.
func decodeAfterCursor(s string, limit, offset *int) (*int, *int, error) {
	data, err := decodeBase64(s)
	var fields map[string]json.RawMessage
	if err == nil {
		err = decodeStrict(data, &fields)
	}
	if err != nil || fields == nil {
		return nil, nil, problem.Input("Malformed after cursor, could not be parsed")
	}
	integer := func(raw json.RawMessage) (int, bool) {
		var f float64
		if string(bytes.TrimSpace(raw)) == "null" || json.Unmarshal(raw, &f) != nil || f != float64(int(f)) {
			return 0, false
		}
		return int(f), true
	}
	if raw, ok := fields["limit"]; ok {
		n, ok := integer(raw)
		if !ok {
			return nil, nil, problem.Input("Malformed after cursor, limit was not an number")
		}
		limit = &n
	}
	if raw, ok := fields["offset"]; ok {
		n, ok := integer(raw)
		if !ok {
			return nil, nil, problem.Input("Malformed after cursor, offset was not a number")
		}
		offset = &n
	}
	return limit, offset, nil
}

// decodeBase64 accepts standard and URL-safe base64, padded or not, as
// Node's Buffer.from(s, "base64") does; a "+" that a query string turned
// into a space is put back.
func decodeBase64(s string) ([]byte, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "+")
	if s == "" {
		return nil, errors.New("empty cursor")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// historyCursor continues an entity's history below an entry id.
type historyCursor struct {
	BeforeID int64 `json:"beforeId"`
}

func encodeHistoryCursor(beforeID int64) string {
	b, _ := json.Marshal(historyCursor{BeforeID: beforeID}) // an int always marshals
	return base64.StdEncoding.EncodeToString(b)
}

func decodeHistoryCursor(s string) (int64, error) {
	data, err := decodeBase64(s)
	var c struct {
		BeforeID *int64 `json:"beforeId"`
	}
	if err == nil {
		err = decodeStrict(data, &c)
	}
	if err == nil && (c.BeforeID == nil || *c.BeforeID <= 0) {
		err = errors.New("beforeId must be a positive integer")
	}
	if err != nil {
		return 0, problem.Input("Malformed cursor: %v", err).WithCause(err)
	}
	return *c.BeforeID, nil
}
