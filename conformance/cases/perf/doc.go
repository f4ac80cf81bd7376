// Package perf holds the cases of level "perf": figures, not rules. Every
// case is INFO: it records latencies and rates in the report so that two
// implementations can be compared run against run, and never fails a
// target for being slow (this harness shares the machine with its target,
// so absolute times are not verdicts).
package perf

import (
	"slices"
	"time"

	"socketlab/conformance/internal/suite"
)

// measureQuantiles records p50, p99 and max of ds (which it sorts) as the
// measures <name>_p50_ms, <name>_p99_ms and <name>_max_ms, and returns p50
// and p99.
func measureQuantiles(c *suite.C, name string, ds []time.Duration) (p50, p99 time.Duration) {
	var maxD time.Duration
	if len(ds) > 0 {
		slices.Sort(ds)
		at := func(q float64) time.Duration { return ds[min(int(q*float64(len(ds))), len(ds)-1)] }
		p50, p99, maxD = at(0.50), at(0.99), ds[len(ds)-1]
	}
	c.Measure(name+"_p50_ms", ms(p50))
	c.Measure(name+"_p99_ms", ms(p99))
	c.Measure(name+"_max_ms", ms(maxD))
	return p50, p99
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
