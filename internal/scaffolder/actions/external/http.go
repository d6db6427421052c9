package external

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/callboard/callboard/internal/audit"
	"github.com/callboard/callboard/plugin"
)

// Headers of a signed request: the audit log's webhooks sign alike.
const (
	headerTimestamp = audit.HeaderTimestamp
	headerSignature = audit.HeaderSignature
)

// errorBodyBytes is how much of a failed response's body an error quotes.
const errorBodyBytes = 200

// httpCaller POSTs the request to a URL, signed with HMAC-SHA256.
type httpCaller struct {
	url *url.URL
	// shown is the URL without query or credentials, for messages.
	shown   string
	secret  []byte
	headers map[string]string
	client  *http.Client
	now     func() time.Time
}

func newHTTPCaller(u *url.URL, secret []byte, headers map[string]string) *httpCaller {
	shown := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return &httpCaller{
		url:     u,
		shown:   shown.String(),
		secret:  secret,
		headers: headers,
		client: &http.Client{
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
			// A redirect would carry the signed body elsewhere; the
			// endpoint must answer itself.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		now: time.Now,
	}
}

// Sign returns the X-Callboard-Signature value of a body sent at
// timestamp (Unix seconds, as sent in X-Callboard-Timestamp):
// "sha256=" and the hex HMAC-SHA256 of "<timestamp>.<body>", as
// audit.Sign signs the audit log's webhooks.
func Sign(secret []byte, timestamp string, body []byte) string {
	return audit.Sign(string(secret), timestamp, body)
}

func (h *httpCaller) call(ctx context.Context, _ *plugin.ActionContext, body []byte, limit int64, _ func(string) string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", h.shown, err)
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range h.headers {
		req.Header.Set(k, v)
	}
	ts := strconv.FormatInt(h.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(headerTimestamp, ts)
	req.Header.Set(headerSignature, Sign(h.secret, ts, body))
	resp, err := h.client.Do(req)
	if err != nil {
		// url.Error repeats the whole URL, query and all; name it once,
		// without them.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("POST %s: %w", h.shown, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		start, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyBytes))
		msg := fmt.Sprintf("POST %s: %s", h.shown, resp.Status)
		if s := strings.TrimSpace(string(start)); s != "" {
			msg += fmt.Sprintf(": %q", s)
		}
		return nil, errors.New(msg)
	}
	return readLimited(resp.Body, limit, "response")
}

// readLimited reads r to its end, failing as soon as it passes limit
// bytes rather than reading on.
func readLimited(r io.Reader, limit int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read the %s: %w", what, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s larger than %d bytes", what, limit)
	}
	return b, nil
}
