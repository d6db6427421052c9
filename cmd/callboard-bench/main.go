// Command callboard-bench measures Callboard's catalog against the issue's
// performance targets and prints a table of figures, targets and results
// (and writes it as Markdown with -out).
//
//	go run ./cmd/callboard-bench -n 10000 [-db sqlite|postgres] [-pg URL] [-keep] [-out DIR]
//
// It builds ./cmd/callboard (from the working tree, or from a commit with
// -rev, or takes -bin), generates a synthetic organisation of -n
// entities as YAML files (internal/bench.Generate), writes an app-config.yaml
// that listens on 127.0.0.1 and loads the organisation through one file
// location, and runs `callboard serve` as a child process three times:
//
//  1. cold start on an empty database: the time until by-query reports every
//     entity (polled every 25 ms, 50 ms above 20,000 entities), the time until
//     idle (nothing due, stitch queue empty, CPU quiet), database size, the
//     latency of each query of the issue (500 sequential keep-alive requests
//     after 50 untimed ones, each answer checked), requests/s of by-query
//     limit=100 at concurrency 8 for 5 s, and peak RSS (VmHWM);
//  2. restart on the populated database: the time until readiness answers 200;
//  3. second pass: every entity is made due (next_update_at = now, in
//     refresh_schedule or refresh_state), the server is started and timed
//     until idle, and the catalog tables are compared before and after
//     (generation, row counts, last update times) to show nothing was
//     written.
//
// With -db postgres each run creates a fresh database on the -pg server and
// drops it afterwards unless -keep is given. -cpuprofile DIR runs
// cmd/callboard-bench/profserve, the serve command with a CPU profiler, and
// writes one profile per server process (the cold one in three segments:
// ingestion until every entity is queryable, the work after it until idle,
// then queries).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/callboard/callboard/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("callboard-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		o      bench.Options
		out    string
		strict bool
		quiet  bool
	)
	fs.IntVar(&o.N, "n", 10_000, "number of entities to generate")
	fs.Int64Var(&o.Seed, "seed", 1, "seed of the generated organisation")
	fs.StringVar(&o.DB, "db", "sqlite", "database: sqlite or postgres")
	fs.StringVar(&o.PostgresURL, "pg", "postgres://postgres@localhost:5432/postgres?sslmode=disable",
		"PostgreSQL server for -db postgres; a fresh database is created on it for the run")
	fs.BoolVar(&o.Keep, "keep", false, "keep the work directory and the PostgreSQL database")
	fs.StringVar(&o.WorkDir, "work", "", "work directory (default: a new temporary directory)")
	fs.StringVar(&o.Binary, "bin", "", "use this callboard binary instead of building ./cmd/callboard")
	fs.StringVar(&o.Rev, "rev", "", "build the server from this git revision instead of the working tree")
	fs.Func("env", "set `KEY=VALUE` in the server's environment, e.g. GODEBUG=gctrace=1 (repeatable)", func(v string) error {
		if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
			return fmt.Errorf("want KEY=VALUE, got %q", v)
		}
		o.ChildEnv = append(o.ChildEnv, v)
		return nil
	})
	fs.StringVar(&out, "out", "", "also write the report as Markdown to DIR/bench-<n>-<db>.md")
	fs.StringVar(&o.ProfileDir, "cpuprofile", "", "write a CPU profile of each server process to `DIR` (runs cmd/callboard-bench/profserve unless -bin is given)")
	fs.IntVar(&o.Requests, "requests", 500, "timed requests per query")
	fs.DurationVar(&o.QueryBudget, "query-budget", time.Minute, "time limit of each query's series")
	fs.DurationVar(&o.ThroughputFor, "throughput-for", 5*time.Second, "duration of the throughput phase")
	fs.IntVar(&o.Concurrency, "c", 8, "concurrency of the throughput phase")
	fs.DurationVar(&o.PhaseTimeout, "phase-timeout", 0, "bound of each wait for the server (all queryable, idle, ready); 0 allows a minute plus 5 ms per entity")
	fs.BoolVar(&strict, "strict", false, "exit with status 1 when a figure misses its target")
	fs.BoolVar(&quiet, "q", false, "do not log progress to stderr")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "callboard-bench: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if !quiet {
		o.Log = slog.New(slog.NewTextHandler(stderr, nil))
	}
	if o.ProfileDir != "" {
		dir, err := filepath.Abs(o.ProfileDir)
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		if err != nil {
			fmt.Fprintf(stderr, "callboard-bench: %v\n", err)
			return 1
		}
		o.ProfileDir = dir
	}
	rep, err := bench.Run(ctx, o)
	if rep != nil && len(rep.Figures) > 0 {
		fmt.Fprintln(stdout)
		if werr := rep.WriteText(stdout); werr != nil {
			fmt.Fprintf(stderr, "callboard-bench: %v\n", werr)
			return 1
		}
		if out != "" {
			if werr := writeMarkdown(out, o, rep); werr != nil {
				fmt.Fprintf(stderr, "callboard-bench: %v\n", werr)
				return 1
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "callboard-bench: %v\n", err)
		return 1
	}
	if strict && rep.Failed() {
		return 1
	}
	return 0
}

func writeMarkdown(dir string, o bench.Options, rep *bench.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	db := o.DB
	if db == "" {
		db = "sqlite"
	}
	path := filepath.Join(dir, fmt.Sprintf("bench-%d-%s.md", o.N, db))
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	err = rep.WriteMarkdown(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}
