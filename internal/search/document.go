package search

import (
	"encoding/json"
	"strings"
	"unicode"
)

// Document types Callboard indexes.
const (
	TypeCatalog  = "software-catalog"
	TypeTechDocs = "techdocs"
	TypeTemplate = "software-template"
)

// Document is one indexed document: what the API returns (Title, Text,
// Location and Extra), what is searched (those plus Name, Tags and
// Keywords, by weight) and who may see it (Auth).
type Document struct {
	Type string
	// ID identifies the document within its type.
	ID string
	// Group is what incremental updates replace documents by: the
	// canonical ref of the entity the document was made from.
	Group string

	Title    string
	Text     string
	Location string
	// Extra are the type's other fields (kind, owner, lifecycle, ...):
	// returned with the document and usable as filters. Values are
	// strings, numbers, booleans or lists of those.
	Extra map[string]any

	// Name is the short identifier (the entity's metadata.name), weighed
	// after the title; a query equal to the name or title ranks first.
	Name string
	Tags []string
	// Keywords is further text searched with the lowest weight.
	Keywords string
	// LongText marks Text as page content: weighed like Keywords rather
	// than as a description, and highlighted as a snippet.
	LongText bool

	Auth Auth
}

// Auth is what a permission filter needs to know about a document: the
// entity it stands for, that entity's kind and owners.
type Auth struct {
	// ResourceRef is the canonical entity ref checked against the
	// caller's catalog.entity.read decision.
	ResourceRef string
	// Kind is the entity's kind, lower-cased.
	Kind string
	// Owners are the canonical refs of the entity's ownedBy targets.
	Owners []string
}

// Fields returns the document as the API returns it: Extra with title,
// text and location.
func (d *Document) Fields() map[string]any {
	m := make(map[string]any, len(d.Extra)+3)
	for k, v := range d.Extra {
		m[k] = v
	}
	m["title"] = d.Title
	m["text"] = d.Text
	m["location"] = d.Location
	return m
}

// JSON returns Fields encoded, the form engines store and return.
func (d *Document) JSON() (json.RawMessage, error) {
	return json.Marshal(d.Fields())
}

// IndexText is a document's searchable text by weight, highest first:
// title, name, description, tags, body.
type IndexText struct {
	Title, Name, Description, Tags, Body string
}

// Text returns what the engines index, by column.
func (d *Document) IndexText() IndexText {
	t := IndexText{
		Title: d.Title,
		Name:  SplitName(d.Name),
		Tags:  strings.Join(d.Tags, " "),
		Body:  d.Keywords,
	}
	if d.LongText {
		t.Body = strings.TrimSpace(d.Text + "\n" + d.Keywords)
	} else {
		t.Description = d.Text
	}
	return t
}

// SplitName returns a name with its separators (-, _, ., /, :) turned
// into spaces, so that "payments-api" is found by "payments" and "api"
// in every engine, whatever its tokenizer does with punctuation.
func SplitName(name string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return ' '
	}, name)
}

// Key is the form names and titles are compared in for exact matches and
// suggestions: their words (Words) joined by single spaces, so that
// "Payments API", "payments-api" and "payments_api" are alike.
func Key(s string) string {
	return strings.Join(Words(s), " ")
}

// FilterValues returns the values of a document field as filters compare
// them, lower-cased: a string, number or boolean is one value, a list its
// scalar items; anything else has none.
func FilterValues(v any) []string {
	switch x := v.(type) {
	case []any:
		var out []string
		for _, it := range x {
			if s, ok := scalarString(it); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = strings.ToLower(s)
		}
		return out
	}
	if s, ok := scalarString(v); ok {
		return []string{s}
	}
	return nil
}

func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return strings.ToLower(x), true
	case bool, float64, float32, int, int64, json.Number:
		b, _ := json.Marshal(x)
		return string(b), true
	}
	return "", false
}

// HighlightsOf is Highlights for a document as engines store it (its
// JSON, with title and text).
func HighlightsOf(q Query, doc []byte) map[string]string {
	var d struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	}
	if json.Unmarshal(doc, &d) != nil {
		return nil
	}
	return Highlights(q, d.Title, d.Text)
}
