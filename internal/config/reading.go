package config

import (
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// Reading is backend.reading.
type Reading struct {
	// Allow lists the hosts, and optionally paths, that URL locations may
	// be read from.
	Allow []ReadingAllow `config:"allow"`
}

// ReadingAllow is one backend.reading.allow rule.
type ReadingAllow struct {
	// Host is a host name ("example.com") or a wildcard for its subdomains
	// ("*.example.com"), optionally with a port (":8080") or a port range
	// (":1024-65535"). Without a port only URLs without one match.
	Host string `config:"host,required"`
	// Paths, when set, limits reads to URL paths starting with one of them.
	Paths []string `config:"paths"`
}

func (r *ReadingAllow) checkConfig() error {
	if _, err := parseAllowHost(r.Host); err != nil {
		return &memberError{key: "host", msg: err.Error()}
	}
	return nil
}

// Allows reports whether u may be read under this rule, as Backstage's
// URL reader decides: the host matches exactly or, for "*.example.com",
// by suffix; the port is the URL's explicit one or its scheme's default;
// the cleaned path starts with one of Paths.
func (r ReadingAllow) Allows(u *url.URL) bool {
	h, err := parseAllowHost(r.Host)
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if h.suffix != "" {
		if !strings.HasSuffix(host, h.suffix) {
			return false
		}
	} else if host != h.name {
		return false
	}
	if !h.allowsPort(u) {
		return false
	}
	if r.Paths == nil {
		return true
	}
	p := path.Clean("/" + u.Path)
	if strings.HasSuffix(u.Path, "/") && p != "/" {
		p += "/"
	}
	for _, allowed := range r.Paths {
		if strings.HasPrefix(p, allowed) {
			return true
		}
	}
	return false
}

// allowHost is a parsed ReadingAllow.Host.
type allowHost struct {
	name   string // exact host name, lower-cased
	suffix string // ".example.com" for "*.example.com"
	// portMin and portMax bound the allowed ports; both 0 means only URLs
	// with no explicit port.
	portMin, portMax int
}

func parseAllowHost(s string) (allowHost, error) {
	bad := func() (allowHost, error) {
		return allowHost{}, fmt.Errorf(`expected a host such as "example.com", "*.example.com" or "localhost:1024-65535", got %q`, s)
	}
	if strings.ContainsAny(s, "/@?#[] ") {
		return bad()
	}
	name, port, hasPort := strings.Cut(strings.ToLower(s), ":")
	if name == "" {
		return bad()
	}
	var h allowHost
	if rest, ok := strings.CutPrefix(name, "*."); ok {
		if rest == "" || strings.Contains(rest, "*") {
			return bad()
		}
		h.suffix = name[1:]
	} else if strings.Contains(name, "*") {
		return bad()
	} else {
		h.name = name
	}
	if !hasPort {
		return h, nil
	}
	from, to, isRange := strings.Cut(port, "-")
	if !isRange {
		to = from
	}
	lo, err1 := strconv.Atoi(from)
	hi, err2 := strconv.Atoi(to)
	if err1 != nil || err2 != nil || lo <= 0 || hi > 65535 || lo > hi {
		return allowHost{}, fmt.Errorf("port range is not valid: %s", port)
	}
	h.portMin, h.portMax = lo, hi
	return h, nil
}

func (h allowHost) allowsPort(u *url.URL) bool {
	if h.portMin == 0 {
		return u.Port() == ""
	}
	p := 0
	switch {
	case u.Port() != "":
		p, _ = strconv.Atoi(u.Port())
	case u.Scheme == "http":
		p = 80
	case u.Scheme == "https":
		p = 443
	}
	return p != 0 && h.portMin <= p && p <= h.portMax
}
