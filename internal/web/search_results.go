package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strings"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/search"
)

// Lengths of the text the search page and box show.
const (
	// resultTitleRunes bounds a result's title.
	resultTitleRunes = 160
	// resultTextRunes bounds a result's text: its description, or a
	// snippet of a docs page around the matched words.
	resultTextRunes = 280
)

// searchTypeLabels name the result types Callboard indexes; other types
// (a plugin's) show under their own name.
var searchTypeLabels = map[string]string{
	search.TypeCatalog:  "Software catalog",
	search.TypeTechDocs: "Documentation",
	search.TypeTemplate: "Software templates",
}

// searchTypeLabel names one result type.
func searchTypeLabel(t string) string {
	if l, ok := searchTypeLabels[t]; ok {
		return l
	}
	return t
}

// searchDoc is the part of a result's document the pages show; every
// field is optional.
type searchDoc struct {
	Title, Text, Location                   string
	Kind, Type, Lifecycle, Owner, Namespace string
	Name, EntityTitle                       string
}

// decodeSearchDoc reads the string fields of a document; fields of other
// JSON types are left empty.
func decodeSearchDoc(raw json.RawMessage) (searchDoc, error) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return searchDoc{}, fmt.Errorf("decode search document: %w", err)
	}
	str := func(k string) string {
		s, _ := m[k].(string)
		return s
	}
	return searchDoc{
		Title: str("title"), Text: str("text"), Location: str("location"),
		Kind: str("kind"), Type: str("type"), Lifecycle: str("lifecycle"), Owner: str("owner"), Namespace: str("namespace"),
		Name: str("name"), EntityTitle: str("entityTitle"),
	}, nil
}

// searchRow is one result of the search page.
type searchRow struct {
	Rank      int
	Href      string
	Title     template.HTML
	Text      template.HTML
	TypeLabel string
	// Kind is the entity's kind, Type its spec.type; "" when the document
	// has none.
	Kind, Type, Lifecycle string
	Owner                 refLink
	// Of is the entity a docs page belongs to.
	Of refLink
	// Namespace is shown when it is not the default one.
	Namespace string
}

// searchRowOf lays one result out. Highlights are rendered by
// highlightHTML only: the document's own text is always escaped.
func searchRowOf(res search.Result) (searchRow, error) {
	d, err := decodeSearchDoc(res.Document)
	if err != nil {
		return searchRow{}, err
	}
	row := searchRow{
		Rank:      res.Rank,
		Href:      d.Location,
		TypeLabel: searchTypeLabel(res.Type),
		Kind:      d.Kind,
		Type:      d.Type,
		Lifecycle: d.Lifecycle,
		Owner:     docOwner(d),
	}
	if !strings.EqualFold(d.Namespace, entity.DefaultNamespace) {
		row.Namespace = d.Namespace
	}
	title := d.Title
	if title == "" {
		title = d.Name
	}
	row.Title = plainHTML(title, resultTitleRunes)
	row.Text = plainHTML(d.Text, resultTextRunes)
	if h := res.Highlight; h != nil {
		if s, ok := h.Fields["title"]; ok && s != "" {
			row.Title = highlightHTML(s, h.PreTag, h.PostTag, resultTitleRunes)
		}
		if s, ok := h.Fields["text"]; ok && s != "" {
			row.Text = highlightHTML(s, h.PreTag, h.PostTag, resultTextRunes)
		}
	}
	if res.Type == search.TypeTechDocs {
		// Docs pages name their entity's kind lower-cased; the page says
		// what they document instead.
		row.Kind = ""
		if d.Name != "" && d.Kind != "" {
			label := d.EntityTitle
			if label == "" {
				label = d.Name
			}
			row.Of = refLink{Label: label, Href: refPath(entity.Ref{Kind: d.Kind, Namespace: d.Namespace, Name: d.Name})}
		}
	}
	return row, nil
}

// docOwner links a document's owner, written as in spec.owner: a group
// in the document's namespace unless it says otherwise.
func docOwner(d searchDoc) refLink {
	if d.Owner == "" {
		return refLink{}
	}
	ns := d.Namespace
	if ns == "" {
		ns = entity.DefaultNamespace
	}
	r, err := entity.ParseRef(d.Owner, entity.RefDefaults{Kind: "group", Namespace: ns})
	if err != nil {
		return refLink{Label: d.Owner}
	}
	return refLink{Label: humanRef(r, "group"), Href: refPath(r), Ref: r.String()}
}

// suggestion is one entry of the search box's list.
type suggestion struct {
	Href  string
	Title template.HTML
	// Meta says what the entry is: "Component · service", "Docs of
	// Payments", "Template".
	Meta string
}

// suggestionOf lays one suggestion out; words are the typed words, marked
// in the title when the engine did not highlight it.
func suggestionOf(res search.Result, words []string) (suggestion, error) {
	d, err := decodeSearchDoc(res.Document)
	if err != nil {
		return suggestion{}, err
	}
	title := d.Title
	if title == "" {
		title = d.Name
	}
	title = cutWords(collapseSpace(title), resultTitleRunes)
	s := suggestion{Href: d.Location, Title: markPrefixes(title, words)}
	if h := res.Highlight; h != nil {
		if t, ok := h.Fields["title"]; ok && strings.Contains(t, h.PreTag) {
			s.Title = highlightHTML(t, h.PreTag, h.PostTag, resultTitleRunes)
		}
	}
	switch res.Type {
	case search.TypeCatalog:
		s.Meta = strings.Join(nonEmptyStrings(titleCase(d.Kind), d.Type), " · ")
	case search.TypeTechDocs:
		of := d.EntityTitle
		if of == "" {
			of = d.Name
		}
		s.Meta = "Docs"
		if of != "" {
			s.Meta = "Docs of " + of
		}
	case search.TypeTemplate:
		s.Meta = "Template"
	default:
		s.Meta = res.Type
	}
	return s, nil
}

func nonEmptyStrings(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// searchURL is the search page for a query alone.
func searchURL(query string) string {
	return "/search?" + url.Values{"query": {query}}.Encode()
}
