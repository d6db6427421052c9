package build

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// genSite writes a site of n pages in sections of 50, each page a few
// screens of the Markdown most docs are made of: headings, paragraphs with
// links, a list, a table, an admonition and a highlighted code block.
// Only features both this builder and a plain MkDocs install render are
// used, so the same pages can be timed with mkdocs build.
func genSite(tb testing.TB, dir string, n int) {
	tb.Helper()
	const perSection = 50
	var nav strings.Builder
	nav.WriteString("nav:\n  - Home: index.md\n")
	write := func(name, body string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write("docs/index.md", "# Generated site\n\nA site of generated pages.\n")
	for i := 0; i < n-1; i++ {
		sec, num := i/perSection, i%perSection
		if num == 0 {
			fmt.Fprintf(&nav, "  - Section %d:\n", sec)
		}
		name := fmt.Sprintf("section-%02d/page-%03d.md", sec, num)
		fmt.Fprintf(&nav, "      - section-%02d/page-%03d.md\n", sec, num)
		nextNum := num + 1
		if nextNum == perSection || i+1 == n-1 {
			nextNum = 0 // the first page of the section
		}
		next := fmt.Sprintf("page-%03d.md", nextNum)
		write("docs/"+name, genPage(sec, num, next))
	}
	write("mkdocs.yml", "site_name: Generated\nmarkdown_extensions:\n  - admonition\n  - tables\n  - fenced_code\n  - codehilite\n  - toc:\n      permalink: true\n"+nav.String())
}

func genPage(sec, num int, next string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Page %d of section %d\n\n", num, sec)
	for part := 1; part <= 3; part++ {
		fmt.Fprintf(&b, "## Part %d\n\n", part)
		b.WriteString("The ferry leaves the harbour at dawn and returns at dusk; the timetable changes with the seasons, ")
		b.WriteString("and the crew follows the *rest rules* set by the **harbour office**. See the [next page](" + next + ") ")
		b.WriteString("and the [home page](../index.md#generated-site) for more.\n\n")
		b.WriteString("- Check the weather\n- Count the passengers\n- Log the departure\n\n")
	}
	b.WriteString("| Route | Departures | Minutes |\n|:--|:-:|--:|\n| Harbour to Island | 6 | 25 |\n| Island to Point | 4 | 40 |\n\n")
	b.WriteString("!!! note \"Before you sail\"\n    Check the forecast and the tide tables.\n\n")
	b.WriteString("```python\ndef crossing(minutes):\n    \"\"\"Seconds of a crossing.\"\"\"\n    total = 0\n    for m in range(minutes):\n        total += 60\n    return total\n```\n")
	return b.String()
}

// BenchmarkBuild1000 builds a generated 1,000-page site (target: 3 s on 2
// cores).
func BenchmarkBuild1000(b *testing.B) {
	src := filepath.Join(b.TempDir(), "src")
	genSite(b, src, 1000)
	out := filepath.Join(b.TempDir(), "out")
	b.ResetTimer()
	for b.Loop() {
		res, err := Build(context.Background(), src, out, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if res.Pages != 1000 || len(res.Warnings) != 0 {
			b.Fatalf("%d pages, warnings %q", res.Pages, res.Warnings)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkMkDocs1000 runs "mkdocs build" on the same generated pages, for
// comparison; it is skipped when mkdocs is not installed.
func BenchmarkMkDocs1000(b *testing.B) {
	if _, err := exec.LookPath("mkdocs"); err != nil {
		b.Skip("mkdocs is not installed")
	}
	src := filepath.Join(b.TempDir(), "src")
	genSite(b, src, 1000)
	out := filepath.Join(b.TempDir(), "out")
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command("mkdocs", "build", "-q", "-f", filepath.Join(src, "mkdocs.yml"), "-d", out)
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("mkdocs build: %v\n%s", err, msg)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "pages/s")
}
