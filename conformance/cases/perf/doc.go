// Package perf holds the cases of level "perf": figures, not rules. Every
// case is INFO: it records latencies and rates in the report so that two
// implementations can be compared run against run, and never fails a
// target for being slow (this harness shares the machine with its target,
// so absolute times are not verdicts).
package perf

import (
	"slices"
	"time"
)

// quantiles returns p50, p99 and max of ds (which it sorts).
func quantiles(ds []time.Duration) (p50, p99, maxD time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0
	}
	slices.Sort(ds)
	at := func(q float64) time.Duration { return ds[min(int(q*float64(len(ds))), len(ds)-1)] }
	return at(0.50), at(0.99), ds[len(ds)-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
