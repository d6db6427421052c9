package forge

import (
	"context"
	"net/http"

	"github.com/callboard/callboard/internal/catalog/builtin"
)

// File is a forge's answer to a file read.
type File struct {
	Body []byte
	ETag string
	// NotModified is set, with ETag the one asked about, when the forge
	// answered 304 to a conditional read.
	NotModified bool
}

// ReadFile sends req for a file's content, with If-None-Match when etag is
// not empty. 200 gives the body and its ETag, 304 to a conditional read
// gives NotModified; any other answer is a StatusError naming req.Describe
// (the URL the user wrote) and req.URL.
func (c *Client) ReadFile(ctx context.Context, req Request, etag string) (File, error) {
	if etag != "" {
		h := req.Header.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set("If-None-Match", etag)
		req.Header = h
	}
	resp, err := c.Do(ctx, req)
	if err != nil {
		return File{}, err
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && etag != "":
		return File{ETag: etag, NotModified: true}, nil
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		return File{Body: resp.Body, ETag: resp.Header.Get("ETag")}, nil
	}
	return File{}, StatusError(req.Describe, req.URL, resp)
}

// ReadFiles reads the files a search found, as ReadMatches does: request
// returns the request for one path, with the file's browser URL as
// Describe, which becomes the found file's URL.
func (c *Client) ReadFiles(ctx context.Context, paths []string, request func(ctx context.Context, path string) (Request, error)) ([]builtin.SearchFile, error) {
	return ReadMatches(ctx, paths, func(ctx context.Context, p string) (builtin.SearchFile, error) {
		req, err := request(ctx, p)
		if err != nil {
			return builtin.SearchFile{}, err
		}
		f, err := c.ReadFile(ctx, req, "")
		return builtin.SearchFile{URL: req.Describe, Body: f.Body}, err
	})
}

// ReadJSON sends req and decodes its successful JSON answer into v; any
// other answer is a StatusError (see DecodeJSON).
func (c *Client) ReadJSON(ctx context.Context, req Request, v any) error {
	resp, err := c.Do(ctx, req)
	if err != nil {
		return err
	}
	return DecodeJSON(req.Describe, req.URL, resp, v)
}
