package httpapi

import (
	"net/http"
	"net/url"
	"strings"
)

// nextLink builds the Link header of a paged GET /entities: the request URL
// with offset removed and after set to the next cursor. Parameter order is
// kept and the query is re-encoded as browsers' URLSearchParams does, so
// the header matches Backstage's byte for byte.
func (s *server) nextLink(r *http.Request, after string) string {
	params := parseQueryPairs(r.URL.RawQuery)
	params = setQueryPair(removeQueryPairs(params, "offset"), "after", after)
	target := strings.TrimPrefix(r.URL.EscapedPath(), catalogMount) + "?" + encodeQueryPairs(params)
	if s.baseURL != "" {
		target = s.baseURL + catalogMount + target
	}
	return "<" + target + `>; rel="next"`
}

// queryPair is one name=value of a query string.
type queryPair struct{ name, value string }

// parseQueryPairs splits a raw query string into its pairs, in order.
// Undecodable escapes are kept as written rather than dropping the pair.
func parseQueryPairs(raw string) []queryPair {
	var out []queryPair
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		out = append(out, queryPair{name: unescapeLenient(name), value: unescapeLenient(value)})
	}
	return out
}

func unescapeLenient(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// removeQueryPairs drops every pair called name.
func removeQueryPairs(pairs []queryPair, name string) []queryPair {
	out := pairs[:0:0]
	for _, p := range pairs {
		if p.name != name {
			out = append(out, p)
		}
	}
	return out
}

// setQueryPair gives name the single value v, in the place of its first
// occurrence or at the end, as URLSearchParams.set does.
func setQueryPair(pairs []queryPair, name, v string) []queryPair {
	out := pairs[:0:0]
	set := false
	for _, p := range pairs {
		if p.name != name {
			out = append(out, p)
			continue
		}
		if !set {
			out = append(out, queryPair{name: name, value: v})
			set = true
		}
	}
	if !set {
		out = append(out, queryPair{name: name, value: v})
	}
	return out
}

// encodeQueryPairs serialises pairs as application/x-www-form-urlencoded:
// ASCII letters, digits and *-._ stay, a space becomes +, every other byte
// is percent-encoded.
func encodeQueryPairs(pairs []queryPair) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		formEncode(&b, p.name)
		b.WriteByte('=')
		formEncode(&b, p.value)
	}
	return b.String()
}

func formEncode(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '*', c == '-', c == '.', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}
