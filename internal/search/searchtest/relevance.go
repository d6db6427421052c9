package searchtest

import (
	"context"
	_ "embed"
	"encoding/json"
	"slices"
	"testing"

	"github.com/callboard/callboard/internal/search"
)

//go:embed testdata/relevance.json
var relevanceJSON []byte

// relevanceCorpus is testdata/relevance.json: documents and queries with
// the results expected first, in order.
type relevanceCorpus struct {
	Synonyms  [][]string `json:"synonyms"`
	Documents []struct {
		ID       string   `json:"id"`
		Type     string   `json:"type"`
		Group    string   `json:"group"`
		Title    string   `json:"title"`
		Name     string   `json:"name"`
		Text     string   `json:"text"`
		Tags     []string `json:"tags"`
		LongText bool     `json:"longText"`
	} `json:"documents"`
	Cases []struct {
		Name   string   `json:"name"`
		Term   string   `json:"term"`
		Top    []string `json:"top"`
		Absent []string `json:"absent"`
	} `json:"cases"`
}

// testRelevance indexes the corpus and runs its queries through a
// Service, as the API does (synonyms, typo retry, exact matches first).
func testRelevance(t *testing.T, e search.Engine) {
	var c relevanceCorpus
	if err := json.Unmarshal(relevanceJSON, &c); err != nil {
		t.Fatalf("testdata/relevance.json: %v", err)
	}
	byType := map[string][]Doc{}
	for _, d := range c.Documents {
		typ := d.Type
		switch typ {
		case "", "software-catalog":
			typ = search.TypeCatalog
		case "techdocs":
			typ = search.TypeTechDocs
		}
		byType[typ] = append(byType[typ], Doc{ID: d.ID, Group: d.Group, Title: d.Title, Name: d.Name, Text: d.Text, Tags: d.Tags, LongText: d.LongText})
	}
	for typ, ds := range byType {
		put(t, e, typ, ds...)
	}
	syn, err := search.NewSynonyms(c.Synonyms)
	must(t, err)
	svc, err := search.NewService(search.ServiceOptions{
		Engine:   e,
		Types:    []string{search.TypeCatalog, search.TypeTechDocs, search.TypeTemplate},
		Access:   func(context.Context) (search.Access, error) { return search.AccessAll, nil },
		Synonyms: syn,
	})
	must(t, err)
	for _, tc := range c.Cases {
		resp, err := svc.Query(context.Background(), search.Request{Term: tc.Term})
		if err != nil {
			t.Errorf("%s (%q): %v", tc.Name, tc.Term, err)
			continue
		}
		var got []string
		for _, r := range resp.Results {
			var d struct {
				Location string `json:"location"`
			}
			must(t, json.Unmarshal(r.Document, &d))
			got = append(got, d.Location[len("/x/"):])
		}
		if len(got) < len(tc.Top) || !slices.Equal(got[:len(tc.Top)], tc.Top) {
			t.Errorf("%s (%q): results %v, want them to begin with %v", tc.Name, tc.Term, got, tc.Top)
		}
		for _, a := range tc.Absent {
			if slices.Contains(got, a) {
				t.Errorf("%s (%q): results %v hold %s", tc.Name, tc.Term, got, a)
			}
		}
	}
}
