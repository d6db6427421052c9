package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The phases of a run: cold start with the query measurements, restart,
// and the second pass over unchanged input.

// coldStart starts the server on an empty database and measures ingestion,
// then the queries and the throughput.
func (r *run) coldStart(ctx context.Context) error {
	s, err := r.start("cold")
	if err != nil {
		return err
	}
	defer s.kill()
	interval := 25 * time.Millisecond
	if r.o.N > 20_000 {
		interval = 50 * time.Millisecond // a count over a large catalog is not free
	}
	took, err := r.waitAllQueryable(ctx, s, interval)
	if err != nil {
		r.rep.add(Figure{Name: "cold start until all queryable", Status: Error, Note: err.Error()})
		return err
	}
	cold := atMost(fmt.Sprintf("cold start until all %d queryable", r.want), took, r.t.Cold)
	cold.Note = serverCPU(s)
	r.rep.add(cold)
	r.rep.add(Figure{Name: "ingestion rate", Value: fmt.Sprintf("%.0f entities/s", float64(r.want)/took.Seconds())})
	r.o.Log.Info("all entities queryable", "took", took)
	segmented := r.segmented && nextProfileSegment(s.cmd.Process) == nil // ingestion ends, catch-up starts

	if r.probe, err = r.db.open(ctx); err != nil {
		r.rep.note("Cannot open the database for probes: %v", err)
	}
	idle, err := waitIdle(ctx, r.idleProbe(s), s.started, 25*time.Millisecond, 300*time.Millisecond, r.phaseTimeout())
	if err != nil {
		r.rep.add(Figure{Name: "cold start until idle", Status: Error, Note: err.Error()})
	} else {
		r.rep.add(Figure{Name: "cold start until idle", Value: fmtDuration(idle), Note: "nothing due, stitch queue empty, CPU quiet; " + serverCPU(s)})
	}
	if segmented && nextProfileSegment(s.cmd.Process) == nil {
		r.rep.note("cpu-cold.prof covers ingestion until every entity is queryable, cpu-cold-2.prof the work after it until idle, cpu-cold-3.prof the queries and the throughput phase.")
	}
	if r.probe != nil {
		if size, err := r.db.size(ctx, r.probe); err == nil {
			r.rep.add(Figure{Name: "database size", Value: fmtBytes(size)})
		} else {
			r.rep.add(Figure{Name: "database size", Status: Error, Note: err.Error()})
		}
	}
	if r.probe != nil && r.db.dialect == postgresDialect {
		r.rep.note("PostgreSQL statistics when the queries started: %s.", analyzed(ctx, r.probe))
	}
	if err := r.measureQueries(ctx, s); err != nil {
		return err
	}
	r.addRSS("peak RSS (cold start and queries)", s)
	r.stop(s, "cold")
	return nil
}

// waitAllQueryable polls by-query until totalItems reaches the number of
// entities and returns the time since the process started.
func (r *run) waitAllQueryable(ctx context.Context, s *server, interval time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(r.phaseTimeout())
	last, lastErr := -1, error(nil)
	nextLog := time.Now().Add(5 * time.Second)
	for {
		n, err := totalItems(ctx, r.client, s.base)
		if err == nil && n >= r.want {
			took := time.Since(s.started)
			if n > r.want {
				r.rep.note("The server serves %d entities, %d more than generated plus the config Location.", n, n-r.want)
			}
			return took, nil
		}
		if err == nil {
			last = n
		}
		lastErr = err
		if time.Now().After(nextLog) {
			r.o.Log.Info("ingesting", "queryable", last, "of", r.want, "elapsed", time.Since(s.started).Round(time.Millisecond))
			nextLog = nextLog.Add(5 * time.Second)
		}
		if s.exited() {
			return 0, s.exitError()
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%d of %d entities queryable after %s (last error: %v); server log: %s",
				last, r.want, r.phaseTimeout(), lastErr, s.logPath)
		}
		if err := sleep(ctx, interval); err != nil {
			return 0, err
		}
	}
}

func (r *run) idleProbe(s *server) idleProbe {
	p := idleProbe{cpu: func() (int64, error) { return cpuTicks(s.pid()) }}
	if r.probe != nil {
		table, err := scheduleTable(context.Background(), r.probe)
		p.pending = func(ctx context.Context) (int64, int64, error) {
			return pending(ctx, r.probe, table, time.Now().UnixMilli())
		}
		if err == nil {
			_, _, err = p.pending(context.Background())
		}
		if err != nil {
			r.rep.note("Idle detection uses CPU time only: %v", err)
			p.pending = nil
		}
	}
	return p
}

// serverCPU describes the CPU time the server has used so far: unlike
// wall-clock figures it hardly changes when other work loads the machine.
func serverCPU(s *server) string {
	ticks, err := cpuTicks(s.pid())
	if err != nil {
		return "server CPU time unknown"
	}
	return fmt.Sprintf("server used %.1f s of CPU", float64(ticks)/clockTicks)
}

func (r *run) addRSS(name string, s *server) {
	rss, err := peakRSS(s.pid())
	if err != nil {
		r.rep.add(Figure{Name: name, Status: Error, Note: err.Error()})
		return
	}
	f := Figure{Name: name, Value: fmtBytes(rss)}
	if r.t.RSS > 0 {
		f.Target = "≤ " + fmtBytes(r.t.RSS)
		f.Status = passIf(rss <= r.t.RSS)
	}
	r.rep.add(f)
}

