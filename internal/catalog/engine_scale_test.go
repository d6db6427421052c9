package catalog_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callboard/callboard/internal/bench"
	"github.com/callboard/callboard/internal/catalog"
	"github.com/callboard/callboard/internal/store"
	"github.com/callboard/callboard/internal/store/storetest"
	"github.com/callboard/callboard/plugin"
)

// TestEngineScale loads a generated organisation of CALLBOARD_ENGINE_SCALE
// entities (e.g. 10000) from YAML files through the real orchestrator,
// reports the cold-start time to everything stitched and the process's
// peak RSS, then processes everything again and checks that the unchanged
// input wrote no entity, relation, search or history row. It is skipped
// unless the variable is set:
//
//	CALLBOARD_ENGINE_SCALE=10000 go test ./internal/catalog -run Scale -v
//
// CALLBOARD_SQLITE_DSN_EXTRA adds SQLite DSN parameters to try pragmas
// (e.g. _pragma=mmap_size(1073741824)); CALLBOARD_ENGINE_PROFILE_COLD and
// CALLBOARD_ENGINE_PROFILE_SECOND write a CPU profile of the cold start and
// of the second pass to the files they name; CALLBOARD_ENGINE_BATCH sets
// the engine's batch size. CALLBOARD_TEST_LOG=1 logs the engine's batches
// and the cores used every 250 ms, a timeline of the cold start.
func TestEngineScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CALLBOARD_ENGINE_SCALE"))
	if n == 0 {
		t.Skip("CALLBOARD_ENGINE_SCALE not set")
	}
	dir := t.TempDir()
	sum, err := bench.Generate(dir, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	t.Logf("generated %d entities; peak RSS so far %d MB", sum.Total, peakRSS()/1024)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if extra := os.Getenv("CALLBOARD_SQLITE_DSN_EXTRA"); extra != "" && db.Dialect == store.SQLite {
			db = reopenSQLite(t, extra)
		}
		batch, _ := strconv.Atoi(os.Getenv("CALLBOARD_ENGINE_BATCH"))
		stop := startProfile(t, os.Getenv("CALLBOARD_ENGINE_PROFILE_COLD"))
		start, cpu0 := time.Now(), cpuTime()
		defer logCores(testLogger())()
		h := newHarness(t, db, withConfigLocations(plugin.Location{Type: "file", Target: sum.Root}),
			func(o *catalog.EngineOptions) { o.StitchDelay, o.BatchSize = 0, batch })
		h.idleTimeout = time.Hour
		h.idle()
		cold, coldCPU := time.Since(start), cpuTime()-cpu0
		stop()
		finals := h.count(`SELECT count(*) FROM final_entities`)
		// The config Location entity comes on top of the generated ones.
		if finals != sum.Total+1 {
			t.Errorf("%d final entities, want %d", finals, sum.Total+1)
		}
		t.Logf("cold start: %d entities stitched in %v (%.0f entities/s, CPU %v), peak RSS %d MB",
			finals, cold.Round(time.Millisecond), float64(finals)/cold.Seconds(), coldCPU.Round(time.Millisecond), peakRSS()/1024)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		t.Logf("Go runtime: sys %d MB, heap sys %d MB, heap in use %d MB, stacks %d MB", ms.Sys>>20, ms.HeapSys>>20, ms.HeapInuse>>20, ms.StackSys>>20)
		t.Logf("rows: %v", h.tableCounts())
		if db.Dialect == store.SQLite {
			logTableSizes(t, db)
		}

		before := h.tableCounts()
		var gen int
		if err := db.QueryRow(`SELECT generation FROM catalog_state`).Scan(&gen); err != nil {
			t.Fatal(err)
		}
		defer startProfile(t, os.Getenv("CALLBOARD_ENGINE_PROFILE_SECOND"))()
		start, cpu0 = time.Now(), cpuTime()
		if _, err := db.ExecContext(context.Background(), `UPDATE refresh_schedule SET next_update_at = 0`); err != nil {
			t.Fatal(err)
		}
		h.idle()
		second, secondCPU := time.Since(start), cpuTime()-cpu0
		t.Logf("second pass over unchanged input: %v (CPU %v)", second.Round(time.Millisecond), secondCPU.Round(time.Millisecond))
		if diff := cmp.Diff(before, h.tableCounts()); diff != "" {
			t.Errorf("second pass changed row counts (-before +after):\n%s", diff)
		}
		var gen2 int
		if err := db.QueryRow(`SELECT generation FROM catalog_state`).Scan(&gen2); err != nil {
			t.Fatal(err)
		}
		if gen2 != gen {
			t.Errorf("second pass bumped the generation from %d to %d", gen, gen2)
		}
		var updated int
		if err := db.QueryRow(`SELECT count(*) FROM final_entities WHERE last_updated_at > $1`, start.UnixMilli()).Scan(&updated); err != nil {
			t.Fatal(err)
		}
		if updated != 0 {
			t.Errorf("second pass rewrote %d final entities", updated)
		}
	})
}

// logCores logs, at debug level every 250 ms until the returned function
// is called, how many cores the process used meanwhile. With
// CALLBOARD_TEST_LOG set, the lines fall between the engine's own batch
// lines and make a timeline of the cold start: when the root location is
// read, how busy processing and stitching keep the cores.
func logCores(log *slog.Logger) (stop func()) {
	done := make(chan struct{})
	go func() {
		const every = 250 * time.Millisecond
		t := time.NewTicker(every)
		defer t.Stop()
		last := cpuTime()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			now := cpuTime()
			log.Debug("cpu", "cores", fmt.Sprintf("%.2f", (now-last).Seconds()/every.Seconds()))
			last = now
		}
	}()
	return func() { close(done) }
}

// startProfile starts a CPU profile written to path, unless path is "",
// and returns what stops it.
func startProfile(t *testing.T, path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// reopenSQLite opens a fresh SQLite database with extra DSN parameters, to
// try pragmas.
func reopenSQLite(t *testing.T, extra string) *store.DB {
	o := storetest.Options(t, store.SQLite)
	o.DSN = "file:" + o.DSN + "?" + extra
	db, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// logTableSizes logs the bytes each table and index takes, where SQLite
// has the dbstat table.
func logTableSizes(t *testing.T, db *store.DB) {
	rows, err := db.Query(`SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC`)
	if err != nil {
		t.Logf("table sizes: %v", err)
		return
	}
	defer rows.Close()
	var parts []string
	for rows.Next() {
		var name string
		var size int64
		if err := rows.Scan(&name, &size); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, name+"="+strconv.FormatInt(size>>10, 10)+"K")
	}
	t.Logf("table sizes: %s", strings.Join(parts, " "))
}

// cpuTime is the user and system CPU time the process used so far; on a
// busy machine it says more about the work done than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's peak resident set in KiB, or 0 where unknown.
func peakRSS() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	return 0
}
