package web

import (
	"regexp"
	"strings"
	"testing"
)

func TestSafeURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://example.com/a?b=c":      true,
		"http://example.com":             true,
		"  https://example.com  ":        true,
		"HTTPS://EXAMPLE.COM":            true,
		"mailto:jane@example.com":        false, // mail not allowed here
		"javascript:alert(1)":            false,
		"JavaScript:alert(1)":            false,
		" javascript:alert(1)":           false,
		"java\tscript:alert(1)":          false,
		"java\nscript:alert(1)":          false,
		"data:text/html,<script>":        false,
		"vbscript:msgbox":                false,
		"/relative/path":                 false,
		"//evil.example/x":               false,
		"https:///nohost":                false,
		"https://exa mple.com":           false,
		"file:///etc/passwd":             false,
		"":                               false,
		"https://example.com/\x00":       false,
		"https://example.com/%0Ajs":      true,
		"ftp://example.com/file":         false,
		"https://user:pw@example.com/ok": true,
	} {
		if _, got := safeURL(raw, false); got != want {
			t.Errorf("safeURL(%q) = %v, want %v", raw, got, want)
		}
	}
	if _, ok := safeURL("mailto:jane@example.com", true); !ok {
		t.Errorf("mailto refused where mail is allowed")
	}
	if _, ok := safeURL("mailto:", true); ok {
		t.Errorf("empty mailto accepted")
	}
}

func TestRenderMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Plain *text*.", "<p>Plain <em>text</em>.</p>\n"},
		{"# Title\n\n## Sub", "<h3>Title</h3>\n<h4>Sub</h4>\n"},
		{"###### Deep", "<h6>Deep</h6>\n"},
		{"[ok](https://a.example/x) [bad](javascript:alert(1)) [rel](/local)", `<p><a href="https://a.example/x">ok</a> bad rel</p>` + "\n"},
		{"<script>alert(1)</script>", "<!-- raw HTML omitted -->\n"},
		{"a <b onclick=x>b</b>", "<p>a <!-- raw HTML omitted -->b<!-- raw HTML omitted --></p>\n"},
		{"![alt text](https://img.example/a.png)", "<p>alt text</p>\n"},
		{"see https://a.example/x and www.b.example", `<p>see <a href="https://a.example/x">https://a.example/x</a> and <a href="http://www.b.example">www.b.example</a></p>` + "\n"},
		{"<javascript:alert(1)>", "<p>javascript:alert(1)</p>\n"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n"},
		{"[x](https://a.example/\"onmouseover=\"alert(1))", `<p><a href="https://a.example/%22onmouseover=%22alert%281%29">x</a></p>` + "\n"},
	}
	for _, tt := range tests {
		got, err := renderMarkdown(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("%q:\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestMarkdownSummary(t *testing.T) {
	for in, want := range map[string]string{
		"":                                  "",
		"Takes **bookings**.\n\nMore here.": "Takes bookings.",
		"# Heading first\n\nThen text":      "Heading first",
		"Line one\nline two":                "Line one line two",
		"See [the wiki](https://x.example) `code`.": "See the wiki code.",
		"<b>raw</b> text":            "raw text",
		strings.Repeat("word ", 100): strings.TrimSpace(strings.Repeat("word ", 48)) + "…",
	} {
		if got := markdownSummary(in); got != want {
			t.Errorf("markdownSummary(%q) = %q, want %q", in, got, want)
		}
	}
}

var (
	hrefRE   = regexp.MustCompile(`(?i)(href|src)\s*=\s*"([^"]*)"`)
	rawTagRE = regexp.MustCompile(`(?i)<(script|iframe|object|embed|style|img|svg|form|input)\b|<[^>]*\son[a-z]+\s*=`)
)

// FuzzRenderMarkdown checks that no description puts a script, an event
// handler, an image or a link that safeURL refuses into a page, and that
// headings never reach h1 or h2.
func FuzzRenderMarkdown(f *testing.F) {
	for _, s := range []string{
		"# x", "[a](javascript:alert(1))", "<script>x</script>", "![i](https://x/y.png)", "<img src=x onerror=alert(1)>",
		"[a](&#106;avascript:alert(1))", "<https://ok.example>", "<JAVASCRIPT:alert(1)>", "[a](java\x00script:x)",
		"| a |\n|---|\n| <b onclick=x> |", "- [ ] task\n- [x] done",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out, err := renderMarkdown(src)
		if err != nil {
			return
		}
		html := string(out)
		if m := rawTagRE.FindString(html); m != "" {
			t.Fatalf("%q rendered %q:\n%s", src, m, html)
		}
		for _, m := range hrefRE.FindAllStringSubmatch(html, -1) {
			if m[1] == "src" {
				t.Fatalf("%q rendered an image:\n%s", src, html)
			}
			href := strings.NewReplacer("&amp;", "&", "&#39;", "'", "&quot;", `"`).Replace(m[2])
			if _, ok := safeURL(href, true); !ok {
				t.Fatalf("%q rendered the link %q:\n%s", src, m[2], html)
			}
		}
		if strings.Contains(html, "<h1") || strings.Contains(html, "<h2") {
			t.Fatalf("%q rendered a top-level heading:\n%s", src, html)
		}
		_ = markdownSummary(src)
	})
}
