package scaffolder_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/scaffolder"
	"github.com/callboard/callboard/internal/scaffolder/actions"
	"github.com/callboard/callboard/internal/scaffolder/actions/publish"
	"github.com/callboard/callboard/internal/scaffolder/nunjucks"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
)

// benchTemplate is the benchmark's five steps: a 200-file skeleton
// rendered, a file renamed, the workspace pushed to a bare repository over
// file://, the result registered in the catalog, a log line.
const benchTemplate = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: bench
  annotations:
    backstage.io/managed-by-location: file:%s/template.yaml
spec:
  type: service
  parameters:
    - required: [name, remote]
      properties:
        name: {type: string}
        remote: {type: string}
  steps:
    - id: fetch
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: ${{ parameters.name }}
    - id: rename
      action: fs:rename
      input:
        files:
          - {from: RENAME_ME.md, to: docs/renamed.md}
    - id: publish
      action: publish:git
      input:
        remoteUrl: ${{ parameters.remote }}
    - id: register
      action: catalog:register
      input:
        catalogInfoUrl: https://git.example.com/${{ parameters.name }}/blob/main/catalog-info.yaml
    - id: log
      action: debug:log
      input:
        message: registered ${{ steps.register.output.entityRef }} at ${{ steps.publish.output.commitHash }}
  output:
    entityRef: ${{ steps.register.output.entityRef }}
`

// benchRegistrar stands in for the catalog behind catalog:register: it
// answers with the component the URL names.
type benchRegistrar struct{}

func (benchRegistrar) RegisterLocation(_ context.Context, target string, _ bool) ([]entity.Ref, error) {
	name := strings.Split(strings.TrimPrefix(target, "https://git.example.com/"), "/")[0]
	return []entity.Ref{{Kind: "Component", Namespace: "default", Name: name}}, nil
}

// benchSetup writes the template and its 200-file skeleton and returns an
// engine running with concurrency workers on a fresh SQLite database.
func benchSetup(b *testing.B, concurrency int) (*scaffolder.Engine, *fakeCatalog, string) {
	b.Helper()
	dir := b.TempDir()
	skel := filepath.Join(dir, "skeleton")
	for i := range 199 {
		p := filepath.Join(skel, fmt.Sprintf("pkg%02d", i%20), fmt.Sprintf("file%03d.go", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		src := fmt.Sprintf("// Package %[1]s is part of ${{ values.name }}.\npackage pkg%02[2]d\n\n// Name%[2]d is the service name.\nconst Name%[2]d = \"${{ values.name }}\"\n\n{%% if values.name %%}// generated for ${{ values.name | upper }}{%% endif %%}\n", "x", i)
		if err := os.WriteFile(p, []byte(src+strings.Repeat("// padding line of a typical source file\n", 20)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(skel, "RENAME_ME.md"), []byte("# ${{ values.name }}\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	cat := &fakeCatalog{entities: map[string]json.RawMessage{}}
	var v any
	if err := json.Unmarshal(yamlJSON(b, fmt.Sprintf(benchTemplate, dir)), &v); err != nil {
		b.Fatal(err)
	}
	raw, _ := json.Marshal(v)
	cat.entities["template:default/bench"] = raw

	db := storetest.Open(b, store.SQLite)
	filters := nunjucks.BackstageFilters(nil)
	all := actions.Builtin(actions.Deps{Locations: benchRegistrar{}, Filters: filters})
	all = append(all, publish.Actions(publish.Deps{LocalRepositories: []string{os.TempDir()}})...)
	cfg := scaffolder.Config{ConcurrentTasksLimit: &concurrency}
	cfg.RateLimit.TasksPerMinute = new(0)
	e, err := scaffolder.New(scaffolder.Options{
		Store: store.NewScaffolder(db), Catalog: cat, Actions: all, Filters: filters,
		Config:           cfg,
		WorkingDirectory: b.TempDir(),
		Logger:           slog.New(slog.DiscardHandler),
		PollInterval:     50 * time.Millisecond,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = e.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	return e, cat, dir
}

// runBatch creates n tasks at once, each publishing to its own bare
// repository, waits for all of them and returns each task's duration
// (its first event to its completion event) and the wall time.
func runBatch(b *testing.B, e *scaffolder.Engine, dir string, first, n int) ([]time.Duration, time.Duration) {
	b.Helper()
	ctx := context.Background()
	remotes := make([]string, n)
	for i := range n {
		bare := filepath.Join(dir, "remotes", fmt.Sprintf("svc-%d.git", first+i))
		if _, err := git.PlainInit(bare, true); err != nil {
			b.Fatal(err)
		}
		remotes[i] = "file://" + filepath.ToSlash(bare)
	}
	start := time.Now()
	ids := make([]string, n)
	for i := range n {
		id, err := e.Create(ctx, scaffolder.CreateRequest{
			TemplateRef: "template:default/bench", CreatedBy: "user:default/bench",
			Values: map[string]any{"name": fmt.Sprintf("svc-%d", first+i), "remote": remotes[i]},
		})
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = id
	}
	durations := make([]time.Duration, n)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			var evs []scaffolder.Event
			err := e.Subscribe(ctx, id, 0, func(ev scaffolder.Event) error { evs = append(evs, ev); return nil })
			if err != nil {
				b.Error(err)
				return
			}
			last := evs[len(evs)-1]
			var body scaffolder.EventBody
			_ = json.Unmarshal(last.Body, &body)
			if body.Message != "Run completed with status: completed" {
				b.Errorf("task %s: %s %+v", id, body.Message, body.Error)
			}
			durations[i] = last.CreatedAt.Sub(evs[0].CreatedAt)
		})
	}
	wg.Wait()
	return durations, time.Since(start)
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return s[i]
}

// BenchmarkTasks runs the five-step template 100 times at concurrency 4
// and reports the median and p99 task duration and tasks per minute.
// Target: median at most 300 ms.
//
//	go test ./internal/scaffolder -run '^$' -bench BenchmarkTasks -benchtime 1x
func BenchmarkTasks(b *testing.B) {
	e, _, dir := benchSetup(b, 4)
	runBatch(b, e, dir, 0, 4) // warm up
	b.ResetTimer()
	var all []time.Duration
	var wall time.Duration
	next := 1000
	for b.Loop() {
		ds, w := runBatch(b, e, dir, next, 100)
		next += 100
		all = append(all, ds...)
		wall += w
	}
	b.ReportMetric(float64(percentile(all, 0.5).Milliseconds()), "median-ms")
	b.ReportMetric(float64(percentile(all, 0.99).Milliseconds()), "p99-ms")
	b.ReportMetric(float64(len(all))/wall.Minutes(), "tasks/min")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkTaskHeap runs 1,000 tasks in batches of 100 and reports the
// live heap after the first batch and after the last: it must not grow
// with the number of tasks run.
//
//	go test ./internal/scaffolder -run '^$' -bench BenchmarkTaskHeap -benchtime 1x
func BenchmarkTaskHeap(b *testing.B) {
	e, _, dir := benchSetup(b, 4)
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for b.Loop() {
		runBatch(b, e, dir, 0, 100)
		after100 := heap()
		for i := 1; i < 10; i++ {
			runBatch(b, e, dir, i*100, 100)
		}
		after1000 := heap()
		b.ReportMetric(float64(after100)/(1<<20), "heap-MB-after-100")
		b.ReportMetric(float64(after1000)/(1<<20), "heap-MB-after-1000")
		b.ReportMetric(0, "ns/op")
		if after1000 > after100+after100/2 {
			b.Errorf("heap grew from %d to %d bytes over 900 more tasks", after100, after1000)
		}
	}
}