// measureQueries times each query and the throughput of by-query.
func (r *run) measureQueries(ctx context.Context, s *server) error {
	qs := queries(r.sum)
	for _, q := range qs {
		l, cut, err := series(ctx, r.client, s.base, q, r.o.Warmup, r.o.Requests, r.o.QueryBudget)
		if err != nil {
			r.rep.add(Figure{Name: q.Name, Status: Error, Note: err.Error()})
			if s.exited() {
				return s.exitError()
			}
			continue
		}
		f := atMost(q.Name+" p99", l.P99, r.t.P99)
		f.Value = fmt.Sprintf("%s (median %s, max %s)", fmtDuration(l.P99), fmtDuration(l.Median), fmtDuration(l.Max))
		f.Note = fmt.Sprintf("%d requests", l.N)
		if cut {
			f.Note += fmt.Sprintf(" (stopped at the %s budget)", r.o.QueryBudget)
		}
		r.rep.add(f)
		r.o.Log.Info("measured query", "query", q.Name, "median", l.Median, "p99", l.P99)
	}
	for _, q := range qs {
		r.rep.note("%s: %s", q.Name, q.Shown)
	}
	rps, errs, err := throughput(ctx, r.client, s.base, qs[0], r.o.Concurrency, r.o.ThroughputFor, 10_000_000)
	f := Figure{
		Name:   fmt.Sprintf("by-query limit=100 at concurrency %d", r.o.Concurrency),
		Value:  fmt.Sprintf("%.0f requests/s", rps),
		Target: fmt.Sprintf("≥ %.0f requests/s", r.t.RPS),
		Status: passIf(rps >= r.t.RPS && errs == 0),
		Note:   fmt.Sprintf("over %s", r.o.ThroughputFor),
	}
	if errs > 0 {
		f.Note += fmt.Sprintf("; %d errors, first: %v", errs, err)
	}
	r.rep.add(f)
	r.o.Log.Info("measured throughput", "rps", rps, "errors", errs)
	return nil
}

// restart starts the server on the populated database and measures the
// time until it reports ready.
func (r *run) restart(ctx context.Context) error {
	s, err := r.start("restart")
	if err != nil {
		return err
	}
	defer s.kill()
	took, err := s.waitReady(ctx, r.client, 5*time.Millisecond, r.phaseTimeout())
	if err != nil {
		r.rep.add(Figure{Name: "restart until ready", Status: Error, Note: err.Error()})
		return err
	}
	r.rep.add(atMost("restart until ready", took, r.t.Ready))
	if n, err := totalItems(ctx, r.client, s.base); err != nil || n != r.want {
		r.rep.note("After the restart the server serves %d entities (want %d, error %v).", n, r.want, err)
	}
	r.o.Log.Info("restarted", "ready after", took)
	r.stop(s, "restart")
	return nil
}

// secondPass schedules every entity for processing, starts the server and
// measures the time until it is idle again, then checks nothing was
// written.
func (r *run) secondPass(ctx context.Context, before snapshot) error {
	table, err := scheduleTable(ctx, r.probe)
	var n int64
	if err == nil {
		n, err = makeAllDue(ctx, r.probe, table, time.Now().UnixMilli())
	}
	if err != nil {
		r.rep.add(Figure{Name: "second pass", Status: Error, Note: err.Error()})
		return nil
	}
	s, err := r.start("second-pass")
	if err != nil {
		return err
	}
	defer s.kill()
	took, err := waitIdle(ctx, r.idleProbe(s), s.started, 25*time.Millisecond, 300*time.Millisecond, r.phaseTimeout())
	if err != nil {
		r.rep.add(Figure{Name: "second pass", Status: Error, Note: err.Error()})
		return err
	}
	f := atMost("second pass over unchanged input", took, r.t.SecondPass)
	f.Note = fmt.Sprintf("%d entities due at start; from process start until idle; %s", n, serverCPU(s))
	r.rep.add(f)
	r.addRSS("peak RSS (second pass)", s)
	r.stop(s, "second-pass")
	after, err := r.snapshot(ctx)
	if err != nil {
		r.rep.add(Figure{Name: "second pass writes nothing", Status: Error, Note: err.Error()})
		return nil
	}
	d := before.diff(after)
	w := Figure{Name: "second pass writes nothing", Value: "no changes", Target: "no changes", Status: Pass,
		Note: fmt.Sprintf("generation %d, %d final entities, %d search rows, %d relations, %d history rows",
			after.Generation, after.FinalEntities, after.Search, after.Relations, after.History)}
	if len(d) > 0 {
		w.Value, w.Status, w.Note = "changed", Fail, strings.Join(d, ", ")
	}
	r.rep.add(w)
	r.o.Log.Info("second pass done", "took", took, "changes", len(d))
	return nil
}

func (r *run) snapshot(ctx context.Context) (snapshot, error) {
	if r.probe == nil {
		return snapshot{}, errors.New("no database connection")
	}
	return takeSnapshot(ctx, r.probe)
}
