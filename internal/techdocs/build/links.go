package build

import (
	"net/url"
	"path"
	"strings"
)

// linker resolves the relative links of page from: to another page (by
// its source, "../x.md#a"), to a folder with an index page, or to an
// asset; the result is relative to from's URL.
func (b *builder) linker(from *page) func(dest string) (string, bool) {
	return func(dest string) (string, bool) {
		target, suffix := dest, ""
		if i := strings.IndexAny(dest, "?#"); i >= 0 {
			target, suffix = dest[:i], dest[i:]
		}
		if target == "" {
			return dest, true
		}
		unescaped, err := url.PathUnescape(target)
		if err != nil {
			return dest, false
		}
		joined := path.Join(path.Dir(from.src), unescaped)
		if joined == ".." || strings.HasPrefix(joined, "../") {
			return dest, false
		}
		if joined == "." {
			joined = ""
		}
		if p := b.bySrc[joined]; p != nil {
			return escapePath(relURL(from.url, p.url)) + suffix, true
		}
		if b.isFile[joined] {
			return escapePath(relURL(from.url, joined)) + suffix, true
		}
		// A folder: its index page.
		dir := joined
		if dir != "" {
			dir += "/"
		}
		if p := b.folders[dir]; p != nil {
			return escapePath(relURL(from.url, p.url)) + suffix, true
		}
		return dest, false
	}
}

// relURL returns the URL of to (relative to the site root) relative to
// the page at from.
func relURL(from, to string) string {
	fromDir := from[:strings.LastIndex(from, "/")+1]
	fromParts := strings.Split(strings.TrimSuffix(fromDir, "/"), "/")
	if fromDir == "" {
		fromParts = nil
	}
	toDir, toFile := "", to
	if i := strings.LastIndex(to, "/"); i >= 0 {
		toDir, toFile = to[:i], to[i+1:]
	}
	var toParts []string
	if toDir != "" {
		toParts = strings.Split(toDir, "/")
	}
	common := 0
	for common < len(fromParts) && common < len(toParts) && fromParts[common] == toParts[common] {
		common++
	}
	var b strings.Builder
	for range fromParts[common:] {
		b.WriteString("../")
	}
	for _, p := range toParts[common:] {
		b.WriteString(p)
		b.WriteByte('/')
	}
	b.WriteString(toFile)
	if b.Len() == 0 {
		return "./"
	}
	return b.String()
}

// base returns the relative path from a page's URL to the site root.
func base(pageURL string) string {
	n := strings.Count(pageURL, "/")
	if n == 0 {
		return ""
	}
	return strings.Repeat("../", n)
}

// escapePath percent-encodes each segment of a relative URL path.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if s != "." && s != ".." {
			parts[i] = url.PathEscape(s)
		}
	}
	out := strings.Join(parts, "/")
	if first, _, _ := strings.Cut(out, "/"); strings.Contains(first, ":") {
		out = "./" + out // not a scheme
	}
	return out
}
