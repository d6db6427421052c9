package opensearch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/search"
)

// DefaultIndexPrefix names Callboard's indexes when Options sets none.
const DefaultIndexPrefix = "callboard-search"

// Options configure an Engine. URL is required.
type Options struct {
	URL                string
	Username, Password string
	// IndexPrefix starts the names of every index; DefaultIndexPrefix
	// when empty.
	IndexPrefix string
	// Timeout bounds one request; 30 s when 0.
	Timeout time.Duration
	Logger  *slog.Logger
	Now     func() time.Time
}

// Engine is the OpenSearch engine.
type Engine struct {
	c      *client
	prefix string
	log    *slog.Logger
	now    func() time.Time
}

var _ search.Engine = (*Engine)(nil)

// New checks o and returns an engine; it sends nothing until used.
func New(o Options) (*Engine, error) {
	c, err := newClient(o.URL, o.Username, o.Password, o.Timeout)
	if err != nil {
		return nil, err
	}
	e := &Engine{c: c, prefix: o.IndexPrefix, log: o.Logger, now: o.Now}
	if e.prefix == "" {
		e.prefix = DefaultIndexPrefix
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	return e, nil
}

// alias is the name queries use for typ's live index.
func (e *Engine) alias(typ string) string { return e.prefix + "-" + typ }

// stateIndex holds the indexer's state.
func (e *Engine) stateIndex() string { return e.prefix + "--state" }

// indexSettings are the analysis and mapping of a document index: text
// fields split into words, lower-cased and folded like the other
// engines; the document itself kept but not indexed.
func indexSettings() map[string]any {
	text := map[string]any{"type": "text", "analyzer": "callboard_text"}
	keyword := map[string]any{"type": "keyword"}
	return map[string]any{
		"settings": map[string]any{
			"analysis": map[string]any{
				"analyzer": map[string]any{
					"callboard_text": map[string]any{"type": "custom", "tokenizer": "standard", "filter": []string{"lowercase", "asciifolding"}},
				},
			},
		},
		"mappings": map[string]any{
			"dynamic": false,
			"properties": map[string]any{
				"type": keyword, "doc_id": keyword, "grp": keyword, "name_key": keyword, "title_key": keyword,
				"res_ref": keyword, "meta": keyword,
				"title": text, "name": text, "description": text, "tags": text, "body": text,
				"document": map[string]any{"type": "object", "enabled": false},
			},
		},
	}
}

// source is what is stored per document.
type source struct {
	Type        string          `json:"type"`
	DocID       string          `json:"doc_id"`
	Group       string          `json:"grp"`
	NameKey     string          `json:"name_key"`
	TitleKey    string          `json:"title_key"`
	ResRef      string          `json:"res_ref"`
	Meta        []string        `json:"meta"`
	Title       string          `json:"title"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Tags        string          `json:"tags"`
	Body        string          `json:"body"`
	Document    json.RawMessage `json:"document"`
}

func toSource(d *search.Document) (source, error) {
	doc, err := d.JSON()
	if err != nil {
		return source{}, fmt.Errorf("encode search document %s: %w", d.ID, err)
	}
	t := d.IndexText()
	return source{
		Type: d.Type, DocID: d.ID, Group: d.Group, NameKey: search.Key(d.Name), TitleKey: search.Key(d.Title),
		ResRef: d.Auth.ResourceRef, Meta: d.Meta(),
		Title: t.Title, Name: t.Name, Description: t.Description, Tags: t.Tags, Body: t.Body, Document: doc,
	}, nil
}

// Types lists the types whose alias exists.
func (e *Engine) Types(ctx context.Context) ([]string, error) {
	var out map[string]struct {
		Aliases map[string]any `json:"aliases"`
	}
	err := e.c.do(ctx, http.MethodGet, "/_alias/"+e.prefix+"-*", nil, &out)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var types []string
	for _, idx := range out {
		for a := range idx.Aliases {
			if t, ok := strings.CutPrefix(a, e.prefix+"-"); ok && !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
	}
	slices.Sort(types)
	return types, nil
}

// createIndex makes a new index of typ and returns its name.
func (e *Engine) createIndex(ctx context.Context, typ string) (string, error) {
	name := e.alias(typ) + "-" + strconv.FormatInt(e.now().UnixNano(), 36)
	if err := e.c.do(ctx, http.MethodPut, "/"+name, indexSettings(), nil); err != nil {
		return "", err
	}
	return name, nil
}

// liveIndex returns the index typ's alias points at, making one when
// there is none.
func (e *Engine) liveIndex(ctx context.Context, typ string) (string, error) {
	names, err := e.aliased(ctx, typ)
	if err != nil || len(names) > 0 {
		if len(names) > 0 {
			return names[0], nil
		}
		return "", err
	}
	name, err := e.createIndex(ctx, typ)
	if err != nil {
		return "", err
	}
	body := map[string]any{"actions": []any{map[string]any{"add": map[string]any{"index": name, "alias": e.alias(typ)}}}}
	if err := e.c.do(ctx, http.MethodPost, "/_aliases", body, nil); err != nil {
		return "", err
	}
	return name, nil
}

// aliased lists the indexes typ's alias points at.
func (e *Engine) aliased(ctx context.Context, typ string) ([]string, error) {
	var out map[string]any
	err := e.c.do(ctx, http.MethodGet, "/_alias/"+e.alias(typ), nil, &out)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for n := range out {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// bulk indexes docs into index, waiting until they are searchable.
func (e *Engine) bulk(ctx context.Context, index string, docs []search.Document) error {
	if len(docs) == 0 {
		return nil
	}
	var b strings.Builder
	for i := range docs {
		src, err := toSource(&docs[i])
		if err != nil {
			return err
		}
		action, _ := json.Marshal(map[string]any{"index": map[string]any{"_index": index, "_id": docs[i].ID}})
		line, err := json.Marshal(src)
		if err != nil {
			return err
		}
		b.Write(action)
		b.WriteByte('\n')
		b.Write(line)
		b.WriteByte('\n')
	}
	var out struct {
		Errors bool `json:"errors"`
		Items  []map[string]struct {
			Status int             `json:"status"`
			Error  json.RawMessage `json:"error"`
		} `json:"items"`
	}
	if err := e.c.do(ctx, http.MethodPost, "/_bulk?refresh=wait_for", []byte(b.String()), &out); err != nil {
		return err
	}
	if out.Errors {
		for _, it := range out.Items {
			for _, r := range it {
				if r.Status >= 300 {
					return fmt.Errorf("opensearch bulk index: status %d: %s", r.Status, r.Error)
				}
			}
		}
	}
	return nil
}

// Replace indexes docs, then deletes the groups' other documents.
func (e *Engine) Replace(ctx context.Context, typ string, groups []string, docs []search.Document) error {
	index, err := e.liveIndex(ctx, typ)
	if err != nil {
		return err
	}
	if err := e.bulk(ctx, index, docs); err != nil {
		return err
	}
	if len(groups) == 0 {
		return nil
	}
	keep := make([]string, len(docs))
	for i := range docs {
		keep[i] = docs[i].ID
	}
	q := map[string]any{"query": map[string]any{"bool": map[string]any{
		"filter":   []any{map[string]any{"terms": map[string]any{"grp": groups}}},
		"must_not": []any{map[string]any{"ids": map[string]any{"values": keep}}},
	}}}
	return e.c.do(ctx, http.MethodPost, "/"+index+"/_delete_by_query?refresh=true&conflicts=proceed", q, nil)
}

// Rebuild starts a new index of typ.
func (e *Engine) Rebuild(ctx context.Context, typ string) (search.Rebuild, error) {
	name, err := e.createIndex(ctx, typ)
	if err != nil {
		return nil, err
	}
	return &rebuild{e: e, typ: typ, index: name}, nil
}

type rebuild struct {
	e     *Engine
	typ   string
	index string
}

func (r *rebuild) Add(ctx context.Context, docs []search.Document) error {
	return r.e.bulk(ctx, r.index, docs)
}

// Commit points the alias at the new index in one request, then deletes
// the indexes it pointed at.
func (r *rebuild) Commit(ctx context.Context) error {
	old, err := r.e.aliased(ctx, r.typ)
	if err != nil {
		return err
	}
	actions := []any{map[string]any{"add": map[string]any{"index": r.index, "alias": r.e.alias(r.typ)}}}
	for _, o := range old {
		actions = append(actions, map[string]any{"remove": map[string]any{"index": o, "alias": r.e.alias(r.typ)}})
	}
	if err := r.e.c.do(ctx, http.MethodPost, "/_aliases", map[string]any{"actions": actions}, nil); err != nil {
		return fmt.Errorf("swap search index %s: %w", r.typ, err)
	}
	for _, o := range old {
		if err := r.e.c.do(ctx, http.MethodDelete, "/"+o, nil, nil); err != nil {
			r.e.log.Warn("old search index not deleted", "index", o, "error", err)
		}
	}
	return nil
}

func (r *rebuild) Abort(ctx context.Context) error {
	return r.e.c.do(ctx, http.MethodDelete, "/"+r.index, nil, nil)
}

// LoadState reads a state value.
func (e *Engine) LoadState(ctx context.Context, key string) (string, bool, error) {
	var out struct {
		Found  bool `json:"found"`
		Source struct {
			Value string `json:"value"`
		} `json:"_source"`
	}
	err := e.c.do(ctx, http.MethodGet, "/"+e.stateIndex()+"/_doc/"+key, nil, &out)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return out.Source.Value, out.Found, nil
}

// SaveState writes a state value (the state index is made on first use).
func (e *Engine) SaveState(ctx context.Context, key, value string) error {
	return e.c.do(ctx, http.MethodPut, "/"+e.stateIndex()+"/_doc/"+key+"?refresh=true", map[string]string{"value": value}, nil)
}
