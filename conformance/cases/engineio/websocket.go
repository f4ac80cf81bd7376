package engineio

import (
	"bytes"
	"fmt"

	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// engine.io-protocol v4 §WebSocket and §Packet encoding (WebSocket): one
// packet per frame, binary as is; and the RFC 6455 duties every WebSocket
// server has (fragmentation, ping, close).
func init() {
	suite.Register(
		suite.Case{
			ID: "EIO-WS-1", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Text packet round trip over WebSocket",
			Requirement: `“Each Engine.IO packet is sent in its own WebSocket frame”, as <packet type>[<data>]: the testee echoes 4hello as the text frame 4hello.`,
			Source:      "engine.io-protocol v4 §Packet encoding / WebSocket; test-suite “message / WebSocket / sends and receives a plain text packet”",
			Steps:       []string{"WebSocket session", "send text 4hello", "expect text 4hello"},
			Run: func(c *suite.C) error {
				ws, err := rawSession(c)
				if err != nil {
					return err
				}
				if err := ws.SendText("4hello"); err != nil {
					return fault("the echo", err)
				}
				return expectFrame(c, ws, wire.OpText, []byte("4hello"))
			},
		},
		suite.Case{
			ID: "EIO-WS-2", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Binary packet round trip over WebSocket",
			Requirement: `Over WebSocket “Binary payloads are sent as is, without modification”: a binary frame 01 02 03 04 is a binary message, echoed as the binary frame 01 02 03 04.`,
			Source:      "engine.io-protocol v4 §Packet encoding / WebSocket; test-suite “sends and receives a binary packet”",
			Steps:       []string{"WebSocket session", "send binary 01020304", "expect binary 01020304"},
			Run: func(c *suite.C) error {
				ws, err := rawSession(c)
				if err != nil {
					return err
				}
				if err := ws.SendBinary([]byte{1, 2, 3, 4}); err != nil {
					return fault("the echo", err)
				}
				return expectFrame(c, ws, wire.OpBinary, []byte{1, 2, 3, 4})
			},
		},
		suite.Case{
			ID: "EIO-WS-3", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Invalid packet format closes the WebSocket",
			Requirement: `A text frame that is not an Engine.IO packet ("abc": no packet type) is an error that closes the session: the server closes the WebSocket.`,
			Source:      "engine.io-protocol v4 test-suite “message / WebSocket / closes the session upon invalid packet format”",
			Steps:       []string{"WebSocket session", "send text abc", "expect the connection closed"},
			Run: func(c *suite.C) error {
				ws, err := rawSession(c)
				if err != nil {
					return err
				}
				if err := ws.SendText("abc"); err != nil {
					return fault("the connection closed", err)
				}
				_, err = awaitClosed(c, ws, "the connection closed after an invalid packet")
				return err
			},
		},
		suite.Case{
			ID: "EIO-WS-4", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Fragmented text message is reassembled",
			Requirement: `RFC 6455 §5.4: a message MAY be fragmented; the receiver MUST deliver the concatenation — "4hel" + continuation "lo" is the packet 4hello.`,
			Source:      "RFC 6455 §5.4; engine.io-protocol v4 §WebSocket",
			Steps:       []string{"WebSocket session", "send text frame 4hel (FIN=0), continuation lo (FIN=1)", "expect text 4hello"},
			Run: func(c *suite.C) error {
				ws, err := rawSession(c)
				if err != nil {
					return err
				}
				for _, f := range []wire.Frame{
					{Fin: false, Op: wire.OpText, Masked: true, Key: wire.NewMaskKey(), Payload: []byte("4hel")},
					{Fin: true, Op: wire.OpContinuation, Masked: true, Key: wire.NewMaskKey(), Payload: []byte("lo")},
				} {
					if err := ws.WriteFrame(f); err != nil {
						return fault("the echo", err)
					}
				}
				return expectFrame(c, ws, wire.OpText, []byte("4hello"))
			},
		},
		suite.Case{
			ID: "EIO-WS-5", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Ping between fragments is answered, message kept",
			Requirement: `RFC 6455 §5.4: “Control frames MAY be injected in the middle of a fragmented message”; §5.5.2: a Ping MUST be answered with a Pong carrying its data. The binary message around it is delivered whole.`,
			Source:      "RFC 6455 §5.4, §5.5.2",
			Steps:       []string{"WebSocket session", "send binary 0102 (FIN=0), ping \"mid\", continuation 0304 (FIN=1)", `expect a pong "mid" and the binary echo 01020304`},
			Run: func(c *suite.C) error {
				ws, err := rawSession(c)
				if err != nil {
					return err
				}
				for _, f := range []wire.Frame{
					{Fin: false, Op: wire.OpBinary, Masked: true, Key: wire.NewMaskKey(), Payload: []byte{1, 2}},
					{Fin: true, Op: wire.OpPing, Masked: true, Key: wire.NewMaskKey(), Payload: []byte("mid")},
					{Fin: true, Op: wire.OpContinuation, Masked: true, Key: wire.NewMaskKey(), Payload: []byte{3, 4}},
				} {
					if err := ws.WriteFrame(f); err != nil {
						return fault("a pong and the echo", err)
					}
				}
				return expectPong(c, ws, []byte("mid"), &wire.Event{Op: wire.OpBinary, Data: []byte{1, 2, 3, 4}})
			},
		},
		suite.Case{
			ID: "EIO-WS-6", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "WebSocket Ping is answered with a Pong",
			Requirement: `RFC 6455 §5.5.2: “Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response … [with] identical Application data”.`,
			Source:      "RFC 6455 §5.5.2",
			Steps:       []string{"WebSocket session", `send ping "are you there"`, `expect pong "are you there"`},
			Run: func(c *suite.C) error {
				ws, err := rawSession(c)
				if err != nil {
					return err
				}
				if err := ws.Send(wire.OpPing, []byte("are you there")); err != nil {
					return fault("a pong", err)
				}
				return expectPong(c, ws, []byte("are you there"), nil)
			},
		},
		suite.Case{
			ID: "EIO-WS-7", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Client Close is answered with a Close",
			Requirement: `RFC 6455 §5.5.1: “If an endpoint receives a Close frame and did not previously send a Close frame, the endpoint MUST send a Close frame in response”, then the connection (and the session) ends.`,
			Source:      "RFC 6455 §5.5.1",
			Steps:       []string{"WebSocket session", "send Close 1000", "expect a Close frame back, then the end of the connection"},
			Run: func(c *suite.C) error {
				ws, err := rawSession(c)
				if err != nil {
					return err
				}
				if err := ws.SendClose(wire.CloseNormal, "bye"); err != nil {
					return fault("a Close in response", err)
				}
				ce, err := awaitClosed(c, ws, "a Close frame in response")
				if err != nil {
					return err
				}
				if ce.Via != wire.ViaCloseFrame {
					return suite.Violationf("a Close frame in response", "%s", ce)
				}
				return nil
			},
		},
		suite.Case{
			ID: "EIO-WS-8", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "One packet per frame, never batched",
			Requirement: `“Each Engine.IO packet is sent in its own WebSocket frame”: three messages sent back to back come back as three frames, not one payload joined by \x1e.`,
			Source:      "engine.io-protocol v4 §WebSocket, §Packet encoding / WebSocket",
			Steps:       []string{"WebSocket session", "send 4a, 4b, 4c without waiting", "expect three text frames 4a, 4b, 4c"},
			Run: func(c *suite.C) error {
				ws, err := rawSession(c)
				if err != nil {
					return err
				}
				for _, m := range []string{"4a", "4b", "4c"} {
					if err := ws.SendText(m); err != nil {
						return fault("three echoes", err)
					}
				}
				for _, m := range []string{"4a", "4b", "4c"} {
					if err := expectFrame(c, ws, wire.OpText, []byte(m)); err != nil {
						return err
					}
				}
				return nil
			},
		},
		suite.Case{
			ID: "EIO-WS-9", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Multi-byte UTF-8 text over WebSocket",
			Requirement: `“The character encoding is UTF-8 for plain text”: 4€ héllo 😀 is echoed byte for byte in a text frame.`,
			Source:      "engine.io-protocol v4 §Packet encoding",
			Steps:       []string{"WebSocket session", "send text 4€ héllo 😀", "expect the same text back"},
			Run: func(c *suite.C) error {
				ws, err := rawSession(c)
				if err != nil {
					return err
				}
				if err := ws.SendText("4€ héllo 😀"); err != nil {
					return fault("the echo", err)
				}
				return expectFrame(c, ws, wire.OpText, []byte("4€ héllo 😀"))
			},
		},
	)
}

// expectFrame checks that the next data message (pings answered) is op data.
func expectFrame(c *suite.C, ws *wire.WS, op wire.Opcode, data []byte) error {
	expected := fmt.Sprintf("the %s message %q", op, data)
	ev, err := nextText(c, ws)
	if err != nil {
		return fault(expected, err)
	}
	if ev.Op != op || !bytes.Equal(ev.Data, data) {
		return suite.Violationf(expected, "%s %q", ev.Op, ev.Data)
	}
	return nil
}

// expectPong waits for a Pong frame with data — and, when also is not
// nil, for that data message too, in either order (RFC 6455 does not order
// a Pong against other frames) — answering Engine.IO pings on the way.
func expectPong(c *suite.C, ws *wire.WS, data []byte, also *wire.Event) error {
	expected := fmt.Sprintf("a Pong frame %q", data)
	if also != nil {
		expected += fmt.Sprintf(" and the %s message %q", also.Op, also.Data)
	}
	ctx, cancel := c.Within(reply(c))
	defer cancel()
	pong, msg := false, also == nil
	for !pong || !msg {
		ev, err := ws.NextEvent(ctx)
		if err != nil {
			return fault(expected, err)
		}
		switch {
		case ev.Op == wire.OpPong:
			if !bytes.Equal(ev.Data, data) {
				return suite.Violationf(expected, "a Pong %q", ev.Data)
			}
			pong = true
		case ev.Op == wire.OpText && string(ev.Data) == "2":
			if err := ws.SendText("3"); err != nil {
				return fault(expected, err)
			}
		case also != nil && (ev.Op == wire.OpText || ev.Op == wire.OpBinary):
			if ev.Op != also.Op || !bytes.Equal(ev.Data, also.Data) {
				return suite.Violationf(expected, "the %s message %q", ev.Op, ev.Data)
			}
			msg = true
		}
	}
	return nil
}
