package client

import (
	"time"

	"socketlab/conformance/internal/scriptserver"
	"socketlab/conformance/internal/suite"
)

// lateLimit is how much later than a bound plus the scheduling margin a
// timed event may come and still count as met late (NON-STRICT) rather
// than missed (FAIL): a stalled event loop on a loaded machine, not a
// wrong algorithm — which shows as a systematic deviation of the order of
// the bounds themselves (100 ms and up with the level's short backoff).
const lateLimit = 100 * time.Millisecond

// engine.io-protocol v4 §Heartbeat, from the client's side.
func heartbeatCases() {
	register(suite.Case{
		ID: "CLIENT-HB-1", Strength: suite.Must,
		Title: "Pings are answered within pingTimeout; the session survives",
		Requirement: `engine.io-protocol v4 §Heartbeat: “At a given interval (the pingInterval value sent in the handshake) the server sends a ping packet and the client has a few seconds (the pingTimeout value) to send a pong packet back. ` +
			`If the server does not receive a pong packet back, then it SHOULD consider that the connection is closed.” The client MUST answer every ping in time, or a server ends its session.`,
		Source: "engine.io-protocol v4 §Heartbeat; engine.io-protocol v1 “Client must respond to periodic ping packets sent by the server with pong packets”",
		Steps: []string{"a server with pingInterval 300 ms and pingTimeout 500 ms that ends a session whose pong is late", "connect",
			"expect three pings answered, each within pingTimeout, across the upgrade",
			"expect the session alive and no disconnect reported"},
	}, setup{}, func(r *run) error {
		sess, _, _, err := r.connected("")
		if err != nil {
			return err
		}
		o := r.srv.Options()
		ctx, cancel := r.within(3*r.srv.Heartbeat() + r.replyWait())
		defer cancel()
		pings, err := sess.AwaitPings(ctx, 3)
		if err != nil {
			return r.violation("three pings answered within pingTimeout "+o.PingTimeout.String(), err)
		}
		var worst time.Duration
		for _, p := range pings {
			if !p.Pong.IsZero() {
				worst = max(worst, p.Pong.Sub(p.Sent))
			}
		}
		r.measure("slowest_pong_ms", worst.Milliseconds())
		if ended, why := sess.Ended(); ended {
			return suite.Violationf("the session alive after three heartbeats", "it ended: %s", why)
		}
		if d := r.sink.Reports(); len(d) > 0 {
			for _, rep := range d {
				if rep.Kind == "disconnect" {
					return suite.Violationf("no disconnect while the server pings", "%s", rep)
				}
			}
		}
		return nil
	})

	const interval, timeout = 300 * time.Millisecond, 300 * time.Millisecond
	register(suite.Case{
		ID: "CLIENT-HB-2", Strength: suite.Should,
		Title: "Without pings the client gives up after pingInterval + pingTimeout",
		Requirement: `engine.io-protocol v4 §Heartbeat: “Conversely, if the client does not receive a ping packet within pingInterval + pingTimeout, then it SHOULD consider that the connection is closed.” ` +
			`socket.io docs v4 (client Socket, event “disconnect”): reason “ping timeout” — “The server did not send a PING within the pingInterval + pingTimeout range”.`,
		Source: "engine.io-protocol v4 §Heartbeat; socket.io docs v4 “Client API › Socket › Event: disconnect”",
		Steps: []string{"a server announcing pingInterval 300 ms, pingTimeout 300 ms that never pings", "connect, over long-polling (no upgrade offered)",
			`expect the client's disconnect with reason "ping timeout" 600 ms after it read the open packet: not earlier than 600 ms after the server wrote it, not later than 600 ms (+50 ms scheduling margin) after the client's next request`},
	}, setup{Server: scriptserver.Options{NoPings: true, NoUpgrade: true, PingInterval: interval, PingTimeout: timeout}}, func(r *run) error {
		sess, _, _, err := r.connected("")
		if err != nil {
			return err
		}
		rep, err := r.report("disconnect", 1, kind("disconnect"), 2*r.srv.Heartbeat()+r.replyWait())
		if err != nil {
			return err
		}
		// The client's timer starts when it reads the open packet: after
		// the server wrote it, and before the client's next request. The
		// timeout shows on the wire as its close packet, or else as its
		// report.
		detected := rep.Received
		if ended, at := sess.EndedAt(); ended {
			if _, why := sess.Ended(); why == "client close" {
				detected = at
			}
		}
		read := sess.HeardAt()
		if read.IsZero() || read.After(detected) {
			read = detected
		}
		early, late := detected.Sub(sess.Opened), detected.Sub(read)
		r.measure("disconnect_after_open_ms", early.Milliseconds())
		r.measure("disconnect_after_first_request_ms", late.Milliseconds())
		bound := interval + timeout
		switch {
		case rep.Reason != "ping timeout":
			return suite.Violationf(`disconnect with reason "ping timeout"`, "%s", rep)
		case early < bound-schedEarly:
			return suite.Violationf("disconnect no earlier than pingInterval + pingTimeout ("+bound.String()+") after the open packet", "after %v", early)
		case late > bound+schedMargin+lateLimit:
			return suite.Violationf("disconnect at pingInterval + pingTimeout ("+bound.String()+")", "%v after the client's first request", late)
		case late > bound+schedMargin:
			return suite.NonStrict("ping timeout detected %v after the client's first request, later than pingInterval + pingTimeout = %v (+%v margin)", late, bound, schedMargin)
		}
		return nil
	})
}
