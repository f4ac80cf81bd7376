package client

import (
	"fmt"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/scriptserver"
	"socketlab/conformance/internal/suite"
)

// The disconnect reasons socket.io-client gives its application, and which
// of them it reconnects after (socket.io docs v4, client Socket, event
// "disconnect": "io server disconnect" and "io client disconnect" are
// explicit, no automatic reconnection; the others are not).
const reasonsRule = `socket.io docs v4 (client Socket, event “disconnect”): “io server disconnect” — “The server has forcefully disconnected the socket with socket.disconnect()”; ` +
	`“transport close” — “The connection was closed (example: the user has lost connection, or the network was changed from WiFi to 4G)”; “transport error” — “The connection has encountered an error”. ` +
	`“In the first two cases (explicit disconnection), the client will not try to reconnect and you need to manually call socket.connect(). In all other cases, the client will wait for a small random delay and then try to reconnect”. ` +
	`The client MUST give its application the reason, and reconnect — or not — accordingly.`

func disconnectCases() {
	register(suite.Case{
		ID: "CLIENT-DISC-1", Strength: suite.Must,
		Title:       `DISCONNECT from the server: "io server disconnect", no reconnection`,
		Requirement: `socket.io-protocol v5 §Disconnection from a namespace: “At any time, one side can end the connection to a namespace by sending a DISCONNECT packet”. ` + reasonsRule,
		Source:      "socket.io-protocol v5 §Disconnection from a namespace; socket.io docs v4 “Client API › Socket › Event: disconnect”",
		Steps: []string{"connect", "send 41", `expect disconnect with reason "io server disconnect"`,
			"wait twice reconnectionDelayMax: no CONNECT, no handshake"},
	}, setup{}, func(r *run) error {
		sess, _, _, err := r.connected("")
		if err != nil {
			return err
		}
		if err := sess.Send(codec.SIOPacket{Type: codec.SIODisconnect, Namespace: "/"}); err != nil {
			return r.violation("the session open to send DISCONNECT", err)
		}
		rep, err := r.report("disconnect", 1, kind("disconnect"), r.replyWait())
		if err != nil {
			return err
		}
		if rep.Reason != "io server disconnect" {
			return suite.Violationf(`disconnect with reason "io server disconnect"`, "%s", rep)
		}
		if err := r.quiet(2 * reconnectionDelayMax); err != nil {
			return err
		}
		connects := 0
		for _, s := range r.srv.Sessions() {
			for _, p := range s.Packets() {
				if p.Type == codec.SIOConnect {
					connects++
				}
			}
		}
		if n := len(r.srv.Attempts()); n > 1 || connects > 1 {
			return suite.Violationf("no reconnection after a DISCONNECT from the server", "%d handshakes and %d CONNECT packets within %v", n, connects, 2*reconnectionDelayMax)
		}
		return nil
	})

	register(suite.Case{
		ID: "CLIENT-DISC-2", Strength: suite.Must,
		Title:       `Engine.IO close from the server: "transport close", then reconnection`,
		Requirement: `engine.io-protocol v4 §Protocol: close (1) is “Used to indicate that a transport can be closed”. ` + reasonsRule,
		Source:      "engine.io-protocol v4 §Protocol; socket.io docs v4 “Client API › Socket › Event: disconnect”",
		Steps: []string{"a server that offers no upgrade: the close packet comes in a long-polling response", "connect", "send the Engine.IO close packet 1",
			`expect disconnect with reason "transport close"`, "expect a new handshake within the backoff, reconnect_attempt 1, the CONNECT again with the same auth, and connect"},
	}, setup{Server: scriptserver.Options{NoUpgrade: true}}, func(r *run) error {
		sess, _, _, err := r.connected("")
		if err != nil {
			return err
		}
		if err := sess.Close(); err != nil {
			return r.violation("the session open to close it", err)
		}
		return disconnectedAndBack(r, "transport close")
	})

	register(suite.Case{
		ID: "CLIENT-DISC-3", Strength: suite.Must,
		Title:       `Network cut: "transport close" or "transport error", then reconnection`,
		Requirement: reasonsRule,
		Source:      "socket.io docs v4 “Client API › Socket › Event: disconnect”; engine.io-protocol v4 §Heartbeat",
		Steps: []string{"connect, and wait for the upgrade to WebSocket when the client makes it", "close every TCP connection of the session, with no close frame",
			`expect disconnect with reason "transport close" or "transport error"`, "expect a new handshake within the backoff, reconnect_attempt 1, the CONNECT again with the same auth, and connect"},
	}, setup{}, func(r *run) error {
		sess, _, _, err := r.connected("")
		if err != nil {
			return err
		}
		ctx, cancel := r.within(r.replyWait())
		_ = sess.AwaitUpgrade(ctx) // a client that stays on long-polling is cut there
		cancel()
		r.measure("cut_on", sess.Transport())
		sess.Cut()
		return disconnectedAndBack(r, "transport close", "transport error")
	})
}

// disconnectedAndBack checks the first disconnect's reason, then that the
// client reconnects on its own: a new session within the first attempt's
// backoff, reconnect_attempt 1, CONNECT with the auth again, connect,
// reconnect(1).
func disconnectedAndBack(r *run, reasons ...string) error {
	rep, err := r.report("disconnect", 1, kind("disconnect"), r.replyWait())
	if err != nil {
		return err
	}
	ok := false
	for _, want := range reasons {
		ok = ok || rep.Reason == want
	}
	if !ok {
		return suite.Violationf(fmt.Sprintf("disconnect with reason %q", reasons), "%s", rep)
	}
	if rep.Active != nil && !*rep.Active {
		return suite.Violationf("socket.active true after a disconnect the client reconnects from", "%s", rep)
	}
	sess2, err := r.session(2, r.reconnectWait())
	if err != nil {
		return err
	}
	p, err := r.expectConnect(sess2)
	if err != nil {
		return err
	}
	if auth := p.Object(); auth == nil || auth["token"] != r.p.Token {
		return suite.Violationf(`the CONNECT of the reconnection with the auth payload {"token": "`+r.p.Token+`"}`, "%s", p)
	}
	if _, _, err := r.accept(sess2, "", 2); err != nil {
		return err
	}
	if _, err := r.report("reconnect", 1, kind("reconnect"), r.replyWait()); err != nil {
		return err
	}
	reps := r.sink.Reports()
	if got := attemptNumbers(reps, "reconnect_attempt"); len(got) != 1 || got[0] != 1 {
		return suite.Violationf("reconnect_attempt 1, once", "reconnect_attempt %v", got)
	}
	// The first attempt's delay runs from the end of the first session
	// (the close packet written, or the cut) to the second handshake, and
	// on the client's clock from its disconnect to its reconnect_attempt.
	first := r.srv.Sessions()[0]
	_, endedAt := first.EndedAt()
	ds := clientDelays(reps, "disconnect", 1)
	ds[0].server = r.srv.Attempts()[1].Arrived.Sub(endedAt)
	return delayVerdict(r, ds)
}
