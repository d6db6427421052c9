package bench

import "time"

// targets are the performance targets for one run.
type targets struct {
	Cold, SecondPass, P99, Ready time.Duration
	RSS                          int64 // 0 = no target at this size
	RPS                          float64
}

// targetsFor scales the targets to n entities. The issue states
// them at 10,000 and 100,000 entities on SQLite: cold start 2 s and 15 s
// (interpolated linearly in between, proportional above), peak RSS 150 MB
// and 400 MB, a second pass of 1 s per 10,000 entities (at least 1 s, as it
// includes starting the server), p99 10 ms, 1,500 requests/s, ready in
// 0.5 s. PostgreSQL is asked to be within 2× of SQLite, so its time
// targets are doubled and its throughput target halved.
func targetsFor(n int, postgres bool) targets {
	const mb = 1000 * 1000
	t := targets{P99: 10 * time.Millisecond, Ready: 500 * time.Millisecond, RPS: 1500}
	switch {
	case n <= 10_000:
		t.Cold = 2 * time.Second
		t.RSS = 150 * mb
	case n <= 100_000:
		frac := float64(n-10_000) / 90_000
		t.Cold = 2*time.Second + time.Duration(frac*float64(13*time.Second))
		t.RSS = 150*mb + int64(frac*250*mb)
	default:
		t.Cold = time.Duration(float64(15*time.Second) * float64(n) / 100_000)
	}
	t.SecondPass = max(time.Second, time.Duration(n)*time.Second/10_000)
	if postgres {
		t.Cold *= 2
		t.SecondPass *= 2
		t.P99 *= 2
		t.Ready *= 2
		t.RPS /= 2
	}
	return t
}
