package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/problem"
	"github.com/callboard/callboard/plugin"
)

// URLReaderProcessor reads "url" locations through a URLReader. It keeps
// the ETag and the parsed entities of the last good read in the processor
// cache: an unchanged file (304) replays them without parsing. Beside them
// it keeps the ref and hash of each child emitted, by which an unchanged
// read replays its children through catalog.Replayer without decoding or
// encoding them either (ADR 0009).
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

// urlReplayKey is the cache key of the replay records of the last read.
const urlReplayKey = "replay"

// urlReplay is what a read emitted, by file, recorded for the ETag it
// was read at and the scope of the Replayer.
type urlReplay struct {
	Scope string          `json:"scope"`
	ETag  string          `json:"etag"`
	Files []urlReplayFile `json:"files"`
}

type urlReplayFile struct {
	URL      string `json:"url"`
	Children string `json:"children"` // as recordChildren writes them
}

// urlRecorder records the children a read emits, file by file.
type urlRecorder struct {
	rp   catalog.Replayer
	out  urlReplay
	ok   bool
	url  string
	mark catalog.ReplayMark
}

func newURLRecorder(rp catalog.Replayer, scope, etag string) *urlRecorder {
	return &urlRecorder{rp: rp, out: urlReplay{Scope: scope, ETag: etag}, ok: rp != nil && etag != ""}
}

// file starts the file at url, ending the one before.
func (r *urlRecorder) file(url string) {
	if r.ok && r.url != url {
		r.end()
		r.url, r.mark = url, r.rp.Mark()
	}
}

func (r *urlRecorder) end() {
	if !r.ok || r.url == "" {
		return
	}
	children, ok := r.rp.Emitted(r.mark)
	rec, ok2 := recordChildren(children)
	if !ok || !ok2 {
		r.ok = false
		return
	}
	r.out.Files = append(r.out.Files, urlReplayFile{URL: r.url, Children: rec})
	r.url = ""
}

// save stores the records when every file could be recorded.
func (r *urlRecorder) save(cache plugin.Cache) {
	r.end()
	if !r.ok {
		return
	}
	if raw, err := json.Marshal(r.out); err == nil {
		cache.Set(urlReplayKey, raw)
	}
}

// replay emits the children recorded for etag; false when the records do
// not fit, and the caller emits from the cached entities instead.
func (p *URLReaderProcessor) replay(rp catalog.Replayer, rec *urlReplay, loc plugin.Location) bool {
	files := make([][]catalog.ReplayedChild, len(rec.Files))
	for i, f := range rec.Files {
		children, ok := replayChildren(f.Children)
		if !ok || f.URL == "" {
			return false
		}
		files[i] = children
	}
	for i, f := range rec.Files {
		rp.Replay(plugin.Location{Type: loc.Type, Target: f.URL}, files[i])
	}
	return true
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
	rp, scope := replayer(emit, cache, p.Fingerprint())
	replayRaw, hasReplay := cache.Get(urlReplayKey)
	var rec *urlReplay
	if rp != nil && hasReplay {
		var r urlReplay
		if json.Unmarshal(replayRaw, &r) == nil && r.Scope == scope && r.ETag != "" {
			rec = &r
		}
	}
	var cached *urlCacheItem
	cachedRaw, ok := cache.Get(urlCacheKey)
	if ok && rec == nil {
		var item urlCacheItem
		if json.Unmarshal(cachedRaw, &item) == nil && item.ETag != "" {
			cached = &item
		}
	}
	etag := ""
	switch {
	case ok && rec != nil:
		etag = rec.ETag // the records are made with the cached entities
	case cached != nil:
		etag = cached.ETag
	}
	files, newEtag, notModified, err := p.read(ctx, loc.Target, etag)
	if errors.Is(err, ErrSearchNotSupported) {
		emit.Error(problem.Input("Unable to read url %s: glob patterns in url targets are not supported; list each file as its own target", loc.Target), loc)
		return true, nil
	}
	if err == nil && notModified && rec != nil {
		if p.replay(rp, rec, loc) {
			emit.RefreshKey(loc.String())
			cache.Set(urlCacheKey, cachedRaw)
			cache.Set(urlReplayKey, replayRaw)
			return true, nil
		}
		var item urlCacheItem
		if json.Unmarshal(cachedRaw, &item) == nil && item.ETag == etag {
			cached = &item
		}
	}
	switch {
	case err == nil && notModified && cached != nil:
		recorder := newURLRecorder(rp, scope, cached.ETag)
		for _, c := range cached.Value {
			recorder.file(c.Location.Target)
			emit.Entity(plugin.RawEntity{Data: c.Data, Location: c.Location, Line: c.Line, Column: c.Column})
		}
		emit.RefreshKey(loc.String())
		cache.Set(urlCacheKey, cachedRaw)
		switch {
		case rp != nil:
			recorder.save(cache)
		case hasReplay:
			// Not replaying now (the engine reads everything before it
			// stores a change): the records still fit the unchanged read.
			cache.Set(urlReplayKey, replayRaw)
		}
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
	recorder := newURLRecorder(rp, scope, newEtag)
	for _, f := range files {
		recorder.file(f.URL)
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
			recorder.save(cache)
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
