package client

import (
	"errors"
	"fmt"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/scriptserver"
	"socketlab/conformance/internal/suite"
)

// engine.io-protocol v4 §Transports and §Upgrade, from the client's side:
// the long-polling rules that keep packets in order, and the upgrade to
// WebSocket. The scripted server notes every breach it sees on the wire.
func transportCases() {
	register(suite.Case{
		ID: "CLIENT-EIO-1", Strength: suite.Must,
		Title: "Long-polling: one GET and one POST at a time, sid on every request, order kept",
		Requirement: `engine.io-protocol v4 §HTTP long-polling: “To ensure packet ordering, a client MUST NOT have more than one active POST request”; “a client MUST NOT have more than one active GET request”; ` +
			`§Handshake: “The client MUST send the sid value in the query parameters of all subsequent requests”; §Query parameters: EIO “Mandatory”.`,
		Source: "engine.io-protocol v4 §HTTP long-polling (Sending data, Receiving data), §Handshake, §Query parameters",
		Steps: []string{"a server that offers no upgrade: the session stays on long-polling", "connect",
			`send five "echo" events at once, the 2nd and 4th with ack ids`,
			"expect five echo-back events in the order sent, and both ACKs", "expect three pings answered meanwhile",
			"the server saw no second GET or POST in flight, no request without the sid or EIO=4"},
	}, setup{Server: scriptserver.Options{NoUpgrade: true}}, func(r *run) error {
		sess, _, _, err := r.connected("")
		if err != nil {
			return err
		}
		for i := 1; i <= 5; i++ {
			var ack *uint64
			if i%2 == 0 {
				ack = codec.Ack(uint64(100 + i))
			}
			if err := sess.Emit(ack, "echo", i); err != nil {
				return r.violation("the session open to send an event", err)
			}
		}
		ctx, cancel := r.within(r.replyWait())
		defer cancel()
		for i := 1; i <= 5; i++ {
			p, err := sess.Expect(ctx, fmt.Sprintf("echo-back %d", i), func(p scriptserver.Packet) bool {
				a := p.Array()
				return p.Type == codec.SIOEvent && len(a) > 0 && sameJSON(a[0], []byte(`"echo-back"`))
			})
			if err != nil {
				return r.violation("five echo-back events", err)
			}
			if a := p.Array(); len(a) != 2 || !sameJSON(a[1], []byte(fmt.Sprint(i))) {
				return suite.Violationf(fmt.Sprintf(`echo-back %d (packets in the order they were emitted)`, i), "%s", p)
			}
		}
		acks := 0
		for _, p := range sess.Packets() {
			if p.Type == codec.SIOAck {
				acks++
			}
		}
		if acks != 2 {
			// The ACKs may still be on their way: wait for them.
			for acks < 2 {
				if _, err := sess.Expect(ctx, "ACK", func(p scriptserver.Packet) bool { return p.Type == codec.SIOAck }); err != nil {
					return r.violation("two ACK packets", err)
				}
				acks++
			}
		}
		pctx, pcancel := r.within(3*r.srv.Heartbeat() + r.replyWait())
		defer pcancel()
		if _, err := sess.AwaitPings(pctx, 3); err != nil {
			return r.violation("three pings answered on long-polling", err)
		}
		if vs := r.srv.Violations(); len(vs) > 0 {
			return suite.Violationf("no breach of the long-polling rules", "%d breaches: %s", len(vs), vs)
		}
		return nil
	})

	register(suite.Case{
		ID: "CLIENT-UPGRADE-1", Strength: suite.Must,
		Title: "The upgrade from long-polling to WebSocket completes",
		Requirement: `engine.io-protocol v4 §Upgrade: “By default, the client SHOULD create an HTTP long-polling connection, and then upgrade to better transports if available.” “To upgrade to WebSocket, the client MUST: ` +
			`pause the HTTP long-polling transport (no more HTTP request gets sent), to ensure that no packet gets lost; open a WebSocket connection with the same session ID; send a ping packet with the string probe in the payload”, and “Finally, the client MUST send a upgrade packet to complete the upgrade”.`,
		Source: "engine.io-protocol v4 §Upgrade, §Handshake",
		Steps: []string{`a server that offers "upgrades":["websocket"]`, "connect", "expect the first handshake over long-polling (SHOULD)",
			"expect WebSocket ?sid=…, 2probe (answered 3probe, the pending GET released with a noop), then 5",
			"expect no long-polling request after the upgrade", `send 42["echo",…] and expect the echo-back over the WebSocket`},
	}, setup{}, func(r *run) error {
		sess, _, _, err := r.connected("")
		if err != nil {
			return err
		}
		if first := r.srv.Attempts()[0]; first.Transport != "polling" {
			return suite.NonStrict("the client opened with %s, not long-polling: the upgrade does not apply (SHOULD start with long-polling)", first.Transport)
		}
		ctx, cancel := r.within(r.replyWait())
		defer cancel()
		if err := sess.AwaitUpgrade(ctx); err != nil {
			var ee *scriptserver.EndedError
			if sess.ProbedAt().IsZero() && !errors.As(err, &ee) {
				return suite.NonStrict("no upgrade attempt within %v of the open packet (SHOULD upgrade when the server offers it)", r.replyWait())
			}
			return r.violation("the upgrade completed: 2probe, then the upgrade packet 5", err)
		}
		r.measure("upgrade_ms", sess.UpgradedAt().Sub(sess.Opened).Milliseconds())
		if err := echoed(r, sess, codec.Ack(1), []any{"over", "websocket"}); err != nil {
			return err
		}
		for _, p := range sess.Packets() {
			if p.Type == codec.SIOEvent && p.At.After(sess.UpgradedAt()) && p.Transport != "websocket" {
				return suite.Violationf("packets over the WebSocket after the upgrade", "%s over %s", p, p.Transport)
			}
		}
		if vs := r.srv.Violations(); len(vs) > 0 {
			return suite.Violationf("no breach of the upgrade rules", "%d breaches: %s", len(vs), vs)
		}
		return nil
	})
	register(suite.Case{
		ID: "CLIENT-WS-1", Strength: suite.Optional,
		Title: "A WebSocket-only client opens its session on the WebSocket",
		Requirement: `engine.io-protocol v4 §Handshake: “To establish a connection, the client MUST send an HTTP GET request to the server: HTTP long-polling first (by default), [or a] WebSocket-only session: GET /engine.io/?EIO=4&transport=websocket → HTTP 101”; ` +
			`over a direct WebSocket the open packet is the first frame. socket.io docs v4 client option transports: ["websocket"]. Optional: a client without the option is UNIMPLEMENTED; one with it must connect, exchange events and answer pings over the WebSocket alone.`,
		Source: "engine.io-protocol v4 §Handshake (“WebSocket-only session”), §WebSocket; socket.io docs v4 “Client options” (transports)",
		Steps: []string{"give the client transports [websocket]", "expect the handshake over WebSocket, no long-polling request",
			"connect", `send 421["echo","ws"], expect the echo-back and 431["ws"]`, "expect two pings answered"},
	}, setup{Transports: []string{"websocket"}}, func(r *run) error {
		sess, err := r.session(1, startupWait)
		if err != nil {
			return err
		}
		if first := r.srv.Attempts()[0]; first.Transport != "websocket" {
			return suite.Unimplemented("the client opened with %s although given transports [websocket]", first.Transport)
		}
		if _, err := r.expectConnect(sess); err != nil {
			return err
		}
		if _, _, err := r.accept(sess, "", 1); err != nil {
			return err
		}
		if err := echoed(r, sess, codec.Ack(1), []any{"ws"}); err != nil {
			return err
		}
		ctx, cancel := r.within(2*r.srv.Heartbeat() + r.replyWait())
		defer cancel()
		if _, err := sess.AwaitPings(ctx, 2); err != nil {
			return r.violation("two pings answered over the WebSocket", err)
		}
		for _, a := range r.srv.Attempts() {
			if a.Transport != "websocket" {
				return suite.Violationf("no long-polling request from a WebSocket-only client", "a %s handshake", a.Transport)
			}
		}
		if vs := r.srv.Violations(); len(vs) > 0 {
			return suite.Violationf("no breach of the Engine.IO rules", "%d breaches: %s", len(vs), vs)
		}
		return nil
	})
}
