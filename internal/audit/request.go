package audit

import (
	"context"
	"net"
	"net/http"
	"strings"
)

// Request is where a request came from, and what it asked.
type Request struct {
	IP        string
	UserAgent string
	Method    string
	Path      string
}

type requestKey struct{}

// requestState travels in a request's context: where it came from and
// whether a handler recorded it itself.
type requestState struct {
	Request
	handled bool
}

// WithRequest returns ctx carrying r, for Record to read.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, &requestState{Request: r})
}

// RequestFrom returns the request information in ctx.
func RequestFrom(ctx context.Context) (Request, bool) {
	s, ok := ctx.Value(requestKey{}).(*requestState)
	if !ok {
		return Request{}, false
	}
	return s.Request, true
}

// Handled tells the Middleware that the handler serving ctx's request
// records its own events, so the middleware records nothing for it.
func Handled(ctx context.Context) {
	if s, ok := ctx.Value(requestKey{}).(*requestState); ok {
		s.handled = true
	}
}

func handled(ctx context.Context) bool {
	s, ok := ctx.Value(requestKey{}).(*requestState)
	return ok && s.handled
}

// clientRequest reads a request's origin. With ipHeader set (a trusted
// reverse proxy's X-Forwarded-For, say) its first address is the client;
// otherwise the connection's remote address is.
func clientRequest(r *http.Request, ipHeader string) Request {
	ip := ""
	if ipHeader != "" {
		if v := r.Header.Get(ipHeader); v != "" {
			first, _, _ := strings.Cut(v, ",")
			ip = strings.TrimSpace(first)
		}
	}
	if ip == "" {
		ip = r.RemoteAddr
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			ip = host
		}
	}
	ua := r.UserAgent()
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	return Request{IP: ip, UserAgent: ua, Method: r.Method, Path: r.URL.Path}
}

// maxUserAgent bounds the stored user agent.
const maxUserAgent = 512
