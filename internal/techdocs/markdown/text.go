package markdown

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
)

// searchText extracts the plain text of a rendered page and of each
// section under a heading with an id, as MkDocs' search plugin does:
// heading text is the section's title (without the permalink), the rest
// its text.
func searchText(page []byte) (string, []Section) {
	z := html.NewTokenizer(bytes.NewReader(page))
	var all strings.Builder
	var sections []Section
	var title, body strings.Builder
	cur := -1
	inHeading := ""
	skip := 0 // depth inside permalinks and other skipped elements
	flush := func() {
		if cur >= 0 {
			sections[cur].Title = collapse(title.String())
			sections[cur].Text = collapse(body.String())
		}
		title.Reset()
		body.Reset()
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			flush()
			return collapse(all.String()), sections
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			if skip > 0 {
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			// Permalinks and line numbers are not text.
			if (tag == "a" && hasClass(attrs["class"], "headerlink") || tag == "span" && hasClass(attrs["class"], "lnt")) && tt == html.StartTagToken {
				skip = 1
				continue
			}
			if isHeading(tag) {
				if id := attrs["id"]; id != "" {
					flush()
					sections = append(sections, Section{ID: id})
					cur = len(sections) - 1
				}
				inHeading = tag
			}
			if blockLevel(tag) {
				all.WriteByte(' ')
				if inHeading == "" && cur >= 0 {
					body.WriteByte(' ')
				}
			}
		case html.EndTagToken:
			if skip > 0 {
				skip--
				continue
			}
			name, _ := z.TagName()
			if string(name) == inHeading {
				inHeading = ""
				all.WriteByte(' ')
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := z.Text()
			all.Write(t)
			switch {
			case inHeading != "" && cur >= 0 && sections[cur].ID != "":
				title.Write(t)
			case cur >= 0:
				body.Write(t)
			}
		}
	}
}

func isHeading(tag string) bool {
	return len(tag) == 2 && tag[0] == 'h' && tag[1] >= '1' && tag[1] <= '6'
}

// blockLevel lists the elements whose boundaries separate words.
func blockLevel(tag string) bool {
	switch tag {
	case "p", "div", "li", "td", "th", "tr", "br", "pre", "dt", "dd", "blockquote", "summary", "label", "table",
		"h1", "h2", "h3", "h4", "h5", "h6", "hr", "ul", "ol", "dl", "details", "figcaption":
		return true
	}
	return false
}

// collapse trims a text and makes each run of white space one space.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func hasClass(classes, c string) bool {
	return strings.Contains(" "+classes+" ", " "+c+" ")
}
