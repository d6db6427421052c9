package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// URLReaderProcessor reads "url" locations through a URLReader. It keeps
// the ETag and the parsed entities of the last good read in the processor
// cache: an unchanged file (304) replays them without parsing.
type URLReaderProcessor struct {
	urls        URLReader
	maxFileSize int64
}

var (
	_ plugin.LocationReader         = (*URLReaderProcessor)(nil)
	_ plugin.DeterministicProcessor = (*URLReaderProcessor)(nil)
)

// Name returns Backstage's name for the processor.
func (*URLReaderProcessor) Name() string { return "UrlReaderProcessor" }

// Fingerprint describes the read limit. The processor only reads
// locations, which always count as external input.
func (p *URLReaderProcessor) Fingerprint() string { return fmt.Sprintf("max=%d", p.maxFileSize) }

// urlCacheKey is the cache key of the last read (Backstage's "v1").
const urlCacheKey = "v1"

type urlCacheItem struct {
	ETag  string         `json:"etag"`
	Value []cachedEntity `json:"value"`
}

type cachedEntity struct {
	Data     map[string]any  `json:"data"`
	Location plugin.Location `json:"location"`
	Line     int             `json:"line,omitempty"`
	Column   int             `json:"column,omitempty"`
}

// maxErrorMessage bounds the text of a read error, as Backstage does.
const maxErrorMessage = 5000

// SearchFile is one file a search found: its own URL, by which its
// entities are located, and its content.
type SearchFile struct {
	URL  string
	Body []byte
}

// URLSearcher reads every file a URL with glob characters names, such as
// https://github.com/org/repo/blob/main/services/*/catalog-info.yaml. The
// etag covers the whole search (a forge uses the commit it searched); when
// it is unchanged the searcher reports notModified and no files.
type URLSearcher interface {
	Search(ctx context.Context, url, etag string) (files []SearchFile, newEtag string, notModified bool, err error)
}

// ErrSearchNotSupported is returned by a URLSearcher that cannot search the
// URL it was given, such as a plain HTTP host.
var ErrSearchNotSupported = errors.New("glob patterns in url targets are not supported")

// isSearch reports whether a url target names several files, as Backstage
// decides: "*" or "?" in the URL's path. Azure DevOps keeps the file path
// in the "path" query parameter, which is looked at too.
func isSearch(target string) bool {
	u, err := url.Parse(target)
	if err != nil {
		return false
	}
	if strings.ContainsAny(u.Path, "*?") {
		return true
	}
	return strings.Contains(u.Path, "/_git/") && strings.ContainsAny(u.Query().Get("path"), "*?")
}

// ReadLocation reads a url location; other types are not handled. A target
// with glob characters is a search when the reader is a URLSearcher: each
// file found is parsed with its own URL as its location. A missing file is
// a NotFoundError "Unable to read url, ..." unless the location is
// optional; any other failure is an error on the Location, so the catalog
// keeps what it had.
func (p *URLReaderProcessor) ReadLocation(ctx context.Context, loc plugin.Location, optional bool, emit plugin.Emitter, cache plugin.Cache) (bool, error) {
	if loc.Type != "url" {
		return false, nil
	}
	var cached *urlCacheItem
	cachedRaw, ok := cache.Get(urlCacheKey)
	if ok {
		var item urlCacheItem
		if json.Unmarshal(cachedRaw, &item) == nil && item.ETag != "" {
			cached = &item
		}
	}
	etag := ""
	if cached != nil {
		etag = cached.ETag
	}
	files, newEtag, notModified, err := p.read(ctx, loc.Target, etag)
	if errors.Is(err, ErrSearchNotSupported) {
		emit.Error(problem.Input("Unable to read url %s: glob patterns in url targets are not supported; list each file as its own target", loc.Target), loc)
		return true, nil
	}
	switch {
	case err == nil && notModified && cached != nil:
		for _, c := range cached.Value {
			emit.Entity(plugin.RawEntity{Data: c.Data, Location: c.Location, Line: c.Line, Column: c.Column})
		}
		emit.RefreshKey(loc.String())
		cache.Set(urlCacheKey, cachedRaw)
		return true, nil
	case err == nil && notModified:
		err = errors.New("the server reported no change but nothing was cached")
	}
	if err != nil {
		msg := truncate("Unable to read url, " + describe(err))
		if problem.Is(err, problem.NotFoundError) {
			if !optional {
				emit.Error(problem.NotFound("%s", msg), loc)
			}
		} else {
			emit.Error(errors.New(msg), loc)
		}
		return true, nil
	}
	var ents []plugin.RawEntity
	clean := true
	for _, f := range files {
		fe, errs := emitParsed(f.Body, plugin.Location{Type: "url", Target: f.URL}, p.maxFileSize, emit)
		ents = append(ents, fe...)
		clean = clean && len(errs) == 0
	}
	emit.RefreshKey(loc.String())
	if newEtag != "" && clean {
		item := urlCacheItem{ETag: newEtag, Value: make([]cachedEntity, len(ents))}
		for i, e := range ents {
			item.Value[i] = cachedEntity{Data: e.Data, Location: e.Location, Line: e.Line, Column: e.Column}
		}
		if raw, err := json.Marshal(item); err == nil {
			cache.Set(urlCacheKey, raw)
		}
	}
	return true, nil
}

// read reads one file, or searches when the target has glob characters.
func (p *URLReaderProcessor) read(ctx context.Context, target, etag string) ([]SearchFile, string, bool, error) {
	if isSearch(target) {
		s, ok := p.urls.(URLSearcher)
		if !ok {
			return nil, "", false, ErrSearchNotSupported
		}
		return s.Search(ctx, target, etag)
	}
	body, newEtag, notModified, err := p.urls.Read(ctx, target, etag)
	if err != nil || notModified {
		return nil, newEtag, notModified, err
	}
	return []SearchFile{{URL: target, Body: body}}, newEtag, false, nil
}

// describe prints an error as JavaScript's String(error) would:
// "<name>: <message>".
func describe(err error) string {
	if p, ok := err.(*problem.Error); ok {
		return p.Name + ": " + p.Message
	}
	return "Error: " + err.Error()
}

// message is an error's message without its class name.
func message(err error) string {
	if p, ok := err.(*problem.Error); ok {
		return p.Message
	}
	return err.Error()
}

func truncate(s string) string {
	if len(s) <= maxErrorMessage {
		return s
	}
	return s[:maxErrorMessage]
}
