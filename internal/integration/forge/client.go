// Package forge holds what every forge reader shares: requests made under a
// credential's budget with rate-limit answers honoured, conditional file
// reads and JSON reads with the mapping of answers to catalog errors, the
// first steps of parsing a forge URL, the ways a URL with a slash in its
// branch may be read, and glob searches over a repository's file list.
package forge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/integration/ratelimit"
	"github.com/callboard/callboard/internal/problem"
)

// Client makes forge API requests. It is safe for concurrent use.
type Client struct {
	http    *http.Client
	budgets *ratelimit.Budgets
	maxSize int64
}

// DefaultTimeout bounds one request when NewClient is given no client.
const DefaultTimeout = 60 * time.Second

// NewClient returns a client that sends requests with hc (one with a 60 s
// timeout when nil), takes them from budgets and refuses bodies larger
// than maxSize bytes.
func NewClient(hc *http.Client, budgets *ratelimit.Budgets, maxSize int64) *Client {
	c := http.Client{Timeout: DefaultTimeout}
	if hc != nil {
		c = *hc
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		// net/http drops Authorization on a redirect to another host, but
		// not the other credential headers forges use.
		if !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
			for _, h := range credentialHeaders {
				req.Header.Del(h)
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	hc = &c
	if budgets == nil {
		budgets = ratelimit.NewBudgets(nil)
	}
	return &Client{http: hc, budgets: budgets, maxSize: maxSize}
}

// Budgets returns the budgets requests are taken from.
func (c *Client) Budgets() *ratelimit.Budgets { return c.budgets }

// Clock returns the budgets' clock.
func (c *Client) Clock() ratelimit.Clock { return c.budgets.Clock() }

// Request is one forge API request.
type Request struct {
	Method string // GET when empty
	URL    string
	Header http.Header
	Body   []byte
	// Budget the request is taken from; required.
	Budget *ratelimit.Budget
	// MaxWait bounds the wait for the budget; ratelimit.DefaultMaxWait when 0.
	MaxWait time.Duration
	// FreeNotModified gives the request back to the budget when it is
	// answered 304: GitHub does not count authorised conditional requests.
	FreeNotModified bool
	// Describe is the URL the user wrote, for error messages.
	Describe string
}

// Response is a forge's answer with its body read.
type Response struct {
	StatusCode int
	Status     string
	Header     http.Header
	Body       []byte
}

// credentialHeaders are the request headers that carry a forge credential.
var credentialHeaders = []string{"Authorization", "Private-Token"}

// Retry policy: a rate-limit refusal is retried after the pause it asks
// for (bounded by MaxWait through the budget); a server error is retried
// a couple of times with a short backoff.
const (
	maxRateLimitRetries = 5
	maxServerRetries    = 2
	serverBackoff       = time.Second
	errorBodyLimit      = 64 << 10
)

// Do sends r, waiting for its budget, and retries rate-limit refusals and
// server errors. A budget that stays exhausted longer than MaxWait, or a
// forge that keeps refusing, is a ServiceUnavailableError: transient, so
// the catalog keeps what it read last.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	maxWait := r.MaxWait
	if maxWait <= 0 {
		maxWait = ratelimit.DefaultMaxWait
	}
	for attempt := 0; ; attempt++ {
		ticket, err := r.Budget.Take(ctx, maxWait)
		if err != nil {
			var ex *ratelimit.ExhaustedError
			if errors.As(err, &ex) {
				return nil, problem.New(problem.ServiceUnavailableError, "could not read %s, %s", r.Describe, ex.Error()).WithCause(err)
			}
			return nil, fmt.Errorf("could not read %s, %w", r.Describe, err)
		}
		resp, err := c.send(ctx, r)
		if err != nil {
			return nil, err
		}
		limited := r.Budget.Observe(resp.StatusCode, resp.Header)
		if resp.StatusCode == http.StatusNotModified && r.FreeNotModified {
			r.Budget.Refund(ticket)
		}
		switch {
		case limited && attempt < maxRateLimitRetries:
			continue // Take waits for the pause the answer set
		case limited:
			return nil, problem.New(problem.ServiceUnavailableError, "could not read %s, the server kept refusing with %s: rate limited", r.Describe, resp.Status)
		case retryable(resp.StatusCode) && attempt < maxServerRetries:
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" { // else the budget already pauses
				wait := serverBackoff << attempt
				if wait > maxWait {
					return resp, nil
				}
				if err := c.Clock().Sleep(ctx, wait); err != nil {
					return nil, fmt.Errorf("could not read %s, %w", r.Describe, err)
				}
			}
			continue
		}
		return resp, nil
	}
}

func retryable(status int) bool {
	switch status {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

func (c *Client) send(ctx context.Context, r Request) (*Response, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL, body)
	if err != nil {
		return nil, fmt.Errorf("could not read %s, %w", r.Describe, err)
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("could not read %s, %w", r.Describe, err)
	}
	defer resp.Body.Close()
	limit := c.maxSize
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		limit = errorBodyLimit
	} else if resp.ContentLength > limit {
		return nil, tooLarge(r.Describe, limit)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("could not read %s, %w", r.Describe, err)
	}
	if int64(len(data)) > limit {
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			data = data[:limit]
		} else {
			return nil, tooLarge(r.Describe, limit)
		}
	}
	return &Response{StatusCode: resp.StatusCode, Status: resp.Status, Header: resp.Header, Body: data}, nil
}

func tooLarge(u string, max int64) error {
	return fmt.Errorf("could not read %s, the body is larger than the limit of %d bytes", u, max)
}
