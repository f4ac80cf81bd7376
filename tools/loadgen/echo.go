package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

type echoResults struct {
	RoundTrips int     `json:"round_trips"`
	ElapsedS   float64 `json:"elapsed_s"`
	PerSecond  float64 `json:"round_trips_per_s"`
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
}

var (
	echoMessage = []byte(`42["message","` + strings.Repeat("x", 64) + `"]`)
	echoReply   = []byte(`42["message-back",`)
)

// runEcho: every client sends "message" and waits for "message-back", in a
// loop, for cfg.duration.
func runEcho(ctx context.Context, cfg config) (any, string, error) {
	conns, err := dialAll(ctx, cfg.target, cfg.clients, cfg.timeout, false)
	if err != nil {
		return nil, "", err
	}
	defer closeAll(conns)

	lats := make([][]time.Duration, len(conns))
	errs := make([]error, len(conns))
	start := time.Now()
	end := start.Add(cfg.duration)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				t0 := time.Now()
				if err := c.write(echoMessage); err != nil {
					errs[i] = err
					return
				}
				if _, err := c.await(ctx, echoReply); err != nil {
					errs[i] = err
					return
				}
				lats[i] = append(lats[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return nil, "", err
		}
	}
	all := slices.Concat(lats...)
	slices.Sort(all)
	res := echoResults{
		RoundTrips: len(all),
		ElapsedS:   elapsed.Seconds(),
		PerSecond:  float64(len(all)) / elapsed.Seconds(),
		P50Ms:      ms(percentile(all, 0.50)),
		P99Ms:      ms(percentile(all, 0.99)),
	}
	if len(all) > 0 {
		res.MaxMs = ms(all[len(all)-1])
	}
	human := fmt.Sprintf("%d round trips in %.2fs = %.0f/s, p50 %.3fms p99 %.3fms",
		res.RoundTrips, res.ElapsedS, res.PerSecond, res.P50Ms, res.P99Ms)
	return res, human, nil
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
