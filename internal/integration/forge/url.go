package forge

import (
	"net/url"
	"strings"

	"github.com/callboard/callboard/internal/problem"
)

// ParseURL parses a URL a user wrote, which must have a host.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, problem.Input("Invalid URL %q", raw)
	}
	return u, nil
}

// Below returns the unescaped segments of u's path below base's path, for
// a forge served under a path; ok is false when u is on another host or
// not below that path. Hosts are compared without regard to case, path
// segments exactly.
func Below(u, base *url.URL) (segs []string, ok bool) {
	if !strings.EqualFold(u.Host, base.Host) {
		return nil, false
	}
	segs = Segments(u)
	prefix := Segments(base)
	if len(prefix) == 1 && prefix[0] == "" {
		prefix = nil
	}
	if len(segs) < len(prefix) || strings.Join(segs[:len(prefix)], "/") != strings.Join(prefix, "/") {
		return nil, false
	}
	return segs[len(prefix):], true
}

// Segments returns the unescaped segments of u's path, without the
// leading empty one.
func Segments(u *url.URL) []string {
	raw := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	out := make([]string, len(raw))
	for i, s := range raw {
		if v, err := url.PathUnescape(s); err == nil {
			out[i] = v
		} else {
			out[i] = s
		}
	}
	return out
}

// EscapePath escapes each segment of a slash-separated path.
func EscapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
