package swarm

import (
	"context"
	"time"

	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/wirelog"
)

// wakeGrace is how long the watchdog lets the reader catch up once the
// heartbeat window has passed: after a freeze (docker pause) the timer and
// the reader wake together, and the frames the kernel kept meanwhile — a
// close frame, late pings — must be read before the connection is judged.
const wakeGrace = time.Second

// watchHeartbeat reports whether the connection went dead by the
// Engine.IO rule: “if the client does not receive a ping packet within
// pingInterval + pingTimeout, then it SHOULD consider that the connection
// is closed” (engine.io-protocol v4 §Heartbeat). sioclient answers pings
// but does not expose them, so the pings are read from the connection's
// own wire log (one log per connection, started at t0). It returns false
// when the connection ends first or ctx ends.
func watchHeartbeat(ctx context.Context, s *sioclient.Socket, log *wirelog.Log, t0 time.Time) bool {
	open := s.Open()
	window := time.Duration(open.PingInterval+open.PingTimeout) * time.Millisecond
	if window <= 0 {
		return false
	}
	last := t0
	for {
		if !waitFor(ctx, s, time.Until(last.Add(window))) {
			return false
		}
		if p := lastPing(log, t0); p.After(last) {
			last = p
			continue
		}
		if !waitFor(ctx, s, wakeGrace) {
			return false
		}
		if p := lastPing(log, t0); p.After(last) {
			last = p
			continue
		}
		return true
	}
}

// waitFor waits d; false when the socket or ctx ended first.
func waitFor(ctx context.Context, s *sioclient.Socket, d time.Duration) bool {
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.Done():
		return false
	case <-ctx.Done():
		return false
	}
}

// lastPing is the arrival of the latest ping ("2") in log, or t0.
func lastPing(log *wirelog.Log, t0 time.Time) time.Time {
	entries := log.Entries()
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Dir == wirelog.In && e.Kind == "ws-text" && e.Data == "2" {
			return t0.Add(e.At)
		}
	}
	return t0
}
