package swarm

import (
	"context"
	"time"

	"socketlab/conformance/internal/sioclient"
)

// wakeGrace is how long the watchdog lets the reader catch up once the
// heartbeat window has passed: after a freeze (docker pause) the timer and
// the reader wake together, and the frames the kernel kept meanwhile — a
// close frame, late pings — must be read before the connection is judged.
const wakeGrace = time.Second

// watchHeartbeat reports whether the connection went dead by the
// Engine.IO rule: “if the client does not receive a ping packet within
// pingInterval + pingTimeout, then it SHOULD consider that the connection
// is closed” (engine.io-protocol v4 §Heartbeat), counting from t0 (the
// dial) until the first ping. It returns false when the connection ends
// first or ctx ends.
func watchHeartbeat(ctx context.Context, s *sioclient.Socket, t0 time.Time) bool {
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
		if p := lastPing(s, t0); p.After(last) {
			last = p
			continue
		}
		if !waitFor(ctx, s, wakeGrace) {
			return false
		}
		if p := lastPing(s, t0); p.After(last) {
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

// lastPing is the arrival of the latest ping, or t0 before the first.
func lastPing(s *sioclient.Socket, t0 time.Time) time.Time {
	if p := s.LastPing(); p.After(t0) {
		return p
	}
	return t0
}
