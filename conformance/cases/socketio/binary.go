package socketio

import (
	"fmt"

	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// socket.io-protocol v5 §Packet encoding, binary: BINARY_EVENT and
// BINARY_ACK carry "<# of binary attachments>-" and placeholders
// {"_placeholder":true,"num":n}; the attachments follow as binary
// Engine.IO messages.
func init() {
	ph := placeholder
	const rule = `Binary arguments are replaced by {"_placeholder":true,"num":n} and sent as attachments right after the packet, whose header counts them (5<n>-…); the testee's echo MUST carry the same bytes in the same places, as a BINARY_EVENT or BINARY_ACK.`
	for _, tc := range []struct {
		id, title, text, source, transport string
		attachments                        [][]byte
		ack                                *uint64
		ns                                 string
		want                               []any
	}{
		{"SIO-BIN-1", "Event with two binary attachments",
			fmt.Sprintf(`52-["message",%s,%s]`, ph(0), ph(1)),
			"socket.io-protocol v5 §Packet encoding (“with multiple attachments”); test-suite “message / should send a packet with binary attachments”",
			wire.WebSocket, [][]byte{{1, 2, 3}, {4, 5, 6}}, nil, "/", []any{[]byte{1, 2, 3}, []byte{4, 5, 6}}},
		{"SIO-BIN-2", "Binary event acknowledged with binary",
			fmt.Sprintf(`52-789["message-with-ack",%s,%s]`, ph(0), ph(1)),
			"socket.io-protocol v5 §Acknowledgement (“with binary data”); test-suite “message / should send a packet with binary attachments and an ack”",
			wire.WebSocket, [][]byte{{1, 2, 3}, {4, 5, 6}}, ackID(789), "/", []any{[]byte{1, 2, 3}, []byte{4, 5, 6}}},
		{"SIO-BIN-3", "Binary event over HTTP long-polling",
			fmt.Sprintf(`51-["message",%s,"text"]`, ph(0)),
			"socket.io-protocol v5 §Packet encoding; engine.io-protocol v4 §Packet encoding / HTTP long-polling (binary as b + base64)",
			wire.Polling, [][]byte{{0, 255, 30, 10}}, nil, "/", []any{[]byte{0, 255, 30, 10}, "text"}},
		{"SIO-BIN-4", "Placeholders nested in objects and arrays",
			fmt.Sprintf(`52-["message",{"a":%s,"list":[1,%s]}]`, ph(0), ph(1)),
			"socket.io-protocol v5 §Packet encoding (placeholders replace binary wherever it sits)",
			wire.WebSocket, [][]byte{{9}, {8, 7}}, nil, "/", []any{map[string]any{"a": []byte{9}, "list": []any{1, []byte{8, 7}}}}},
		{"SIO-BIN-5", "Binary event on a custom namespace",
			fmt.Sprintf(`51-/custom,["message",%s]`, ph(0)),
			"socket.io-protocol v5 §Packet encoding (52-/admin,[…] example)",
			wire.WebSocket, [][]byte{{1, 2, 3, 4}}, nil, "/custom", []any{[]byte{1, 2, 3, 4}}},
		{"SIO-BIN-6", "An empty attachment",
			fmt.Sprintf(`51-["message",%s]`, ph(0)),
			"socket.io-protocol v5 §Packet encoding; engine.io-protocol v4 §Packet encoding / WebSocket (binary as is)",
			wire.WebSocket, [][]byte{{}}, nil, "/", []any{[]byte{}}},
		{"SIO-BIN-7", "Placeholders in reverse order",
			fmt.Sprintf(`52-["message",%s,%s]`, ph(1), ph(0)),
			"socket.io-protocol v5 §Packet encoding (num indexes the attachments)",
			wire.WebSocket, [][]byte{{0xA}, {0xB}}, nil, "/", []any{[]byte{0xB}, []byte{0xA}}},
	} {
		steps := []string{tc.transport + " session, join " + tc.ns, fmt.Sprintf("send 4%s then %d binary attachment(s)", tc.text, len(tc.attachments))}
		if tc.ack != nil {
			steps = append(steps, fmt.Sprintf("expect BINARY_ACK %d with the same bytes", *tc.ack))
		} else {
			steps = append(steps, "expect BINARY_EVENT message-back with the same bytes in the same places")
		}
		suite.Register(suite.Case{
			ID: tc.id, Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Title: tc.title,
			Requirement: rule, Source: tc.source, Steps: steps,
			Run: func(c *suite.C) error {
				cl, err := dial(c, tc.transport, false)
				if err != nil {
					return err
				}
				if _, err := join(c, cl, tc.ns, nil); err != nil {
					return err
				}
				if err := sendRaw(c, cl, tc.text, tc.attachments...); err != nil {
					return fault("the binary echo", err)
				}
				if tc.ack != nil {
					return expectAck(c, cl, tc.ns, *tc.ack, tc.want...)
				}
				return expectEcho(c, cl, tc.ns, tc.want...)
			},
		})
	}
}

func ackID(id uint64) *uint64 { return &id }
