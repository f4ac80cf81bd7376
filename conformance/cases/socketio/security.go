package socketio

import (
	"fmt"
	"strings"

	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// Regressions of socket.io's and socket.io-parser's security history:
// event names with a meaning of their own, placeholders that index
// something else than the attachments, too many attachments, absurd
// nesting. Every case is hostile.
func init() {
	suite.Register(suite.Case{
		ID: "SIO-SEC-1", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
		Title:       `An event named "error" does not crash the server`,
		Requirement: `"error" is an ordinary event name on the wire; receiving it MUST NOT kill the server (socket.io < 4.6.2 threw an unhandled 'error' event). The connection may be kept (the event unhandled) or closed; recorded.`,
		Source:      "CVE-2024-38355 (GHSA-25hc-qcg6-38wj, socket.io unhandled 'error' event); docs/protocol.md §What closes a connection (error is an ordinary event)",
		Steps:       []string{"WebSocket session, join /", `send 42["error"], then 42["error","boom"]`, `send 42["message","probe"]`, "expect the probe echoed or the connection closed; the server still opens sessions"},
		Run: func(c *suite.C) error {
			cl, err := joined(c, wire.WebSocket)
			if err != nil {
				return err
			}
			hostileSend(c, cl, `2["error"]`)
			hostileSend(c, cl, `2["error","boom"]`)
			_, err = closedOrServing(c, cl, "/")
			return err
		},
	})

	for i, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		suite.Register(suite.Case{
			ID: fmt.Sprintf("SIO-SEC-%d", 2+i), Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Should, Hostile: true,
			Title:       fmt.Sprintf("Reserved event name %q is refused", name),
			Requirement: fmt.Sprintf(`%q has a meaning of its own to socket.io (a lifecycle event, or an EventEmitter hook); a client sending it could fake that event. socket.io-parser rejects reserved names as an invalid payload and the connection closes: a server SHOULD (and MUST NOT crash).`, name),
			Source:      "socket.io-parser RESERVED_EVENTS / Decoder.isPayloadValid; docs/protocol.md §What closes a connection",
			Steps:       []string{"WebSocket session, join /", fmt.Sprintf(`send 42[%q,"x"]`, name), `send 42["message","probe"]`, "expect the connection closed"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				hostileSend(c, cl, fmt.Sprintf(`2[%q,"x"]`, name))
				return expectRefused(c, cl, "/")
			},
		})
	}

	suite.Register(suite.Case{
		ID: "SIO-SEC-8", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Should, Hostile: true,
		Title:       "An object as event name is refused",
		Requirement: `The event name is the first element of the payload; an object there is no name: socket.io-parser rejects it (only strings and numbers pass) and the connection closes — a server SHOULD.`,
		Source:      "socket.io-protocol v5 §Sending and receiving data; socket.io-parser Decoder.isPayloadValid",
		Steps:       []string{"WebSocket session, join /", `send 42[{"toString":"x"},"y"]`, `send 42["message","probe"]`, "expect the connection closed"},
		Run: func(c *suite.C) error {
			cl, err := joined(c, wire.WebSocket)
			if err != nil {
				return err
			}
			hostileSend(c, cl, `2[{"toString":"x"},"y"]`)
			return expectRefused(c, cl, "/")
		},
	})

	for _, tc := range []struct {
		id, title, source string
		num               any
		strength          suite.Strength
	}{
		{"SIO-SEC-9", `Placeholder num "splice" is refused`,
			"CVE-2023-32695 (GHSA-cqmj-92xf-r6r9, socket.io-parser < 4.2.3: num resolved to an array method)", "splice", suite.Must},
		{"SIO-SEC-10", `Placeholder num "__proto__" is refused`,
			"CVE-2023-32695 (GHSA-cqmj-92xf-r6r9); CVE-2022-2421 (GHSA-qm95-pgcg-qqfq, insufficient validation of placeholders)", "__proto__", suite.Must},
		{"SIO-SEC-11", "Placeholder num out of range is refused",
			"CVE-2022-2421 (GHSA-qm95-pgcg-qqfq, socket.io-parser < 4.2.1: out-of-range attachment index)", 5, suite.Must},
		{"SIO-SEC-12", "Negative placeholder num is refused",
			"CVE-2022-2421 (GHSA-qm95-pgcg-qqfq)", -1, suite.Must},
		{"SIO-SEC-13", `Placeholder num "0" (a string) is refused`,
			"CVE-2022-2421 (GHSA-qm95-pgcg-qqfq: type confusion); socket.io-parser reconstructPacket (typeof num === \"number\")", "0", suite.Should},
	} {
		suite.Register(suite.Case{
			ID: tc.id, Level: suite.LevelSocketIO, On: suite.Testee, Strength: tc.strength, Hostile: true,
			Title:       tc.title,
			Requirement: fmt.Sprintf(`A placeholder's num indexes the attachments that follow the packet (0 … count−1). num %s indexes none: the packet is invalid and the connection closes (socket.io-parser throws “illegal attachments”); the value MUST NOT be resolved to anything else or echoed.`, canonical(tc.num)),
			Source:      tc.source,
			Steps:       []string{"WebSocket session, join /", fmt.Sprintf(`send 451-["message",%s] and one attachment`, placeholder(tc.num)), `send 42["message","probe"]`, "expect the connection closed"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				hostileSend(c, cl, fmt.Sprintf(`51-["message",%s]`, placeholder(tc.num)), []byte{1, 2, 3})
				return expectRefused(c, cl, "/")
			},
		})
	}

	suite.Register(
		suite.Case{
			ID: "SIO-SEC-14", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Should, Hostile: true,
			Title:       "More than 10 attachments are refused",
			Requirement: `Each attachment is buffered until the last arrives; socket.io-parser caps a packet at 10 (maxAttachments) and rejects more (“too many attachments”), closing the connection. A server SHOULD bound them likewise.`,
			Source:      "socket.io-parser Decoder (maxAttachments: 10); docs/protocol.md §What closes a connection (more than 10 attachments)",
			Steps:       []string{"WebSocket session, join /", "send 4511-[\"message\",<11 placeholders>] and 11 attachments", `send 42["message","probe"]`, "expect the connection closed"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				var phs []string
				var atts [][]byte
				for i := range 11 {
					phs = append(phs, placeholder(i))
					atts = append(atts, []byte{byte(i)})
				}
				hostileSend(c, cl, fmt.Sprintf(`511-["message",%s]`, strings.Join(phs, ",")), atts...)
				return expectRefused(c, cl, "/")
			},
		},
		suite.Case{
			ID: "SIO-SEC-15", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "Absurdly nested JSON does not crash the decoder",
			Requirement: `A payload nested 100 000 arrays deep (200 kB, well under maxPayload) MUST NOT exhaust the server's stack while it is decoded: it is refused (connection closed) or decoded; the server goes on. The event name is one the testee does not handle, so that what is judged is the server's decoding, not what an application does with such data.`,
			Source:      "socket.io-protocol v5 §Packet encoding (JSON payload); engine.io-protocol v4 §Handshake (maxPayload bounds size, not depth)",
			Steps:       []string{"WebSocket session, join /", `send 42["unhandled",[[[…]]]] nested 100 000 deep`, `send 42["message","probe"]`, "expect the probe echoed or the connection closed; the server still opens sessions"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				const depth = 100_000
				hostileSend(c, cl, `2["unhandled",`+strings.Repeat("[", depth)+strings.Repeat("]", depth)+`]`)
				_, err = closedOrServing(c, cl, "/")
				return err
			},
		},
		suite.Case{
			ID: "SIO-SEC-17", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "A client CONNECT_ERROR on a joined namespace",
			Requirement: `CONNECT_ERROR is sent by servers only; one from a client on a joined namespace MUST NOT crash the server (socket.io 2.0 died on a client error packet) nor be taken for anything: the server closes the connection (socket.io: “invalid state”) or ignores it and goes on serving.`,
			Source:      "socket.io-protocol v5 §Exchange protocol (CONNECT_ERROR: “Used during the connection to a namespace”); socket.io issue #3036",
			Steps:       []string{"WebSocket session, join /", `send 44{"message":"forged"}`, `send 42["message","probe"]`, "expect the probe echoed or the connection closed"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				hostileSend(c, cl, `4{"message":"forged"}`)
				_, err = closedOrServing(c, cl, "/")
				return err
			},
		},
		suite.Case{
			ID: "SIO-SEC-16", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Info, Hostile: true,
			Title:       "A placeholder object in a plain EVENT",
			Requirement: `A plain EVENT has no attachments, so {"_placeholder":true,"num":0} in it is either plain data (socket.io echoes it as is) or refused; it MUST NOT be resolved to some attachment. Recorded.`,
			Source:      "socket.io-protocol v5 §Packet encoding; CVE-2022-2421 (GHSA-qm95-pgcg-qqfq)",
			Steps:       []string{"WebSocket session, join /", fmt.Sprintf(`send 42["message",%s]`, placeholder(0)), "record: echoed as data, or closed"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				hostileSend(c, cl, fmt.Sprintf(`2["message",%s]`, placeholder(0)))
				p, err := next(c, cl)
				switch {
				case err != nil:
					c.Observed("refused: %v", err)
					return nil
				case p.Event() != "message-back":
					c.Observed("answered %q", p.Raw)
					return nil
				case len(p.Attachments) > 0:
					return suite.Violationf("the placeholder echoed as plain data, or refused", "%q with %d attachments", p.Raw, len(p.Attachments))
				}
				c.Observed("echoed as plain data: %q", p.Raw)
				return nil
			},
		},
	)
}
