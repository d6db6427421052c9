package entity

import (
	"net/netip"
	"strconv"
	"strings"
)

// isAbsoluteURL reports whether s parses as an absolute URL by the WHATWG URL
// standard, which is what Backstage's `new URL(value)` check accepts. It
// follows the parser's failure cases: a missing or malformed scheme, a
// missing or malformed host of special schemes (http, https, ws, wss, ftp,
// file), bad ports, IPv6 and IPv4 literals. Internationalised host names
// are accepted without IDNA processing, so a few hosts that UTS #46 rejects
// pass here.
func isAbsoluteURL(s string) bool {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= 0x20 })
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	}
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < colon; i++ {
		if c := s[i]; !isAlnum(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	scheme, rest := strings.ToLower(s[:colon]), s[colon+1:]
	switch scheme {
	case "file":
		return validFileRest(rest)
	case "http", "https", "ws", "wss", "ftp":
		rest = strings.TrimLeft(rest, `/\`)
		return validAuthority(rest, true)
	}
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		return validAuthority(after, false)
	}
	return true // an opaque path never fails
}

// validFileRest checks what follows "file:"; only a host can be invalid.
func validFileRest(rest string) bool {
	if len(rest) < 2 || !isSlash(rest[0]) || !isSlash(rest[1]) {
		return true
	}
	host := rest[2:]
	if i := strings.IndexAny(host, `/\?#`); i >= 0 {
		host = host[:i]
	}
	if host == "" || isWindowsDriveLetter(host) {
		return true
	}
	return validHost(host, true)
}

func isSlash(c byte) bool { return c == '/' || c == '\\' }

func isWindowsDriveLetter(s string) bool {
	return len(s) == 2 && isAlpha(s[0]) && (s[1] == ':' || s[1] == '|')
}

// validAuthority checks [userinfo@]host[:port], up to the path.
func validAuthority(rest string, special bool) bool {
	end := `/?#`
	if special {
		end = `/\?#`
	}
	if i := strings.IndexAny(rest, end); i >= 0 {
		rest = rest[:i]
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest = rest[at+1:]
		if rest == "" {
			return false
		}
	}
	host, port, hasPort := splitHostPort(rest)
	if hasPort {
		if host == "" || !validPort(port) {
			return false
		}
	}
	if host == "" {
		return !special
	}
	return validHost(host, special)
}

// splitHostPort splits at the first colon outside an IPv6 literal.
func splitHostPort(s string) (host, port string, ok bool) {
	inBrackets := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			inBrackets = true
		case ']':
			inBrackets = false
		case ':':
			if !inBrackets {
				return s[:i], s[i+1:], true
			}
		}
	}
	return s, "", false
}

// validPort accepts digits up to 65535; an empty port is allowed.
func validPort(port string) bool {
	for i := 0; i < len(port); i++ {
		if !isDigit(port[i]) {
			return false
		}
	}
	port = strings.TrimLeft(port, "0")
	if len(port) > 5 {
		return false
	}
	n, _ := strconv.Atoi(port)
	return n <= 65535
}

// validHost is the host parser: IPv6 literals, domains and IPv4 addresses
// for special schemes, opaque hosts otherwise.
func validHost(host string, special bool) bool {
	if strings.HasPrefix(host, "[") {
		if !strings.HasSuffix(host, "]") {
			return false
		}
		return validIPv6(host[1 : len(host)-1])
	}
	if !special {
		return !strings.ContainsAny(host, "\x00\t\n\r #/:<>?@[\\]^|")
	}
	domain := percentDecode(host)
	if domain == "" {
		return false
	}
	for i := 0; i < len(domain); i++ {
		c := domain[i]
		if c <= 0x20 || c == 0x7f || strings.IndexByte("#%/:<>?@[\\]^|", c) >= 0 {
			return false
		}
	}
	if endsInNumber(domain) {
		return validIPv4(domain)
	}
	return true
}

func validIPv6(s string) bool {
	if strings.Contains(s, "%") {
		return false
	}
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}

func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// endsInNumber reports whether the last label of a domain is a number, in
// which case the whole domain must be an IPv4 address.
func endsInNumber(domain string) bool {
	parts := strings.Split(domain, ".")
	if parts[len(parts)-1] == "" {
		if len(parts) == 1 {
			return false
		}
		parts = parts[:len(parts)-1]
	}
	last := parts[len(parts)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := ipv4Number(last)
	return ok
}

func validIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := ipv4Number(p)
		if !ok {
			return false
		}
		nums[i] = n
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return false
		}
	}
	return nums[len(nums)-1] < 1<<(8*(5-len(nums)))
}

// ipv4Number parses one IPv4 part: decimal, 0x-prefixed hex or 0-prefixed
// octal.
func ipv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		s, base = s[2:], 16
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	if s == "" {
		return 0, true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if base == 16 && !isHex(c) || base == 10 && !isDigit(c) || base == 8 && (c < '0' || c > '7') {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		// Too large to represent is still a number, and too large for IPv4.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 1 << 40, true
		}
		return 0, false
	}
	return n, true
}
