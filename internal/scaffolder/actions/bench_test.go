package actions

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callboard/callboard/plugin"
)

// benchSkeleton writes a 200-file skeleton: 20 directories (half with
// templated names) of 10 files, about 1.5 KB each, most with expressions
// and a loop, some plain and two binary.
func benchSkeleton(b *testing.B) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "template")
	body := strings.Repeat("Plain text that needs no rendering, like most of a source file.\n", 12)
	for d := range 20 {
		sub := fmt.Sprintf("pkg%02d", d)
		if d%2 == 0 {
			sub = fmt.Sprintf("${{ values.name }}-%02d", d)
		}
		for f := range 10 {
			var content string
			switch {
			case f == 9 && d%10 == 0:
				content = "\x89PNG\r\n\x1a\n\x00\x00" + body
			case f%3 == 0:
				content = body
			default:
				content = "# ${{ values.name }} (${{ values.owner | upper }})\n" + body +
					"{% for t in values.tags %}- ${{ t }}\n{% endfor %}" +
					"{% if values.enabled %}enabled: ${{ values.count * 2 }}{% endif %}\n" + body
			}
			p := filepath.Join(dir, "skeleton", sub, fmt.Sprintf("file-%d-${{ values.name }}.txt", f))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
}

// BenchmarkFetchTemplate renders a 200-file skeleton into a fresh
// workspace per iteration. Target: at most 100 ms per run on 2 cores.
func BenchmarkFetchTemplate(b *testing.B) {
	base := benchSkeleton(b)
	act := fetchTemplate(testTemplater())
	values := map[string]any{"name": "svc", "owner": "team-a", "tags": []any{"a", "b", "c"}, "enabled": true, "count": 21}
	work := b.TempDir()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		ac := &plugin.ActionContext{
			Input:     map[string]any{"url": "./skeleton", "values": values},
			Workspace: filepath.Join(work, fmt.Sprint(i)),
			Template:  plugin.TemplateInfo{BaseURL: base},
		}
		if err := act.Run(context.Background(), ac); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// Every file was written.
	n := 0
	filepath.WalkDir(filepath.Join(work, "1"), func(_ string, d os.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			n++
		}
		return nil
	})
	if n != 200 {
		b.Fatalf("wrote %d files, want 200", n)
	}
}
