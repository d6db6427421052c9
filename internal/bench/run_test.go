package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	if os.Getenv(envFakeServe) != "" {
		if err := fakeServe(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runFake runs the driver against the fake server with extra environment.
func runFake(t *testing.T, env ...string) (*Report, string, error) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the driver reads /proc")
	}
	work := t.TempDir()
	profiles := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Options{
		N: 300, Seed: 3, WorkDir: work, Binary: os.Args[0],
		ChildEnv:   append([]string{envFakeServe + "=1"}, env...),
		ProfileDir: profiles,
		Requests:   40, Warmup: 5, Concurrency: 4, ThroughputFor: 200 * time.Millisecond,
	})
	return rep, work, err
}

func figure(t *testing.T, rep *Report, prefix string) Figure {
	t.Helper()
	for _, f := range rep.Figures {
		if strings.HasPrefix(f.Name, prefix) {
			return f
		}
	}
	t.Fatalf("no figure %q in %+v", prefix, rep.Figures)
	return Figure{}
}

func TestRunAgainstFakeServer(t *testing.T) {
	rep, work, err := runFake(t)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	rep.WriteText(&text)
	t.Log(text.String())
	for _, name := range []string{
		"cold start until all 301 queryable", "ingestion rate", "cold start until idle", "database size",
		"by-query kind=component limit=100 p99", "by-name p99", "entity-facets spec.type p99",
		"full text on metadata.name p99", "UI table query p99", "by-refs 20 refs p99",
		"by-query limit=100 at concurrency 4", "peak RSS (cold start and queries)", "restart until ready",
		"second pass over unchanged input", "peak RSS (second pass)", "second pass writes nothing",
	} {
		f := figure(t, rep, name)
		if f.Status == Error || f.Value == "" {
			t.Errorf("%s: %+v", name, f)
		}
	}
	if f := figure(t, rep, "second pass writes nothing"); f.Status != Pass {
		t.Errorf("second pass: %+v", f)
	}
	// The fake serves everything 150 ms after it starts.
	if f := figure(t, rep, "cold start until all"); !strings.HasSuffix(f.Value, " ms") && !strings.HasSuffix(f.Value, " s") {
		t.Errorf("cold start: %+v", f)
	}
	for _, phase := range []string{"cold", "restart", "second-pass"} {
		if _, err := os.Stat(filepath.Join(work, "serve-"+phase+".log")); err != nil {
			t.Errorf("no log for %s: %v", phase, err)
		}
		if !strings.Contains(text.String(), "cpu-"+phase+".prof") {
			t.Errorf("report does not name the %s CPU profile", phase)
		}
	}
	for _, n := range rep.Notes {
		if strings.Contains(n, "Restarting on an unchanged catalog wrote") {
			t.Errorf("unexpected note: %s", n)
		}
	}
}

func TestRunReportsWritesAndWrongAnswers(t *testing.T) {
	rep, _, err := runFake(t, envFakeWrites+"=1", envFakeBadFacets+"=1")
	if err != nil {
		t.Fatal(err)
	}
	if f := figure(t, rep, "second pass writes nothing"); f.Status != Fail || !strings.Contains(f.Note, "catalog_state.generation") {
		t.Errorf("second pass: %+v", f)
	}
	if f := figure(t, rep, "entity-facets spec.type"); f.Status != Error || !strings.Contains(f.Note, "wrong answer") {
		t.Errorf("facets: %+v", f)
	}
	if !rep.Failed() {
		t.Error("Failed() = false")
	}
}

func TestRunStopsWhenEntitiesNeverArrive(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the driver reads /proc")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t0 := time.Now()
	rep, err := Run(ctx, Options{
		N: 100, Seed: 1, WorkDir: t.TempDir(), Binary: os.Args[0],
		ChildEnv:     []string{envFakeServe + "=1", envFakeNeverReady + "=1"},
		PhaseTimeout: time.Second,
	})
	if err == nil || !strings.Contains(err.Error(), "50 of 101 entities queryable") {
		t.Fatalf("err = %v", err)
	}
	if f := figure(t, rep, "cold start until all queryable"); f.Status != Error {
		t.Errorf("cold start: %+v", f)
	}
	if d := time.Since(t0); d > 20*time.Second {
		t.Errorf("gave up after %s", d)
	}
}
