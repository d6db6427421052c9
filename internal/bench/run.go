package bench

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Options configure a benchmark run.
type Options struct {
	// N is the number of entities to generate; Seed makes them.
	N    int
	Seed int64
	// DB is "sqlite" (the default) or "postgres"; PostgresURL points at the
	// server's maintenance database when DB is "postgres". Each run creates
	// a fresh database there and drops it afterwards unless Keep is set.
	DB          string
	PostgresURL string
	// WorkDir holds the generated catalog, the config, the SQLite file and
	// the server logs; "" makes a temporary directory, removed afterwards
	// unless Keep is set.
	WorkDir string
	Keep    bool
	// Binary is a built callboard binary; "" builds ./cmd/callboard from
	// the working tree, or from git revision Rev when that is set.
	Binary string
	Rev    string
	// ChildEnv is extra environment for the server process.
	ChildEnv []string
	// ProfileDir, when set, asks the server for CPU profiles there through
	// CALLBOARD_CPUPROFILE, one file per server process. Without Binary the
	// run then builds cmd/callboard-bench/profserve, the serve command with
	// a profiler, instead of cmd/callboard.
	ProfileDir string
	// Requests timed per query after Warmup untimed ones (500 and 50 when
	// zero); Concurrency and ThroughputFor drive the throughput phase (8
	// and 5 s when zero).
	Requests, Warmup int
	// QueryBudget bounds the time spent on each query's series (60 s when
	// zero); a slower query is reported with the requests timed by then.
	QueryBudget   time.Duration
	Concurrency   int
	ThroughputFor time.Duration
	// PhaseTimeout bounds each wait for the server (all entities
	// queryable, idle, ready); 0 allows a minute plus 5 ms per entity.
	PhaseTimeout time.Duration
	// Log receives progress; nil discards it.
	Log *slog.Logger
}

func (o *Options) defaults() {
	if o.DB == "" {
		o.DB = "sqlite"
	}
	if o.Requests == 0 {
		o.Requests = 500
	}
	if o.Warmup == 0 {
		o.Warmup = 50
	}
	if o.Concurrency == 0 {
		o.Concurrency = 8
	}
	if o.QueryBudget == 0 {
		o.QueryBudget = time.Minute
	}
	if o.ThroughputFor == 0 {
		o.ThroughputFor = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// Run generates the organisation, runs the server on it and measures. The
// report holds every figure that could be measured; the error says why the
// run stopped early, if it did.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	if o.DB != "sqlite" && o.DB != "postgres" {
		return nil, fmt.Errorf("unknown database %q (want sqlite or postgres)", o.DB)
	}
	token := newToken()
	r := &run{o: o, rep: &Report{}, token: token, client: newClient(o.Concurrency, token)}
	defer closeIdle(r.client)
	err := r.run(ctx)
	return r.rep, err
}

// run holds the state of one benchmark run.
type run struct {
	o      Options
	rep    *Report
	client *http.Client
	token  string
	t      targets

	work   string
	bin    string
	config string
	base   string
	db     *database
	probe  *sql.DB
	sum    Summary
	want   int // entities the server must serve: the generated ones and the config Location
	// segmented is true when the server is profserve, whose CPU profile
	// starts a new segment on SIGUSR1.
	segmented bool
}

func (r *run) run(ctx context.Context) (err error) {
	log := r.o.Log
	if err := r.prepareWorkDir(); err != nil {
		return err
	}
	defer func() {
		if !r.o.Keep && r.o.WorkDir == "" {
			os.RemoveAll(r.work)
		}
	}()
	if err := r.build(ctx); err != nil {
		return err
	}
	t0 := time.Now()
	sum, err := Generate(filepath.Join(r.work, "catalog"), r.o.N, r.o.Seed)
	if err != nil {
		return err
	}
	r.sum, r.want = sum, sum.Total+1
	log.Info("generated organisation", "entities", sum.Total, "files", sum.Files, "took", time.Since(t0))
	r.rep.add(Figure{Name: "generated entities", Value: fmt.Sprintf("%d in %d files", sum.Total, sum.Files), Note: kindCounts(sum.Counts)})

	if err := r.prepareDatabase(ctx); err != nil {
		return err
	}
	defer func() {
		if r.probe != nil {
			r.probe.Close()
		}
		if !r.o.Keep {
			if derr := r.db.drop(context.WithoutCancel(ctx)); derr != nil && err == nil {
				err = derr
			}
		}
	}()
	r.t = targetsFor(r.o.N, r.db.dialect == postgresDialect)
	r.rep.Title = fmt.Sprintf("Callboard catalog benchmark: %d entities on %s", sum.Total, r.db.describe())
	fate := "removed"
	if r.o.Keep || r.o.WorkDir != "" {
		fate = "kept"
	}
	r.rep.note("Machine: %s/%s, %d CPUs, %s, load average %s at the start. Seed %d. Work directory %s (%s).", runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), runtime.Version(), loadAverage(), r.o.Seed, r.work, fate)
	defer func() { r.rep.note("Load average at the end: %s.", loadAverage()) }()
	if err := r.writeConfig(); err != nil {
		return err
	}

	if err := r.coldStart(ctx); err != nil {
		return err
	}
	before, beforeErr := r.snapshot(ctx)
	if err := r.restart(ctx); err != nil {
		return err
	}
	afterRestart, err := r.snapshot(ctx)
	if err != nil {
		r.rep.add(Figure{Name: "second pass", Status: Error, Note: "cannot read the catalog tables: " + err.Error()})
		return nil
	}
	if beforeErr == nil {
		if d := before.diff(afterRestart); len(d) > 0 {
			r.rep.note("Restarting on an unchanged catalog wrote: %s.", strings.Join(d, ", "))
		}
	}
	return r.secondPass(ctx, afterRestart)
}

