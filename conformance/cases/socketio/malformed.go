package socketio

import (
	"context"
	"fmt"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// socket.io-protocol v5 §Packet encoding and §Sending and receiving data:
// packets that do not decode, or whose payload is not what their type
// carries. The server closes the connection (every case is hostile: the
// runner then checks the testee still opens sessions).
func init() {
	for _, tc := range []struct {
		id, title, send, requirement, source string
		strength                             suite.Strength
		attachments                          [][]byte
	}{
		{"SIO-MAL-1", "Unknown packet type closes the connection", "abc",
			`A packet must start with one of the seven types; “4abc” is an invalid format and the server closes the connection.`,
			"socket.io-protocol v5 §Exchange protocol (packet types); test-suite “message / should close the connection upon invalid format (unknown packet type)”",
			suite.Must, nil},
		{"SIO-MAL-2", "Packet type 7 closes the connection", `7["message"]`,
			`Socket.IO v5 has packet types 0–6; type 7 is an invalid format and the server closes the connection.`,
			"socket.io-protocol v5 §Exchange protocol (packet types)",
			suite.Must, nil},
		{"SIO-MAL-3", "EVENT with an object payload closes the connection", "2{}",
			`“The payload is mandatory and MUST be a non-empty array. If that's not the case, then the receiver MUST close the connection.”`,
			"socket.io-protocol v5 §Sending and receiving data; test-suite “message / should close the connection upon invalid format (invalid payload format)”",
			suite.Must, nil},
		{"SIO-MAL-4", "EVENT with an empty array closes the connection", "2[]",
			`“The payload is mandatory and MUST be a non-empty array. If that's not the case, then the receiver MUST close the connection.”`,
			"socket.io-protocol v5 §Sending and receiving data",
			suite.Must, nil},
		{"SIO-MAL-5", "EVENT without a payload closes the connection", "2",
			`“The payload is mandatory and MUST be a non-empty array. If that's not the case, then the receiver MUST close the connection.”`,
			"socket.io-protocol v5 §Sending and receiving data",
			suite.Must, nil},
		{"SIO-MAL-6", "EVENT with invalid JSON closes the connection", `2["message",`,
			`The payload is JSON; an unterminated array is no payload, so the EVENT's “payload is mandatory” rule applies: the receiver MUST close the connection.`,
			"socket.io-protocol v5 §Sending and receiving data, §Packet encoding",
			suite.Must, nil},
		{"SIO-MAL-7", "Binary packet with a bad attachment count closes the connection", `5x-["message"]`,
			`A BINARY_EVENT starts with “<# of binary attachments>-”; a count that is not a number is an invalid format, which closes the connection like the suite's invalid ack id.`,
			"socket.io-protocol v5 §Packet encoding (format)",
			suite.Must, nil},
		{"SIO-MAL-8", "ACK with an object payload closes the connection", `31{}`,
			`For an ACK “The payload is mandatory and MUST be an array”; the spec names no reaction, socket.io-parser rejects it and socket.io closes the connection: a server SHOULD.`,
			"socket.io-protocol v5 §Acknowledgement; socket.io-parser Decoder.isPayloadValid",
			suite.Should, nil},
		{"SIO-MAL-9", "DISCONNECT with a payload closes the connection", `1{"reason":"x"}`,
			`A DISCONNECT carries no payload (“{ type: DISCONNECT, namespace: "/" }”); socket.io-parser rejects one and socket.io closes the connection: a server SHOULD.`,
			"socket.io-protocol v5 §Disconnection from a namespace; socket.io-parser Decoder.isPayloadValid",
			suite.Should, nil},
		{"SIO-MAL-10", "BINARY_EVENT declaring zero attachments closes the connection", `50-["message"]`,
			`A binary packet exists to carry attachments; socket.io-parser rejects a count below 1 (“Illegal attachments”) and closes: a server SHOULD.`,
			"socket.io-protocol v5 §Packet encoding; socket.io-parser Decoder.decodeString",
			suite.Should, nil},
		{"SIO-MAL-11", "Text where an attachment is due closes the connection", fmt.Sprintf(`51-["message",%s]`, placeholder(0)),
			`After a packet announcing attachments the next messages are those attachments; a text packet instead (“got plaintext data when reconstructing a packet”) SHOULD close the connection.`,
			"socket.io-protocol v5 §Packet encoding (“+ binary attachments extracted”); socket.io-parser Decoder.add",
			suite.Should, nil},
		{"SIO-MAL-12", "A binary message nobody announced closes the connection", "",
			`A binary message is only ever an attachment of the packet before it; one that no BINARY_EVENT/BINARY_ACK announced (“got binary data when not reconstructing a packet”) SHOULD close the connection.`,
			"socket.io-protocol v5 §Packet encoding; socket.io-parser Decoder.add",
			suite.Should, [][]byte{{1, 2, 3}}},
	} {
		steps := []string{"WebSocket session, join /"}
		if tc.send != "" {
			steps = append(steps, "send 4"+tc.send)
		}
		if len(tc.attachments) > 0 {
			steps = append(steps, fmt.Sprintf("send %d binary message(s)", len(tc.attachments)))
		}
		steps = append(steps, `send 42["message","probe"]`, "expect the connection closed (and no echo)")
		suite.Register(suite.Case{
			ID: tc.id, Level: suite.LevelSocketIO, On: suite.Testee, Strength: tc.strength, Hostile: true,
			Title: tc.title, Requirement: tc.requirement, Source: tc.source, Steps: steps,
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				switch {
				case tc.send == "":
					hostileBinary(c, cl, tc.attachments...)
				case tc.id == "SIO-MAL-11":
					hostileSend(c, cl, tc.send)
					hostileSend(c, cl, `2["message","plain"]`)
				default:
					hostileSend(c, cl, tc.send, tc.attachments...)
				}
				return expectRefused(c, cl, "/")
			},
		})
	}

	suite.Register(suite.Case{
		ID: "SIO-MAL-13", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
		Title:       "An event for a namespace not joined is never handled",
		Requirement: `A socket exists only after its CONNECT was accepted (“the client MUST send a CONNECT packet” to a namespace first): an EVENT for a namespace the client never joined MUST NOT be handled — it would bypass that namespace's connection checks. socket.io closes the connection; ignoring the packet meets the MUST, but not socket.io's close (NON-STRICT).`,
		Source:      "socket.io-protocol v5 §Connection to a namespace; socket.io Client.ondecoded (“invalid state”)",
		Steps:       []string{"WebSocket session, join / only", `send 42/custom,["message","ghost"]`, `send 42["message","probe"]`, "expect the connection closed; never an echo of ghost"},
		Run: func(c *suite.C) error {
			cl, err := joined(c, wire.WebSocket)
			if err != nil {
				return err
			}
			hostileSend(c, cl, `2/custom,["message","ghost"]`)
			o, err := closedOrServing(c, cl, "/")
			if err != nil {
				return err
			}
			if o == keptConn {
				return suite.NonStrict("the event was ignored (not handled) but the connection kept, where socket.io closes it")
			}
			return nil
		},
	})
}

// hostileBinary sends binary messages on their own, with no packet
// announcing them.
func hostileBinary(c *suite.C, cl *wire.SIO, attachments ...[]byte) {
	for _, a := range attachments {
		if err := do(c, func(ctx context.Context) error { return cl.E.Send(ctx, codec.Bin(a)) }); err != nil {
			c.Logf("send failed (the target may have closed already): %v", err)
		}
	}
}
