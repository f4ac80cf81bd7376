package engineio

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// RFC 6455 §5 framing rules a WebSocket server MUST enforce, and the
// WebSocket limits of engine.io (maxPayload → 1009, UTF-8 → 1007). Each
// sends what the rule forbids on an open session and expects the
// connection failed, with the close code RFC 6455 §7.4.1 names.
func init() {
	masked := func(fin bool, rsv byte, op wire.Opcode, payload []byte) wire.Frame {
		return wire.Frame{Fin: fin, RSV: rsv, Op: op, Masked: true, Key: wire.NewMaskKey(), Payload: payload}
	}
	type hostile struct {
		id, title, requirement, source string
		steps                          []string
		codes                          []int
		send                           func(ws *wire.WS, maxPayload int) error
	}
	frames := func(fs ...wire.Frame) func(*wire.WS, int) error {
		return func(ws *wire.WS, _ int) error {
			for _, f := range fs {
				if err := ws.WriteFrame(f); err != nil {
					return err
				}
			}
			return nil
		}
	}
	for _, tc := range []hostile{
		{"EIO-WSH-1", "Invalid UTF-8 text frame fails the connection (1007)",
			`RFC 6455 §8.1: “When an endpoint is to interpret a byte stream as UTF-8 but finds that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint MUST _Fail the WebSocket Connection_”, with status 1007 (§7.4.1).`,
			"RFC 6455 §8.1, §7.4.1; docs/protocol.md §Errors (1007)",
			[]string{`send a text frame 4\xff\xfe`}, []int{wire.CloseInvalidPayload},
			frames(masked(true, 0, wire.OpText, []byte("4\xff\xfe")))},
		{"EIO-WSH-2", "WebSocket message over maxPayload is refused (1009)",
			`maxPayload is the largest message the server takes; a bigger one MUST end the connection, with status 1009 “message that is too big for it to process” (§7.4.1) — the unbounded-message denial of service of ws before 1.1.1.`,
			"engine.io-protocol v4 §Handshake (maxPayload); RFC 6455 §7.4.1; CVE-2016-10542 (ws); docs/protocol.md §Errors (1009)",
			[]string{"send one text frame of maxPayload+1 bytes (4aaa…)"}, []int{wire.CloseTooBig},
			func(ws *wire.WS, max int) error {
				return ws.WriteFrame(masked(true, 0, wire.OpText, []byte("4"+strings.Repeat("a", max))))
			}},
		{"EIO-WSH-3", "Fragmented message over maxPayload is refused (1009)",
			`The limit is on the message, not the frame: fragments of 64 KiB adding up past maxPayload MUST end the connection (1009), or the limit is moot.`,
			"RFC 6455 §5.4, §7.4.1; engine.io-protocol v4 §Handshake (maxPayload)",
			[]string{"send a text message in 64 KiB fragments totalling maxPayload+64 KiB"}, []int{wire.CloseTooBig},
			func(ws *wire.WS, max int) error {
				chunk := bytes.Repeat([]byte("a"), 64<<10)
				if err := ws.WriteFrame(masked(false, 0, wire.OpText, append([]byte("4"), chunk...))); err != nil {
					return err
				}
				for sent := len(chunk); sent <= max; sent += len(chunk) {
					if err := ws.WriteFrame(masked(false, 0, wire.OpContinuation, chunk)); err != nil {
						return err
					}
				}
				return ws.WriteFrame(masked(true, 0, wire.OpContinuation, []byte("a")))
			}},
		{"EIO-WSH-4", "Unmasked client frame fails the connection",
			`RFC 6455 §5.1: “The server MUST close the connection upon receiving a frame that is not masked … a server MAY send a Close frame with a status code of 1002 (protocol error)”.`,
			"RFC 6455 §5.1",
			[]string{"send an unmasked text frame 4hello"}, []int{wire.CloseProtocolError},
			frames(wire.Frame{Fin: true, Op: wire.OpText, Payload: []byte("4hello")})},
		{"EIO-WSH-5", "RSV1 without an extension fails the connection",
			`RFC 6455 §5.2: RSV1–3 “MUST be 0 unless an extension is negotiated that defines meanings for non-zero values. If a nonzero value is received and none of the negotiated extensions defines the meaning of such a nonzero value, the receiving endpoint MUST _Fail the WebSocket Connection_.” (No extension was offered.)`,
			"RFC 6455 §5.2",
			[]string{"send a text frame 4hello with RSV1 set"}, []int{wire.CloseProtocolError},
			frames(masked(true, wire.RSV1, wire.OpText, []byte("4hello")))},
		{"EIO-WSH-6", "RSV2/RSV3 set fails the connection, server survives",
			`RFC 6455 §5.2 (RSV bits MUST be 0 without an extension → Fail the WebSocket Connection); this exact frame threw an uncaught exception in engine.io 4.0–6.1.0 and killed the process.`,
			"RFC 6455 §5.2; CVE-2022-21676 (GHSA-273r-mgr4-v34f, engine.io “RSV2 and RSV3 must be clear”)",
			[]string{"send a text frame 4hello with RSV2 and RSV3 set", "expect the connection failed; the server still accepts sessions"}, []int{wire.CloseProtocolError},
			frames(masked(true, wire.RSV2|wire.RSV3, wire.OpText, []byte("4hello")))},
		{"EIO-WSH-7", "Reserved opcode fails the connection",
			`RFC 6455 §5.2: “If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_.”`,
			"RFC 6455 §5.2",
			[]string{"send a frame with opcode 0x3"}, []int{wire.CloseProtocolError},
			frames(masked(true, 0, 0x3, []byte("4hello")))},
		{"EIO-WSH-8", "64-bit length with the top bit set fails the connection",
			`RFC 6455 §5.2: in the 64-bit length form “the most significant bit MUST be 0”. A server that trusts the length overflows; it MUST fail the connection (1002, or 1009 since no such message can be processed).`,
			"RFC 6455 §5.2, §7.4.1",
			[]string{"send a masked binary frame header declaring 0x8000000000000005 bytes, then 5 bytes"}, []int{wire.CloseProtocolError, wire.CloseTooBig},
			func(ws *wire.WS, _ int) error {
				key := wire.NewMaskKey()
				raw := wire.AppendHeader(nil, true, 0, wire.OpBinary, true, key, 1<<63|5, wire.Len64)
				return ws.WriteRaw(append(raw, 1^key[0], 2^key[1], 3^key[2], 4^key[3], 5^key[0]))
			}},
		{"EIO-WSH-9", "Fragmented Ping fails the connection",
			`RFC 6455 §5.5: “All control frames MUST have a payload length of 125 bytes or less and MUST NOT be fragmented.”`,
			"RFC 6455 §5.5",
			[]string{"send a ping frame with FIN=0"}, []int{wire.CloseProtocolError},
			frames(masked(false, 0, wire.OpPing, []byte("x")))},
		{"EIO-WSH-10", "Ping over 125 bytes fails the connection",
			`RFC 6455 §5.5: control frames “MUST have a payload length of 125 bytes or less”.`,
			"RFC 6455 §5.5",
			[]string{"send a ping frame of 126 bytes"}, []int{wire.CloseProtocolError},
			frames(masked(true, 0, wire.OpPing, bytes.Repeat([]byte("p"), 126)))},
		{"EIO-WSH-11", "Continuation with nothing to continue fails the connection",
			`RFC 6455 §5.4: a fragmented message is one frame with FIN clear and an opcode, then continuation frames; a continuation frame with no message started breaks the framing and MUST fail the connection (§7.1.7).`,
			"RFC 6455 §5.4",
			[]string{"send a continuation frame (FIN=1) first"}, []int{wire.CloseProtocolError},
			frames(masked(true, 0, wire.OpContinuation, []byte("4hello")))},
		{"EIO-WSH-12", "New message inside a fragmented one fails the connection",
			`RFC 6455 §5.4: “The fragments of one message MUST NOT be interleaved between the fragments of another message” (no extension allows it): a text frame while a message is open MUST fail the connection.`,
			"RFC 6455 §5.4",
			[]string{"send text 4he (FIN=0), then a new text frame 4hello"}, []int{wire.CloseProtocolError},
			frames(masked(false, 0, wire.OpText, []byte("4he")), masked(true, 0, wire.OpText, []byte("4hello")))},
	} {
		suite.Register(suite.Case{
			ID: tc.id, Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title: tc.title, Requirement: tc.requirement, Source: tc.source,
			Steps: append(append([]string{"WebSocket session"}, tc.steps...), fmt.Sprintf("expect the connection closed with %v", tc.codes)),
			Run: func(c *suite.C) error {
				ws, open, err := rawSessionOpen(c)
				if err != nil {
					return err
				}
				hostileWrite(c, func() error { return tc.send(ws, open.MaxPayload) })
				return expectFailed(c, ws, tc.title, tc.codes...)
			},
		})
	}

	// A Close frame always ends the connection; what is checked is the
	// server's answering Close: a bad Close is a protocol error (1002) or
	// bad data (1007), not something to echo. Autobahn (7.3.2, 7.5.1, 7.9.x)
	// also accepts dropping the TCP connection.
	for _, tc := range []struct {
		id, title, requirement string
		payload                []byte
		codes                  []int
	}{
		{"EIO-WSH-13", "Close with a forbidden code is answered 1002",
			`RFC 6455 §7.4: 1005 “MUST NOT be set as a status code in a Close control frame by an endpoint”; receiving it is a protocol error, so the answering Close SHOULD carry 1002 rather than echo it.`,
			wire.ClosePayload(wire.CloseNoStatus, ""), []int{wire.CloseProtocolError}},
		{"EIO-WSH-14", "Close with an out-of-range code is answered 1002",
			`RFC 6455 §7.4.2: codes below 1000 are not used; a Close 999 is a protocol error and the answering Close SHOULD carry 1002.`,
			wire.ClosePayload(999, ""), []int{wire.CloseProtocolError}},
		{"EIO-WSH-15", "Close with a one-byte body is answered 1002",
			`RFC 6455 §5.5.1: a Close body, if any, MUST start with a two-byte status code; a one-byte body is a protocol error (answer 1002).`,
			[]byte{0x03}, []int{wire.CloseProtocolError}},
		{"EIO-WSH-16", "Close reason that is not UTF-8 is answered 1007 or 1002",
			`RFC 6455 §5.5.1: the Close reason is UTF-8-encoded data; invalid UTF-8 is inconsistent data (1007) or a protocol error (1002) — Autobahn accepts either.`,
			append(wire.ClosePayload(wire.CloseNormal, ""), 0xff, 0xfe), []int{wire.CloseInvalidPayload, wire.CloseProtocolError}},
	} {
		suite.Register(suite.Case{
			ID: tc.id, Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Should, Hostile: true,
			Title: tc.title, Requirement: tc.requirement, Source: "RFC 6455 §5.5.1, §7.4; Autobahn TestSuite cases 7.3.2, 7.5.1, 7.9.x",
			Steps: []string{"WebSocket session", fmt.Sprintf("send a Close frame with body %x", tc.payload), fmt.Sprintf("expect a Close %v back (or the TCP connection dropped)", tc.codes)},
			Run: func(c *suite.C) error {
				ws, err := rawSession(c)
				if err != nil {
					return err
				}
				hostileWrite(c, func() error {
					return ws.WriteFrame(wire.Frame{Fin: true, Op: wire.OpClose, Masked: true, Key: wire.NewMaskKey(), Payload: tc.payload})
				})
				ce, err := awaitClosed(c, ws, fmt.Sprintf("a Close %v", tc.codes))
				if err != nil {
					return err
				}
				if ce.Via == wire.ViaTCP || (ce.Via == wire.ViaCloseFrame && slices.Contains(tc.codes, ce.Code)) {
					return nil
				}
				return suite.Violationf(fmt.Sprintf("a Close %v (or a dropped connection)", tc.codes), "%s", ce)
			},
		})
	}
}