func (r *run) prepareWorkDir() error {
	r.work = r.o.WorkDir
	if r.work == "" {
		dir, err := os.MkdirTemp("", "callboard-bench-")
		if err != nil {
			return fmt.Errorf("work directory: %w", err)
		}
		r.work = dir
		return nil
	}
	if err := os.MkdirAll(r.work, 0o755); err != nil {
		return fmt.Errorf("work directory: %w", err)
	}
	return nil
}

// build compiles the callboard binary unless one was given.
func (r *run) build(ctx context.Context) error {
	if r.o.Binary != "" {
		r.bin = r.o.Binary
		r.rep.note("The server is %s.", r.bin)
		return nil
	}
	src := ""
	if r.o.Rev != "" {
		src = filepath.Join(r.work, "src")
		if err := exportRevision(ctx, r.o.Rev, src); err != nil {
			return err
		}
	}
	pkg := "github.com/callboard/callboard/cmd/callboard"
	if r.o.ProfileDir != "" {
		pkg = "github.com/callboard/callboard/cmd/callboard-bench/profserve"
		r.segmented = true
		r.rep.note("The server is %s (callboard serve with a CPU profiler, without compiled-in plugins).", pkg)
	}
	r.bin = filepath.Join(r.work, "callboard")
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", r.bin, pkg)
	cmd.Dir = src
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	r.rep.note("The server is built from %s.", describeSource(ctx, r.o.Rev))
	r.o.Log.Info("built the server", "package", pkg, "took", time.Since(t0))
	return nil
}

func (r *run) prepareDatabase(ctx context.Context) error {
	if r.o.DB == "sqlite" {
		r.db = sqliteDatabase(filepath.Join(r.work, "callboard.db"))
		return nil
	}
	db, err := postgresDatabase(ctx, r.o.PostgresURL)
	if err != nil {
		return err
	}
	r.db = db
	r.o.Log.Info("created database", "url", redactURL(db.pgURL))
	return nil
}

func (r *run) writeConfig() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	r.base = "http://127.0.0.1:" + strconv.Itoa(port)
	r.config = filepath.Join(r.work, "app-config.yaml")
	return writeConfig(r.config, serveConfig{Port: port, SQLitePath: r.db.sqlitePath, PostgresURL: r.db.pgURL, Root: r.sum.Root, Token: r.token})
}

// start runs a server process named after the phase.
func (r *run) start(phase string) (*server, error) {
	env := append([]string(nil), r.o.ChildEnv...)
	if r.o.ProfileDir != "" {
		env = append(env, "CALLBOARD_CPUPROFILE="+filepath.Join(r.o.ProfileDir, "cpu-"+phase+".prof"))
	}
	s, err := startServer(r.bin, r.config, filepath.Join(r.work, "serve-"+phase+".log"), r.base, env)
	if err != nil {
		return nil, err
	}
	r.o.Log.Info("started callboard serve", "phase", phase, "pid", s.pid())
	return s, nil
}

// stop ends a server process and notes its CPU profile, if it wrote one.
func (r *run) stop(s *server, phase string) {
	if err := s.stop(30 * time.Second); err != nil {
		r.rep.note("%s: %v", phase, err)
	}
	if r.o.ProfileDir != "" {
		ps, _ := filepath.Glob(filepath.Join(r.o.ProfileDir, "cpu-"+phase+"*.prof"))
		if len(ps) > 0 {
			r.rep.note("CPU profile of the %s server: %s", phase, strings.Join(ps, ", "))
		} else {
			r.rep.note("The %s server wrote no CPU profile (CALLBOARD_CPUPROFILE is not supported?).", phase)
		}
	}
}

// phaseTimeout bounds each waiting loop: generous, growing with the
// catalog, never unbounded.
func (r *run) phaseTimeout() time.Duration {
	if r.o.PhaseTimeout > 0 {
		return r.o.PhaseTimeout
	}
	return time.Minute + time.Duration(r.o.N)*5*time.Millisecond
}

// kindCounts lists the entities per kind for the report.
func kindCounts(c map[string]int) string {
	var parts []string
	for _, k := range []string{"Component", "API", "User", "Resource", "Group", "System", "Domain", "Location"} {
		parts = append(parts, fmt.Sprintf("%d %s", c[k], k))
	}
	return strings.Join(parts, ", ")
}
