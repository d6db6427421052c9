package techdocs

import (
	"context"
	"path"
	"strings"

	"github.com/callboard/callboard/entity"
)

// Sites reads published sites for the portal's pages, remembering parsed
// pages and search indexes by the object's ETag, so a page read twice is
// parsed and sanitised once.
type Sites struct {
	pub     *Publisher
	pages   *lru[string, *Page]
	indexes *lru[string, *SearchIndex]
}

// NewSites reads through pub.
func NewSites(pub *Publisher) *Sites {
	return &Sites{pub: pub, pages: newLRU[string, *Page](512), indexes: newLRU[string, *SearchIndex](64)}
}

// Publisher is the publisher Sites reads from.
func (s *Sites) Publisher() *Publisher { return s.pub }

// PageFile maps a reader path inside a site to the HTML file of its page:
// "" and folders ("guides/") to their index.html, "x.html" to itself.
// ok is false for a path that names another kind of file (an asset).
func PageFile(p string) (file string, ok bool) {
	switch {
	case p == "" || strings.HasSuffix(p, "/"):
		return p + "index.html", true
	case strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".htm"):
		return p, true
	case path.Ext(path.Base(p)) == "":
		return p + "/index.html", true
	}
	return "", false
}

// Page reads and takes apart one page of ref's site; base is the portal
// URL of the site root.
func (s *Sites) Page(ctx context.Context, ref entity.Ref, file, base string) (*Page, error) {
	body, info, err := s.pub.ReadFile(ctx, ref, file)
	if err != nil {
		return nil, err
	}
	key := s.pub.Prefix(ref) + file + "\x00" + info.ETag + "\x00" + base
	if p, ok := s.pages.get(key); ok && info.ETag != "" {
		return p, nil
	}
	p, err := ParsePage(body, file, base)
	if err != nil {
		return nil, err
	}
	s.pages.put(key, p)
	return p, nil
}

// Search queries ref's search index.
func (s *Sites) Search(ctx context.Context, ref entity.Ref, q string, limit int) ([]SearchHit, error) {
	body, info, err := s.pub.ReadFile(ctx, ref, SearchIndexFile)
	if err != nil {
		return nil, err
	}
	key := s.pub.Prefix(ref) + "\x00" + info.ETag
	ix, ok := s.indexes.get(key)
	if !ok || info.ETag == "" {
		if ix, err = ParseSearchIndex(body); err != nil {
			return nil, err
		}
		s.indexes.put(key, ix)
	}
	return ix.Search(q, limit), nil
}
