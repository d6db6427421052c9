package nunjucks

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// skeletonValues are the fetch:template values for testdata/skeleton.yaml.
func skeletonValues() map[string]any {
	return map[string]any{"values": map[string]any{
		"name":     "payments-api",
		"owner":    "group:default/payments",
		"repoUrl":  "github.com?owner=acme&repo=payments-api",
		"system":   "billing",
		"template": "go-service",
		"tags":     []any{"Go", "API", "billing"},
		"links":    []any{map[string]any{"url": "https://runbook.example.com", "title": "Runbook"}, map[string]any{"url": "https://dash.example.com"}},
		"stable":   true,
		"jobs": []any{
			map[string]any{"name": "test", "go": "1.26", "run": []any{"go vet ./...", "go test ./..."}},
			map[string]any{"name": "lint", "os": "macos-latest", "timeout": 5, "run": []any{"staticcheck ./..."}},
		},
		"ports":    []any{8080, 9090},
		"env":      map[string]any{"log_level": "info", "region": "eu-west-1"},
		"features": map[string]any{"metrics": true, "tracing": false},
	}}
}

func TestSkeletonGolden(t *testing.T) {
	src, err := os.ReadFile("testdata/skeleton.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := testEnv(Options{}).RenderString("skeleton.yaml", string(src), skeletonValues())
	if err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/skeleton.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("skeleton.yaml (-want +got):\n%s", diff)
	}
}

func BenchmarkRenderSkeleton(b *testing.B) {
	src, err := os.ReadFile("testdata/skeleton.yaml")
	if err != nil {
		b.Fatal(err)
	}
	tmpl, err := testEnv(Options{}).Parse("skeleton.yaml", string(src))
	if err != nil {
		b.Fatal(err)
	}
	ctx := skeletonValues()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Render(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAndRenderSkeleton(b *testing.B) {
	src, err := os.ReadFile("testdata/skeleton.yaml")
	if err != nil {
		b.Fatal(err)
	}
	e := testEnv(Options{})
	ctx := skeletonValues()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.RenderString("skeleton.yaml", string(src), ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderValue(b *testing.B) {
	e := testEnv(Options{})
	ctx := testCtx()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.RenderValue("t", "${{ steps['publish'].output.remoteUrl }}", ctx); err != nil {
			b.Fatal(err)
		}
	}
}
