package builtin

import (
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// AllowRule is one entry of backend.reading.allow.
//
// Host is a host name ("example.com") or a wildcard for its subdomains
// ("*.example.com", which does not match example.com itself), optionally
// followed by a port (":8080") or a port range (":1024-65535"); IPv6
// addresses go in brackets ("[::1]:8080"). As in Backstage, where the rule
// is compared with the URL's host including any non-default port, a rule
// without a port matches only the scheme's default port (80 or 443).
// Names are compared case-insensitively.
//
// Paths, when given, are prefixes: the URL's normalised path must start
// with one of them ("/catalog/" allows "/catalog/a.yaml"; note that, as in
// Backstage, "/catalog" also allows "/catalog-old/x").
type AllowRule struct {
	Host  string
	Paths []string
}

type allowMatcher struct {
	host     string // lower-cased; the suffix ".example.com" for a wildcard
	wildcard bool
	lo, hi   int // port range; 0 means the default port only
	paths    []string
}

func compileAllow(r AllowRule) (allowMatcher, error) {
	h := strings.ToLower(strings.TrimSpace(r.Host))
	var port string
	if strings.HasPrefix(h, "[") {
		end := strings.Index(h, "]")
		if end < 0 {
			return allowMatcher{}, fmt.Errorf("reading.allow host %q: missing ']'", r.Host)
		}
		rest := h[end+1:]
		h = h[1:end]
		if rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return allowMatcher{}, fmt.Errorf("reading.allow host %q: unexpected %q", r.Host, rest)
			}
			port = rest[1:]
		}
	} else if i := strings.LastIndex(h, ":"); i >= 0 {
		if strings.Count(h, ":") > 1 {
			return allowMatcher{}, fmt.Errorf("reading.allow host %q: put IPv6 addresses in brackets", r.Host)
		}
		h, port = h[:i], h[i+1:]
	}
	m := allowMatcher{host: h, paths: r.Paths}
	if strings.HasPrefix(h, "*.") {
		m.wildcard = true
		m.host = h[1:]
	}
	if m.host == "" || m.host == "." || strings.ContainsAny(m.host, "*/?#@ ") {
		return allowMatcher{}, fmt.Errorf("reading.allow host %q: invalid host", r.Host)
	}
	if port != "" {
		lo, hi, ok := strings.Cut(port, "-")
		if !ok {
			hi = lo
		}
		var err1, err2 error
		m.lo, err1 = strconv.Atoi(lo)
		m.hi, err2 = strconv.Atoi(hi)
		if err1 != nil || err2 != nil || m.lo < 1 || m.hi > 65535 || m.lo > m.hi {
			return allowMatcher{}, fmt.Errorf("reading.allow host %q: invalid port %q", r.Host, port)
		}
	}
	for _, p := range r.Paths {
		if !strings.HasPrefix(p, "/") {
			return allowMatcher{}, fmt.Errorf("reading.allow host %q: path %q must start with /", r.Host, p)
		}
	}
	return m, nil
}

func (m allowMatcher) match(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	if m.wildcard {
		if !strings.HasSuffix(host, m.host) || len(host) == len(m.host) {
			return false
		}
	} else if host != m.host {
		return false
	}
	port := defaultPort(u.Scheme)
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return false
		}
		port = n
	}
	if m.lo == 0 {
		if port != defaultPort(u.Scheme) {
			return false
		}
	} else if port < m.lo || port > m.hi {
		return false
	}
	if len(m.paths) == 0 {
		return true
	}
	p := normalizePath(u.Path)
	for _, allowed := range m.paths {
		if strings.HasPrefix(p, allowed) {
			return true
		}
	}
	return false
}

func defaultPort(scheme string) int {
	if scheme == "https" {
		return 443
	}
	return 80
}

// normalizePath resolves "." and ".." like POSIX path normalisation,
// keeping a trailing slash.
func normalizePath(p string) string {
	if p == "" {
		return "/"
	}
	c := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}
