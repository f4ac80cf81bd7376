package socketio

import (
	"context"
	"errors"
	"fmt"
	"time"

	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// socket.io-protocol v5 §Connection to a namespace, the refusals: unknown
// namespaces, CONNECT payloads that are not objects, a first packet that
// is not CONNECT, no CONNECT at all.
func init() {
	suite.Register(
		suite.Case{
			ID: "SIO-CERR-1", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "CONNECT to an unknown namespace is refused",
			Requirement: `The server “MUST respond with … a CONNECT_ERROR packet if the connection is not allowed”; the testee knows only / and /custom: 44/random,{"message":"Invalid namespace"}.`,
			Source:      "socket.io-protocol v5 §Connection to a namespace; test-suite “connect / should disallow connection to an unknown namespace”",
			Steps:       []string{"WebSocket session", "send 40/random", `expect 44/random,{"message":"Invalid namespace"}`},
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.WebSocket, false)
				if err != nil {
					return err
				}
				if err := sendRaw(c, cl, "0/random"); err != nil {
					return fault("CONNECT_ERROR", err)
				}
				_, err = expectRaw(c, cl, `4/random,{"message":"Invalid namespace"}`)
				return err
			},
		},
		suite.Case{
			ID: "SIO-CERR-2", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Should,
			Title:       "After a refused namespace the connection still works",
			Requirement: `A CONNECT_ERROR refuses one namespace, not the connection: the client SHOULD be able to CONNECT to another namespace on it (socket.io keeps the connection).`,
			Source:      "socket.io-protocol v5 §Connection to a namespace (multiplexing); docs/protocol.md §What closes a connection (“An unknown namespace is not fatal”)",
			Steps:       []string{"WebSocket session", "send 40/random → expect 44", "send 40 → expect 40{sid} and the auth event"},
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.WebSocket, false)
				if err != nil {
					return err
				}
				_, err = step(c, func(ctx context.Context) (wire.Packet, error) { return cl.Connect(ctx, "/random", nil) })
				var refused *wire.ConnectError
				if !errors.As(err, &refused) {
					return fault("CONNECT_ERROR for /random", err)
				}
				_, err = join(c, cl, "/", nil)
				return err
			},
		},
		suite.Case{
			ID: "SIO-CERR-3", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "An invalid packet instead of CONNECT closes the connection",
			Requirement: `“If the server does not receive a CONNECT packet first, then it MUST close the connection immediately”: 4abc is not even a Socket.IO packet.`,
			Source:      "socket.io-protocol v5 §Connection to a namespace; test-suite “connect / should disallow connection with an invalid handshake”",
			Steps:       []string{"WebSocket session", "send 4abc", "expect the connection closed"},
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.WebSocket, false)
				if err != nil {
					return err
				}
				hostileSend(c, cl, "abc")
				return expectClosed(c, cl, "the connection closed")
			},
		},
		suite.Case{
			ID: "SIO-CERR-4", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "An EVENT instead of CONNECT closes the connection",
			Requirement: `“If the server does not receive a CONNECT packet first, then it MUST close the connection immediately” — and the event is not handled.`,
			Source:      "socket.io-protocol v5 §Connection to a namespace",
			Steps:       []string{"WebSocket session", `send 42["message","too early"]`, "expect the connection closed, no message-back"},
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.WebSocket, false)
				if err != nil {
					return err
				}
				hostileSend(c, cl, `2["message","too early"]`)
				return expectClosed(c, cl, "the connection closed, the event unanswered")
			},
		},
		suite.Case{
			ID: "SIO-CERR-5", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "A client CONNECT_ERROR instead of CONNECT closes the connection",
			Requirement: `CONNECT_ERROR is the server's answer; sent first by a client it is “not a CONNECT packet first”, so the server MUST close the connection — and not crash, as socket.io 2.0 did on a client error packet.`,
			Source:      "socket.io-protocol v5 §Connection to a namespace; socket.io issue #3036 (server crash on a client-sent error packet)",
			Steps:       []string{"WebSocket session", `send 44{"message":"forged"}`, "expect the connection closed"},
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.WebSocket, false)
				if err != nil {
					return err
				}
				hostileSend(c, cl, `4{"message":"forged"}`)
				return expectClosed(c, cl, "the connection closed")
			},
		},
		suite.Case{
			ID: "SIO-CERR-6", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "No CONNECT: the server closes after connectTimeout",
			Requirement: `A connection that never sends CONNECT MUST be closed by the server (the suite's “should close the connection if no handshake is received”); socket.io does it after connectTimeout (1 s on the testee), even while the client answers pings.`,
			Source:      "socket.io-protocol v5 §Connection to a namespace; test-suite “connect / should close the connection if no handshake is received”; docs/protocol.md §The testee (connectTimeout 1 s)",
			Steps:       []string{"WebSocket session at /socket.io/, answering pings, sending nothing", "expect the connection closed; on time within connectTimeout + two heartbeats"},
			Timeout:     30 * time.Second,
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.WebSocket, false)
				if err != nil {
					return err
				}
				opened := time.Now()
				ctx, cancel := c.Within(20 * c.Heartbeat())
				defer cancel()
				ce, err := cl.WaitClosed(ctx)
				if err != nil {
					return fault("the connection closed without a CONNECT", err)
				}
				after := time.Since(opened)
				c.Measure("closed_after_ms", after.Milliseconds())
				c.Observed("%s after %s", ce, after.Round(time.Millisecond))
				if limit := testeeConnectTimeout + 2*c.Heartbeat(); after > limit {
					return suite.NonStrict("closed only after %s (connectTimeout %s + two heartbeats = %s)", after.Round(time.Millisecond), testeeConnectTimeout, limit)
				}
				return nil
			},
		},
	)

	for _, tc := range []struct{ id, title, payload string }{
		{"SIO-CERR-7", "CONNECT with a string payload is refused", `0"string"`},
		{"SIO-CERR-8", "CONNECT with an array payload is refused", `0[1,2]`},
		{"SIO-CERR-9", "CONNECT with a null payload is refused", `0null`},
	} {
		suite.Register(suite.Case{
			ID: tc.id, Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Hostile: true, Title: tc.title,
			Requirement: `The CONNECT payload is “an additional payload” object (socket.io-parser: isObject); any other JSON MUST NOT open the namespace: the server closes the connection (parse error) or answers CONNECT_ERROR.`,
			Source:      "socket.io-protocol v5 §Connection to a namespace, §Packet encoding; socket.io-parser Decoder.isPayloadValid",
			Steps:       []string{"WebSocket session", "send 4" + tc.payload, "expect the connection closed or a CONNECT_ERROR — never a CONNECT"},
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.WebSocket, false)
				if err != nil {
					return err
				}
				hostileSend(c, cl, tc.payload)
				ctx, cancel := c.Within(reply(c))
				defer cancel()
				p, err := cl.AwaitConnect(ctx, "/")
				var refused *wire.ConnectError
				switch {
				case errors.As(err, &refused):
					c.Observed("CONNECT_ERROR %s", refused.Data)
					return nil
				case errors.Is(err, wire.ErrClosed), errors.Is(err, wire.ErrDropped):
					c.Observed("%v", err)
					return nil
				case err != nil:
					return fault("a close or a CONNECT_ERROR", err)
				}
				return suite.Violationf("a close or a CONNECT_ERROR", "%q", p.Raw)
			},
		})
	}

	suite.Register(suite.Case{
		ID: "SIO-CERR-10", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
		Title:       "Prototype names are unknown namespaces",
		Requirement: `Namespaces are looked up in the server's own registry, never on an object's prototype: /__proto__ and /constructor MUST get CONNECT_ERROR "Invalid namespace" like any unknown namespace.`,
		Source:      "socket.io-protocol v5 §Connection to a namespace; socket.io Server._nsps (a Map)",
		Steps:       []string{"WebSocket session", "send 40/__proto__, then 40/constructor,", `expect 44/__proto__,{"message":"Invalid namespace"} and the same for /constructor`},
		Run: func(c *suite.C) error {
			cl, err := dial(c, wire.WebSocket, false)
			if err != nil {
				return err
			}
			for _, ns := range []string{"/__proto__", "/constructor"} {
				hostileSend(c, cl, fmt.Sprintf("0%s,", ns))
				if _, err := expectRaw(c, cl, fmt.Sprintf(`4%s,{"message":"Invalid namespace"}`, ns)); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

// testeeConnectTimeout is the testee's connectTimeout (docs/protocol.md
// §The testee; connectTimeout: 1000 in the Node testee): not announced on
// the wire, so fixed by the testee contract.
const testeeConnectTimeout = time.Second
