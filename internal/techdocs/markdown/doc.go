// Package markdown renders TechDocs pages: Markdown as MkDocs with
// mkdocs-techdocs-core renders it, to sanitised HTML.
//
// It is goldmark with CommonMark, GFM tables, strikethrough, autolinks
// (magiclink) and task lists, footnotes, definition lists, emoji
// shortcodes and YAML front matter, plus extensions of this package for
// what Python-Markdown and PyMdown Extensions add:
//
//   - admonitions: "!!! note "Title"" with a body indented by four spaces
//     (an empty title "" drops the title), and collapsible ones
//     (pymdownx.details) with "???" (closed) and "???+" (open);
//     GitHub's "> [!NOTE]" alerts become admonitions too;
//   - tabbed content (pymdownx.tabbed): consecutive "=== "Tab"" blocks form
//     one set of tabs, "===+" selects a tab and "===!" starts a new set; the
//     tabs are radio buttons and labels, so they work without script;
//   - attribute lists: "{: #id .class key="value" }" at the end of a
//     heading, on the last line of a paragraph, or right after a link,
//     image, emphasis or code span;
//   - abbreviations: "*[HTML]: Hyper Text Markup Language" wraps every
//     whole-word "HTML" of the page in <abbr>;
//   - fenced code highlighted by chroma with CSS classes, with
//     pymdownx.highlight options in the fence's info string: linenums="1",
//     hl_lines="2 3-4", title="file.py" (also in { .lang ... } form);
//   - mermaid fences become <pre class="mermaid"> for a mermaid script
//     when Options.Mermaid is set, and stay highlighted source otherwise;
//   - dot and graphviz fences are laid out on the server to inline SVG
//     through Options.Dot;
//   - snippets (pymdownx.snippets): "--8<-- "file.md"" lines and
//     "--8<--" blocks include files from the configured base paths, with
//     line ranges ("file.md:3:8") and named sections ("file.md:name");
//   - heading ids slugged as Python-Markdown's toc does (unique with _1,
//     _2 ...), with a "¶" permalink after each heading;
//   - relative links and images resolved through Page.Link, so the
//     builder can point "../x.md#a" at the page's URL.
//
// The HTML goldmark writes (raw HTML included) then passes a bluemonday
// allow-list that keeps exactly the elements, attributes and classes the
// extensions above emit, SVG from dot fences, and safe URLs: Markdown
// cannot inject scripts, event handlers or javascript: links.
package markdown
