package bench

import (
	"math"
	"slices"
	"time"
)

// latency summarises a series of request durations.
type latency struct {
	N           int
	Median, P99 time.Duration
	Max         time.Duration
}

// summarize computes nearest-rank percentiles of ds; it sorts ds.
func summarize(ds []time.Duration) latency {
	if len(ds) == 0 {
		return latency{}
	}
	slices.Sort(ds)
	return latency{N: len(ds), Median: percentile(ds, 50), P99: percentile(ds, 99), Max: ds[len(ds)-1]}
}

// percentile returns the nearest-rank p-th percentile of sorted ds: the
// smallest value that at least p percent of the values do not exceed.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}
