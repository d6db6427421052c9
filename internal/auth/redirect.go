package auth

import (
	"net/url"
	"strings"
)

// maxReturnLength bounds a return URL.
const maxReturnLength = 2048

// SafeReturn returns raw when it is a safe place to send a browser after
// sign-in or sign-out: a path on this portal, or an absolute URL on
// backend.baseUrl's origin (or an extra allowed origin). Anything else,
// including protocol-relative URLs ("//evil.example"), backslash tricks
// and URLs with control characters browsers would strip, gives "/".
func (s *Service) SafeReturn(raw string) string {
	if raw == "" || len(raw) > maxReturnLength {
		return "/"
	}
	for _, r := range raw {
		if r < 0x21 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" {
		return "/"
	}
	if u.Scheme == "" && u.Host == "" {
		if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") {
			return "/"
		}
		return raw
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "/"
	}
	if !s.cfg.originAllowed(u.Scheme + "://" + u.Host) {
		return "/"
	}
	return raw
}

// originOf returns the scheme://host of an Origin or Referer header value;
// "" when it has none.
func originOf(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
