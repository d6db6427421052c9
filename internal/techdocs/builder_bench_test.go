//go:build unix

package techdocs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/callboard/callboard/entity"
	"github.com/callboard/callboard/internal/blob"
)

// sharedDocsCatalog makes n entities whose dir:. docs all resolve to one
// folder of YAML files and no docs/ folder, so that every build
// fails: a monorepo where many entities share a folder without docs.
func sharedDocsCatalog(tb testing.TB, n, files int) (*fakeCatalog, string) {
	tb.Helper()
	dir := tb.TempDir()
	for i := range files {
		p := filepath.Join(dir, fmt.Sprintf("catalog-%03d.yaml", i))
		if err := os.WriteFile(p, []byte("kind: Component\n"), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	cat := &fakeCatalog{}
	for i := range n {
		cat.entities = append(cat.entities, &entity.Entity{
			APIVersion: "backstage.io/v1alpha1", Kind: "Component",
			Metadata: entity.Metadata{Name: fmt.Sprintf("svc-%05d", i), Namespace: "default", Etag: "v1", Annotations: map[string]string{
				entity.AnnotationTechDocsRef:       "dir:.",
				entity.AnnotationManagedByLocation: "file:" + filepath.Join(dir, fmt.Sprintf("catalog-%03d.yaml", i%files)),
			}},
		})
	}
	return cat, dir
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPollSharedFailingFolder is a new process's first poll round
// over 2,000 entities sharing one folder of 300 files whose builds fail,
// measured until the builder is idle (the second pass of the catalog
// benchmark, where TechDocs checks dominated).
func BenchmarkPollSharedFailingFolder(b *testing.B) {
	const n, files = 2000, 300
	cat, _ := sharedDocsCatalog(b, n, files)
	d, err := blob.NewDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	pub := NewPublisher(d, PublisherOptions{})
	gen := &fakeGenerator{}
	tmp := b.TempDir()
	var cpu time.Duration
	b.ResetTimer()
	for b.Loop() {
		bl, err := NewBuilder(BuilderOptions{Catalog: cat, Publisher: pub, Generate: gen.generate, TempDir: tmp, PollInterval: time.Hour})
		if err != nil {
			b.Fatal(err)
		}
		c0 := cpuTime()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = bl.Run(ctx); close(done) }()
		for !bl.idle(n) {
			time.Sleep(time.Millisecond)
		}
		cancel()
		<-done
		cpu += cpuTime() - c0
	}
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(gen.runs.Load())/float64(b.N), "builds/op")
}
