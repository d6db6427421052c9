// Package opensearch is the search engine for OpenSearch (or
// Elasticsearch), spoken to over its REST API with plain JSON: for
// catalogs that outgrow the database's full-text search. Each document
// type has its own index behind an alias (<prefix>-<type>); a rebuild
// fills a new index and swaps the alias in one request. Ranking is BM25
// with field boosts (title 10, name 5, description 3, tags 2, body 1) and
// a constant boost for exact name or title matches; filters and
// permission conditions are keyword filters on the documents' meta
// tokens; typo tolerance is the engine's fuzzy matching on names and
// titles.
package opensearch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// client sends JSON requests to the cluster.
type client struct {
	base     *url.URL
	username string
	password string
	http     *http.Client
}

// apiError is a response with an error status.
type apiError struct {
	Status int
	Method string
	Path   string
	Body   string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("opensearch %s %s: status %d: %s", e.Method, e.Path, e.Status, e.Body)
}

// do sends body (nil for none; []byte is sent as it is, as NDJSON for
// _bulk) and decodes a JSON answer into out (nil to discard it).
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
		ct = "application/x-ndjson"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("opensearch %s %s: encode: %w", method, path, err)
		}
		rd = bytes.NewReader(raw)
	}
	u := c.base.JoinPath(strings.Split(path, "?")[0])
	if _, q, ok := strings.Cut(path, "?"); ok {
		u.RawQuery = q
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return err
	}
	if rd != nil {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Accept", "application/json")
	if c.username != "" {
		req.SetBasicAuth(c.username, c.password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("opensearch %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("opensearch %s %s: read: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		msg := string(raw)
		if len(msg) > 500 {
			msg = msg[:500] + "…"
		}
		return &apiError{Status: resp.StatusCode, Method: method, Path: path, Body: msg}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("opensearch %s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// newClient checks the URL.
func newClient(rawURL, username, password string, timeout time.Duration) (*client, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url %q is not an http(s) URL", rawURL)
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &client{base: u, username: username, password: password, http: &http.Client{Timeout: timeout}}, nil
}
