package builtin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/callboard/callboard/internal/problem"
)

// URLReader reads the file at a URL. When etag is not empty and the file
// has not changed, it reports notModified and no body. A missing file is a
// problem.NotFoundError, a URL the reader may not read a
// problem.NotAllowedError. Forge-specific readers implement it too.
type URLReader interface {
	Read(ctx context.Context, url, etag string) (body []byte, newEtag string, notModified bool, err error)
}

// HTTPReader reads http and https URLs of the hosts in backend.reading.allow
// with plain GET requests, sending If-None-Match for a known ETag.
type HTTPReader struct {
	client  *http.Client
	allow   []allowMatcher
	maxSize int64
}

var _ URLReader = (*HTTPReader)(nil)

const defaultHTTPTimeout = 60 * time.Second

// NewHTTPReader returns a reader limited to the allow rules; it refuses
// responses larger than maxSize bytes. Redirects are followed only to
// allowed URLs. A nil client means one with a 60 s timeout.
func NewHTTPReader(allow []AllowRule, client *http.Client, maxSize int64) (*HTTPReader, error) {
	r := &HTTPReader{maxSize: maxSize}
	for _, a := range allow {
		m, err := compileAllow(a)
		if err != nil {
			return nil, err
		}
		r.allow = append(r.allow, m)
	}
	c := http.Client{Timeout: defaultHTTPTimeout}
	if client != nil {
		c = *client
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !r.allowed(req.URL) {
			return notAllowed(req.URL.String())
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	r.client = &c
	if r.maxSize <= 0 {
		r.maxSize = DefaultMaxFileSize
	}
	return r, nil
}

func (r *HTTPReader) allowed(u *url.URL) bool {
	if u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	for _, m := range r.allow {
		if m.match(u) {
			return true
		}
	}
	return false
}

func notAllowed(u string) error {
	return problem.NotAllowed("Reading from '%s' is not allowed. You may need to configure an integration for the target host, or add it to the configured list of allowed hosts at 'backend.reading.allow'", u)
}

// Read fetches rawURL.
func (r *HTTPReader) Read(ctx context.Context, rawURL, etag string) ([]byte, string, bool, error) {
	u, err := url.Parse(rawURL)
	if err != nil || !u.IsAbs() {
		return nil, "", false, problem.Input("Invalid URL %q", rawURL)
	}
	if !r.allowed(u) {
		return nil, "", false, notAllowed(rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", false, fmt.Errorf("could not read %s, %w", rawURL, err)
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		var p *problem.Error
		if errors.As(err, &p) {
			return nil, "", false, p
		}
		return nil, "", false, fmt.Errorf("could not read %s, %w", rawURL, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && etag != "":
		return nil, etag, true, nil
	case resp.StatusCode == http.StatusNotFound:
		return nil, "", false, problem.NotFound("could not read %s, %s", rawURL, resp.Status)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, "", false, fmt.Errorf("could not read %s, %s", rawURL, resp.Status)
	}
	if resp.ContentLength > r.maxSize {
		return nil, "", false, tooLarge(rawURL, r.maxSize)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.maxSize+1))
	if err != nil {
		return nil, "", false, fmt.Errorf("could not read %s, %w", rawURL, err)
	}
	if int64(len(body)) > r.maxSize {
		return nil, "", false, tooLarge(rawURL, r.maxSize)
	}
	return body, resp.Header.Get("ETag"), false, nil
}

func tooLarge(u string, max int64) error {
	return fmt.Errorf("could not read %s, the body is larger than the limit of %d bytes", u, max)
}
