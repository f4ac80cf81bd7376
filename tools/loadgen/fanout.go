package main

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

type fanoutResults struct {
	Events       int     `json:"events"`
	Deliveries   int64   `json:"deliveries"`
	ElapsedS     float64 `json:"elapsed_s"`
	PerSecond    float64 `json:"deliveries_per_s"`
	Lost         int64   `json:"lost"`
	Duplicated   int64   `json:"duplicated"`
	Unexpected   int64   `json:"unexpected"`
	Window       int     `json:"window"`
	TimedOut     bool    `json:"timed_out,omitempty"`
	JoinElapsedS float64 `json:"join_elapsed_s"`
}

var fanoutPrefix = []byte(`42["emit-to-room",{"i":`)

// parseFanout returns N from 42["emit-to-room",{"i":N}].
func parseFanout(msg []byte) (int, bool) {
	rest, ok := bytes.CutPrefix(msg, fanoutPrefix)
	if !ok {
		return 0, false
	}
	digits, ok := bytes.CutSuffix(rest, []byte("}]"))
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(string(digits))
	return n, err == nil
}

// runFanout: cfg.clients join room "fan", one more client emits
// cfg.events events to it, paced by cfg.window; every receiver must get
// every event exactly once.
func runFanout(ctx context.Context, cfg config) (any, string, error) {
	joinStart := time.Now()
	conns, err := dialAll(ctx, cfg.target, cfg.clients, cfg.timeout, false)
	if err != nil {
		return nil, "", err
	}
	defer closeAll(conns)
	sender, err := dial(ctx, cfg.target, cfg.timeout, true)
	if err != nil {
		return nil, "", fmt.Errorf("sender: %w", err)
	}
	defer sender.close()

	// Join, then a round trip so that the join has been handled.
	joinErrs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.write([]byte(`42["join","fan"]`)); err != nil {
				joinErrs[i] = err
				return
			}
			if err := c.write([]byte(`42["message","sync"]`)); err != nil {
				joinErrs[i] = err
				return
			}
			_, joinErrs[i] = c.await(ctx, echoReply)
		}()
	}
	wg.Wait()
	for _, err := range joinErrs {
		if err != nil {
			return nil, "", fmt.Errorf("joining: %w", err)
		}
	}
	joinElapsed := time.Since(joinStart)

	events := cfg.events
	progress := make([]atomic.Int64, len(conns)) // distinct events received
	var dups, unexpected, dropped atomic.Int64
	notify := make(chan struct{}, 1)
	stop := make(chan struct{})
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen := make([]bool, events)
			var n int64
			for {
				select {
				case msg, ok := <-c.frames:
					if !ok {
						dropped.Add(1)
						select {
						case notify <- struct{}{}:
						default:
						}
						return
					}
					if !bytes.HasPrefix(msg, fanoutPrefix) {
						continue
					}
					k, ok := parseFanout(msg)
					switch {
					case !ok || k < 0 || k >= events:
						unexpected.Add(1)
						continue
					case seen[k]:
						dups.Add(1)
						continue
					}
					seen[k] = true
					n++
					progress[i].Store(n)
					select {
					case notify <- struct{}{}:
					default:
					}
				case <-stop:
					return
				}
			}
		}()
	}
	minProgress := func() int64 {
		m := int64(events)
		for i := range progress {
			m = min(m, progress[i].Load())
		}
		return m
	}
	waitFor := func(need int64) error {
		for minProgress() < need {
			if n := dropped.Load(); n > 0 {
				return fmt.Errorf("%d receivers lost their connection", n)
			}
			select {
			case <-notify:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}

	start := time.Now()
	var waitErr error
	for k := 0; k < events && waitErr == nil; k++ {
		if waitErr = waitFor(int64(k - cfg.window + 1)); waitErr != nil {
			break
		}
		waitErr = sender.write([]byte(`42["emit-to-room","fan",{"i":` + strconv.Itoa(k) + `}]`))
	}
	if waitErr == nil {
		waitErr = waitFor(int64(events))
	}
	elapsed := time.Since(start)
	if waitErr == nil {
		// A short grace period in which duplicates would show up.
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	close(stop)
	wg.Wait()

	var delivered int64
	for i := range progress {
		delivered += progress[i].Load()
	}
	res := fanoutResults{
		Events:       events,
		Deliveries:   delivered,
		ElapsedS:     elapsed.Seconds(),
		PerSecond:    float64(delivered) / elapsed.Seconds(),
		Lost:         int64(len(conns))*int64(events) - delivered,
		Duplicated:   dups.Load(),
		Unexpected:   unexpected.Load(),
		Window:       cfg.window,
		TimedOut:     waitErr != nil,
		JoinElapsedS: joinElapsed.Seconds(),
	}
	human := fmt.Sprintf("%d deliveries in %.2fs = %.0f/s, lost %d, duplicated %d",
		res.Deliveries, res.ElapsedS, res.PerSecond, res.Lost, res.Duplicated)
	switch {
	case waitErr != nil:
		return res, human, fmt.Errorf("fanout incomplete: %w (lost %d, duplicated %d)", waitErr, res.Lost, res.Duplicated)
	case res.Lost > 0 || res.Duplicated > 0 || res.Unexpected > 0:
		return res, human, fmt.Errorf("fanout: lost %d, duplicated %d, unexpected %d", res.Lost, res.Duplicated, res.Unexpected)
	}
	return res, human, nil
}
