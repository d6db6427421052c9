package apidoc

import (
	"strings"
	"testing"
)

func TestSafeURL(t *testing.T) {
	for u, want := range map[string]bool{
		"https://example.com/a":      true,
		"HTTP://example.com":         true,
		"mailto:someone@example.com": true,
		"/catalog/default/api/x":     true,
		"../guide.md#top":            true,
		"#section":                   true,
		"//example.com/x":            true,
		"":                           true,
		"javascript:alert(1)":        false,
		"JaVaScRiPt:alert(1)":        false,
		" javascript:alert(1)":       false,
		"\x01javascript:alert(1)":    false,
		"java\tscript:alert(1)":      false,
		"java\nscript:alert(1)":      false,
		"vbscript:msgbox":            false,
		"data:text/html,<script>":    false,
		"file:///etc/passwd":         false,
		"ftp://example.com":          false,
	} {
		if got := SafeURL(u); got != want {
			t.Errorf("SafeURL(%q) = %v, want %v", u, got, want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []string // substrings of the output
		not       []string
	}{
		{
			name: "emphasis and links",
			src:  "Some **bold** and [a guide](https://example.com/guide).",
			want: []string{"<strong>bold</strong>", `<a href="https://example.com/guide">a guide</a>`},
		},
		{
			name: "unsafe link keeps its text",
			src:  "[click](javascript:alert(1)) and [entity](javascript&#58;alert(1))",
			want: []string{"click", "entity"},
			not:  []string{"<a", "javascript"},
		},
		{
			name: "unsafe autolink",
			src:  "<javascript:alert(1)> and <https://example.com>",
			want: []string{`<a href="https://example.com">https://example.com</a>`},
			not:  []string{`href="javascript`},
		},
		{
			name: "unsafe image",
			src:  "![x](javascript:alert(1)) ![y](data:image/svg+xml;base64,PHN2Zz4=)",
			not:  []string{"<img"},
		},
		{
			name: "raw HTML is left out",
			src:  "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)> <a href=\"javascript:x\">x</a>",
			not:  []string{"<script", "<img", "onerror", "javascript"},
		},
		{
			name: "headings move down",
			src:  "# Title\n\n## Sub\n\n##### Deep",
			want: []string{"<h3>Title</h3>", "<h4>Sub</h4>", "<h6>Deep</h6>"},
		},
		{
			name: "tables and bare links",
			src:  "| a | b |\n|---|---|\n| 1 | 2 |\n\nsee https://example.com",
			want: []string{"<table>", `<a href="https://example.com">`},
		},
		{
			name: "empty",
			src:  "   ",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := string(Markdown(c.src))
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in:\n%s", w, got)
				}
			}
			for _, n := range c.not {
				if strings.Contains(strings.ToLower(got), strings.ToLower(n)) {
					t.Errorf("unexpected %q in:\n%s", n, got)
				}
			}
			if c.src == "   " && got != "" {
				t.Errorf("empty description gave %q", got)
			}
		})
	}
}

func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{
		"[x](javascript:alert(1))", "<javascript:x>", "![i](data:text/html,x)", "# h\n\n<b>x</b>",
		"[a](java\tscript:1)", "[a](<javascript:1>)", "[a][r]\n\n[r]: javascript:1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out := strings.ToLower(string(Markdown(src)))
		for _, bad := range []string{"<script", "javascript:", "vbscript:", " onerror=", " onclick="} {
			if strings.Contains(out, bad) {
				// Text is escaped, so these can only appear inside an
				// attribute or tag the renderer wrote.
				if bad == "javascript:" && !strings.Contains(out, `href="javascript`) && !strings.Contains(out, `src="javascript`) {
					continue
				}
				t.Fatalf("%q rendered %q", src, out)
			}
		}
	})
}
