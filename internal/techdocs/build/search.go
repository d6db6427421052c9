package build

// searchIndex is MkDocs' search/search_index.json, which Backstage's
// TechDocs search collator reads.
type searchIndex struct {
	Config searchConfig `json:"config"`
	Docs   []searchDoc  `json:"docs"`
}

type searchConfig struct {
	Indexing        string   `json:"indexing"`
	Lang            []string `json:"lang"`
	MinSearchLength int      `json:"min_search_length"`
	PrebuildIndex   bool     `json:"prebuild_index"`
	Separator       string   `json:"separator"`
}

type searchDoc struct {
	Location string `json:"location"`
	Title    string `json:"title"`
	Text     string `json:"text"`
}

// searchIndex builds the index as MkDocs' search plugin does: for each page
// in file order an entry with its whole text, then one per heading with
// the text under it. The search plugin's options in mkdocs.yml are
// honoured.
func (b *builder) searchIndex() ([]byte, error) {
	cfg := searchConfig{Indexing: "full", Lang: []string{"en"}, MinSearchLength: 3, Separator: `[\s\-]+`}
	if p, ok := b.cfg.Plugin("search"); ok {
		switch l := p.Options["lang"].(type) {
		case string:
			cfg.Lang = []string{l}
		case []any:
			cfg.Lang = nil
			for _, x := range l {
				if s, ok := x.(string); ok {
					cfg.Lang = append(cfg.Lang, s)
				}
			}
		}
		if s, ok := p.Options["separator"].(string); ok {
			cfg.Separator = s
		}
		if n, ok := p.Options["min_search_length"].(int); ok {
			cfg.MinSearchLength = n
		}
		if v, ok := p.Options["prebuild_index"].(bool); ok {
			cfg.PrebuildIndex = v
		}
		if s, ok := p.Options["indexing"].(string); ok && (s == "full" || s == "sections" || s == "titles") {
			cfg.Indexing = s
		}
	}
	idx := searchIndex{Config: cfg, Docs: []searchDoc{}}
	for _, p := range b.pages {
		loc := escapePath(p.url)
		text := ""
		if cfg.Indexing == "full" {
			text = p.res.Text
		}
		idx.Docs = append(idx.Docs, searchDoc{Location: loc, Title: p.title, Text: text})
		if cfg.Indexing == "titles" {
			continue
		}
		for _, s := range p.res.Sections {
			doc := searchDoc{Location: loc + "#" + s.ID, Title: s.Title}
			if cfg.Indexing == "full" {
				doc.Text = s.Text
			}
			idx.Docs = append(idx.Docs, doc)
		}
	}
	return marshal(idx)
}
