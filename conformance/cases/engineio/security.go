package engineio

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// Regressions of engine.io's and ws's security history, and the HTTP and
// RFC 6455 handshake rules they broke. Every case is hostile: after it the
// runner checks that the testee still opens sessions.
func init() {
	suite.Register(
		suite.Case{
			ID: "EIO-SEC-1", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "transport=__proto__ is an unknown transport",
			Requirement: `A transport name is looked up in the server's own table, never through an object's prototype chain: transport=__proto__ is unknown and MUST be refused with HTTP 400 like transport=abc.`,
			Source:      "engine.io-protocol v4 §Query parameters; engine.io Server.verify (transports checked by list); docs/protocol.md §Errors",
			Steps:       []string{"GET /engine.io/?EIO=4&transport=__proto__", "expect 400"},
			Run: func(c *suite.C) error {
				r, err := do(c, newHTTP(c, "polling"), wire.Request{Query: "EIO=4&transport=__proto__"})
				if err != nil {
					return fault("HTTP 400", err)
				}
				c.Observed("HTTP %d %s", r.Status, r.Body)
				return expectStatus(r, http.StatusBadRequest, "HTTP 400")
			},
		},
		suite.Case{
			ID: "EIO-SEC-2", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "WebSocket upgrade with transport=__proto__ is refused",
			Requirement: `An upgrade naming transport=__proto__ MUST be refused (unknown transport) without disturbing the server.`,
			Source:      "engine.io-protocol v4 §WebSocket; CVE-2023-31125 (GHSA-q9mw-68c2-j6m5: an upgrade request crashing engine.io < 6.4.2)",
			Steps:       []string{"open ws /engine.io/?EIO=4&transport=__proto__", "expect the upgrade refused"},
			Run: func(c *suite.C) error {
				return expectWSRefused(c, "EIO=4&transport=__proto__", wire.WSOptions{})
			},
		},
		suite.Case{
			ID: "EIO-SEC-3", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "Prototype names as sid are unknown sessions",
			Requirement: `“The server MUST return an HTTP 400 response if the session ID … is not known”: sids such as __proto__, constructor or hasOwnProperty name no session (engine.io once found them on Object.prototype; it now checks with hasOwn).`,
			Source:      "engine.io-protocol v4 §Receiving data, §Sending data; engine.io Server.verify (hasOwn(this.clients, sid))",
			Steps:       []string{"GET and POST with sid=__proto__, constructor, hasOwnProperty, toString", "expect 400 for each"},
			Run: func(c *suite.C) error {
				h := newHTTP(c, "polling")
				var seen []string
				for _, sid := range []string{"__proto__", "constructor", "hasOwnProperty", "toString"} {
					for _, method := range []string{http.MethodGet, http.MethodPost} {
						req := wire.Request{Method: method, Query: wire.EIOQuery(wire.Polling, sid)}
						if method == http.MethodPost {
							req.Body = []byte("4hello")
						}
						r, err := do(c, h, req)
						if err != nil {
							return fault("HTTP 400 for sid="+sid, err)
						}
						seen = append(seen, fmt.Sprintf("%s %s → %d", method, sid, r.Status))
						if err := expectStatus(r, http.StatusBadRequest, fmt.Sprintf("HTTP 400 to %s with sid=%s", method, sid)); err != nil {
							return err
						}
					}
				}
				c.Observed("%s", strings.Join(seen, ", "))
				return nil
			},
		},
		suite.Case{
			ID: "EIO-SEC-4", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "h2c upgrade request, then a reset",
			Requirement: `An Upgrade to anything but websocket (here h2c, as vulnerability scanners send) MUST NOT be switched to (no 101) and, followed by a connection reset, MUST NOT take the server down — it did in engine.io < 6.2.1.`,
			Source:      "CVE-2022-41940 (GHSA-r7qp-cfhv-p84w, engine.io uncaught ECONNRESET); engine.io PR #658 “Fix unhandled error on HTTP2 upgrade”",
			Steps:       []string{"raw GET /engine.io/?EIO=4&transport=polling with Connection: Upgrade, HTTP2-Settings; Upgrade: h2c", "expect any answer but 101 (or a close)", "send it again and reset the connection at once", "expect a fresh handshake to work"},
			Run: func(c *suite.C) error {
				ctx, cancel := c.Within(reply(c))
				defer cancel()
				h2c := func(conn *wire.RawConn) []byte {
					return wire.BuildRequest(http.MethodGet, path+"?"+wire.EIOQuery(wire.Polling, ""), conn.Host(), [][2]string{
						{"Connection", "Upgrade, HTTP2-Settings"}, {"Upgrade", "h2c"}, {"HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA"}}, nil)
				}
				conn, err := wire.DialRaw(ctx, c.URL(), c.Log, "h2c")
				if err != nil {
					return err
				}
				defer conn.Close()
				if err := conn.Write(h2c(conn)); err != nil {
					return fault("an answer to the h2c request", err)
				}
				r, err := conn.ReadResponse(ctx)
				switch {
				case errors.Is(err, wire.ErrDropped):
					c.Observed("h2c request: connection closed without a response")
				case err != nil:
					return fault("an answer to the h2c request, or a close", err)
				case r.Status == http.StatusSwitchingProtocols:
					return suite.Violationf("no switch to h2c", "HTTP 101 Upgrade: %s", r.Header.Get("Upgrade"))
				default:
					c.Observed("h2c request → HTTP %d", r.Status)
				}
				reset, err := wire.DialRaw(ctx, c.URL(), c.Log, "h2c-reset")
				if err != nil {
					return err
				}
				if err := reset.Write(h2c(reset)); err != nil {
					c.Logf("write failed: %v", err)
				}
				reset.Reset()
				_, err = handshake(c)
				return err
			},
		},
		suite.Case{
			ID: "EIO-SEC-5", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "Invalid frame sent before the 101",
			Requirement: `A client “MUST wait for a response from the server before sending any further data” (RFC 6455 §4.1); one that does not — here with a frame whose RSV2/RSV3 bits are set — MUST get at most a failed connection, never a crashed server (engine.io < 6.1.1 threw outside any handler).`,
			Source:      "RFC 6455 §4.1, §5.2; CVE-2022-21676 (GHSA-273r-mgr4-v34f)",
			Steps:       []string{"send the upgrade request and, in the same write, a text frame with RSV2|RSV3", "expect a refusal, or a 101 followed by a failed connection", "expect a fresh handshake to work"},
			Run: func(c *suite.C) error {
				frame := wire.EncodeFrame(wire.Frame{Fin: true, RSV: wire.RSV2 | wire.RSV3, Op: wire.OpText, Masked: true, Key: wire.NewMaskKey(), Payload: []byte("4early")})
				if err := earlyData(c, frame, false); err != nil {
					return err
				}
				_, err := handshake(c)
				return err
			},
		},
		suite.Case{
			ID: "EIO-SEC-6", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "Valid frame sent before the 101",
			Requirement: `Data sent right after the upgrade request, before the 101 (RFC 6455 §4.1 forbids it to the client), MUST NOT break the server: it is either read as the first frame (the echo comes back) or the connection is closed.`,
			Source:      "RFC 6455 §4.1; CVE-2022-21676 (GHSA-273r-mgr4-v34f)",
			Steps:       []string{"send the upgrade request and, in the same write, a text frame 4early", "expect the open packet then the echo 4early, or a refusal/close", "expect a fresh handshake to work"},
			Run: func(c *suite.C) error {
				frame := wire.EncodeFrame(wire.Frame{Fin: true, Op: wire.OpText, Masked: true, Key: wire.NewMaskKey(), Payload: []byte("4early")})
				if err := earlyData(c, frame, true); err != nil {
					return err
				}
				_, err := handshake(c)
				return err
			},
		},
		suite.Case{
			ID: "EIO-SEC-7", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "application/octet-stream POST",
			Requirement: `In v4 polling bodies are text (binary travels base64-encoded); a POST labelled application/octet-stream MUST either be read like any body (200 ok, packets delivered) or be refused (4xx, the session may close) — never break the server or leave the session half-alive.`,
			Source:      "engine.io-protocol v4 §Headers, §Packet encoding; CVE-2026-59725 (engine.io < 6.6.7: denial of service via invalid binary POST requests)",
			Steps:       []string{"polling handshake", "POST 4hello with Content-Type: application/octet-stream", "expect 200 then the echo, or a refusal; then the session either echoes or is gone"},
			Run: func(c *suite.C) error {
				return octetStream(c, []byte("4hello"))
			},
		},
		suite.Case{
			ID: "EIO-SEC-8", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "application/octet-stream POST of invalid bytes",
			Requirement: `A binary POST body that is no Engine.IO payload at all (invalid UTF-8, a stray record separator) MUST be refused (4xx) and MUST NOT break the server.`,
			Source:      "engine.io-protocol v4 §Headers; CVE-2026-59725 (engine.io < 6.6.7: denial of service via invalid binary POST requests)",
			Steps:       []string{"polling handshake", "POST ff 00 1e fe 4b with Content-Type: application/octet-stream", "expect a 4xx (or a dropped connection)"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				req := s.PollRequest([]byte{0xff, 0x00, 0x1e, 0xfe, '4', 'b'})
				req.Header = http.Header{"Content-Type": {"application/octet-stream"}}
				r, err := do(c, s.HTTP(), req)
				switch {
				case errors.Is(err, wire.ErrDropped):
					c.Observed("dropped: %v", err)
					return nil
				case err != nil:
					return fault("a 4xx", err)
				}
				c.Observed("HTTP %d %q", r.Status, r.Body)
				if r.Status < 400 || r.Status > 499 {
					return suite.Violationf("a 4xx refusal", "HTTP %d %q", r.Status, r.Body)
				}
				return nil
			},
		},
		suite.Case{
			ID: "EIO-SEC-9", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "Polling body over maxPayload is refused (413)",
			Requirement: `A POST body over the announced maxPayload MUST NOT be accepted (engine.io buffered any size until 4.0: a memory exhaustion); engine.io answers 413 Payload Too Large. Another 4xx meets the MUST without the status: NON-STRICT; a dropped connection is a refusal too (RFC 9110 §15.5.14 lets the server close) and is recorded.`,
			Source:      "engine.io-protocol v4 §Handshake (maxPayload); CVE-2020-36048 (GHSA-j4f2-536g-r55m); docs/protocol.md §Errors (413)",
			Steps:       []string{"polling handshake", "POST 4 + maxPayload bytes (Content-Length)", "expect 413"},
			Run:         func(c *suite.C) error { return oversize(c, false) },
		},
		suite.Case{
			ID: "EIO-SEC-10", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "Chunked polling body over maxPayload is refused",
			Requirement: `Without a Content-Length the limit still holds: a chunked POST growing past maxPayload MUST be cut off — 413, or the connection dropped once the limit is crossed.`,
			Source:      "engine.io-protocol v4 §Handshake (maxPayload); CVE-2020-36048 (GHSA-j4f2-536g-r55m)",
			Steps:       []string{"polling handshake", "POST 4 + maxPayload bytes with Transfer-Encoding: chunked", "expect 413 or a dropped connection"},
			Run:         func(c *suite.C) error { return oversize(c, true) },
		},
		suite.Case{
			ID: "EIO-SEC-11", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "Polling request with 2000 headers",
			Requirement: `A request with thousands of headers MUST be answered (served, or refused with 400/431) or closed — not crash or hang the server.`,
			Source:      "CVE-2024-37890 (GHSA-3h5v-q93c-6h6q, ws: a request with more headers than server.maxHeadersCount crashes the server); RFC 6585 §5 (431)",
			Steps:       []string{"raw polling handshake request with 2000 X-Filler headers", "expect an HTTP answer or a close", "expect a fresh handshake to work"},
			Run: func(c *suite.C) error {
				return manyHeaders(c, path+"?"+wire.EIOQuery(wire.Polling, ""), nil)
			},
		},
		suite.Case{
			ID: "EIO-SEC-12", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "WebSocket upgrade with 2000 headers",
			Requirement: `An upgrade request with thousands of headers — the exact ws crash — MUST be answered (101 then a working session, or a refusal) or closed, never crash the server.`,
			Source:      "CVE-2024-37890 (GHSA-3h5v-q93c-6h6q, ws < 8.17.1)",
			Steps:       []string{"raw upgrade request with 2000 X-Filler headers", "expect a refusal, a close, or a 101", "expect a fresh handshake to work"},
			Run: func(c *suite.C) error {
				return manyHeaders(c, path+"?"+wire.EIOQuery(wire.WebSocket, ""), [][2]string{
					{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}, {"Sec-WebSocket-Version", "13"}})
			},
		},
		suite.Case{
			ID: "EIO-SEC-13", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "Malformed request line is not served",
			Requirement: `RFC 9112 §3: “Recipients of an invalid request-line SHOULD respond with either a 400 (Bad Request) error or a 301”; it MUST NOT be served as a request: the answer is a 4xx or a closed connection.`,
			Source:      "RFC 9112 §3",
			Steps:       []string{`send "GET /engine.io/?EIO=4&transport=polling HTTP/1.1 junk"`, "expect a 4xx or a close"},
			Run: func(c *suite.C) error {
				ctx, cancel := c.Within(reply(c))
				defer cancel()
				conn, err := wire.DialRaw(ctx, c.URL(), c.Log, "raw")
				if err != nil {
					return err
				}
				defer conn.Close()
				raw := fmt.Sprintf("GET %s?%s HTTP/1.1 junk\r\nHost: %s\r\n\r\n", path, wire.EIOQuery(wire.Polling, ""), conn.Host())
				if err := conn.Write([]byte(raw)); err != nil {
					return fault("a 4xx or a close", err)
				}
				r, err := conn.ReadResponse(ctx)
				switch {
				case errors.Is(err, wire.ErrDropped):
					c.Observed("connection closed without a response")
					return nil
				case err != nil:
					return fault("a 4xx or a close", err)
				}
				c.Observed("HTTP %d", r.Status)
				if r.Status < 400 || r.Status > 499 {
					return suite.Violationf("a 4xx or a close", "HTTP %d %q", r.Status, r.Body)
				}
				return nil
			},
		},
		suite.Case{
			ID: "EIO-SEC-14", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "Upgrade without Sec-WebSocket-Key is refused",
			Requirement: `RFC 6455 §4.2.1: a handshake without |Sec-WebSocket-Key| does not satisfy the requirements; “the server MUST stop processing the client's handshake and return an HTTP response with an appropriate error code (such as 400 Bad Request)”.`,
			Source:      "RFC 6455 §4.2.1",
			Steps:       []string{"upgrade request with no Sec-WebSocket-Key", "expect an HTTP error status, not 101"},
			Run: func(c *suite.C) error {
				_, err := dialWS(c, wire.EIOQuery(wire.WebSocket, ""), wire.WSOptions{OmitKey: true})
				var status *wire.StatusError
				switch {
				case errors.As(err, &status):
					c.Observed("HTTP %d", status.Status)
					return nil
				case err == nil:
					return suite.Violationf("an HTTP error status", "HTTP 101")
				}
				return fault("an HTTP error status", err)
			},
		},
		suite.Case{
			ID: "EIO-SEC-15", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "Upgrade with an unknown WebSocket version is refused",
			Requirement: `RFC 6455 §4.2.2: if the version “does not match a version understood by the server, the server MUST abort the WebSocket handshake … and instead send an appropriate HTTP error code (such as 426 Upgrade Required) and a |Sec-WebSocket-Version| header field indicating the version(s) the server is capable of understanding”.`,
			Source:      "RFC 6455 §4.2.2, §4.4",
			Steps:       []string{"upgrade request with Sec-WebSocket-Version: 14", "expect an HTTP error status with a Sec-WebSocket-Version header listing 13"},
			Run: func(c *suite.C) error {
				_, err := dialWS(c, wire.EIOQuery(wire.WebSocket, ""), wire.WSOptions{Version: "14"})
				var status *wire.StatusError
				switch {
				case err == nil:
					return suite.Violationf("an HTTP error status", "HTTP 101")
				case !errors.As(err, &status):
					return fault("an HTTP error status", err)
				}
				versions := strings.Join(status.Header.Values("Sec-WebSocket-Version"), ", ")
				c.Observed("HTTP %d, Sec-WebSocket-Version: %q", status.Status, versions)
				if !strings.Contains(versions, "13") {
					return suite.Violationf("a Sec-WebSocket-Version header listing 13", "HTTP %d with Sec-WebSocket-Version %q", status.Status, versions)
				}
				return nil
			},
		},
	)
}

// earlyData sends an upgrade request with frame written right behind it
// and judges what follows: a refusal or a close passes; a session passes
// when it then echoes (echo true) or fails the connection.
func earlyData(c *suite.C, frame []byte, echo bool) error {
	const expected = "a refusal, a failed connection, or (for a valid frame) the open packet and the echo"
	ws, err := dialWS(c, wire.EIOQuery(wire.WebSocket, ""), wire.WSOptions{Early: frame})
	var status *wire.StatusError
	switch {
	case errors.As(err, &status):
		c.Observed("upgrade refused: HTTP %d", status.Status)
		return nil
	case errors.Is(err, wire.ErrDropped):
		c.Observed("connection dropped before a response")
		return nil
	case err != nil:
		return fault(expected, err)
	}
	var seen []string
	for {
		ev, err := nextText(c, ws)
		switch {
		case isClosed(err):
			c.Observed("101, then %q, then %v", seen, err)
			return nil
		case err != nil:
			return fault(expected, err)
		}
		seen = append(seen, string(ev.Data))
		if echo && ev.Op == wire.OpText && string(ev.Data) == "4early" {
			c.Observed("101, then %q: the early frame was read", seen)
			return nil
		}
		if !echo && len(seen) > 1 {
			return suite.Violationf("the connection failed after the invalid early frame", "101, then %q", seen)
		}
	}
}

// octetStream posts body as application/octet-stream and accepts either a
// 200 followed by a working session or a refusal.
func octetStream(c *suite.C, body []byte) error {
	s, err := handshake(c)
	if err != nil {
		return err
	}
	req := s.PollRequest(body)
	req.Header = http.Header{"Content-Type": {"application/octet-stream"}}
	r, err := do(c, s.HTTP(), req)
	switch {
	case errors.Is(err, wire.ErrDropped):
		c.Observed("POST dropped: %v", err)
		return nil
	case err != nil:
		return fault("an answer to the POST", err)
	case r.Status == http.StatusOK:
		c.Observed("read like a text body: 200 %q", r.Body)
		return expectPolled(c, s, []codec.EIOPacket{codec.Text(codec.EIOMessage, "hello")})
	case r.Status >= 400 && r.Status <= 499:
		g, err := do(c, s.HTTP(), s.PollRequest(nil))
		if err != nil {
			return fault("the session either gone or alive", err)
		}
		c.Observed("refused: HTTP %d %q; the session then answers GET with %d %q", r.Status, r.Body, g.Status, g.Body)
		return nil
	}
	return suite.Violationf("200 ok or a 4xx", "HTTP %d %q", r.Status, r.Body)
}

// oversize opens a polling session and posts a body one byte over its
// maxPayload on a raw connection, reading the answer while the body is
// still being written: a server that answers 413 and closes early (RFC 9110
// §15.5.14 allows it) resets the connection once more bytes arrive, and a
// response not read by then is lost. A refusal by a dropped connection
// meets the MUST; it is recorded.
func oversize(c *suite.C, chunked bool) error {
	s, err := handshake(c)
	if err != nil {
		return err
	}
	ctx, cancel := c.Within(reply(c))
	defer cancel()
	conn, err := wire.DialRaw(ctx, c.URL(), c.Log, "post")
	if err != nil {
		return err
	}
	defer conn.Close()
	body := []byte("4" + strings.Repeat("a", s.Open.MaxPayload))
	headers := [][2]string{{"Content-Type", "text/plain;charset=UTF-8"}}
	target := path + "?" + wire.EIOQuery(wire.Polling, s.SID())
	var raw []byte
	if chunked {
		headers = append(headers, [2]string{"Transfer-Encoding", "chunked"})
		raw = wire.BuildRequest(http.MethodPost, target, conn.Host(), headers, nil)
		for chunk := range slices.Chunk(body, 64<<10) {
			raw = fmt.Appendf(raw, "%x\r\n%s\r\n", len(chunk), chunk)
		}
		raw = append(raw, "0\r\n\r\n"...)
	} else {
		raw = wire.BuildRequest(http.MethodPost, target, conn.Host(), headers, body)
	}
	written := make(chan error, 1)
	go func() { written <- conn.Write(raw) }()
	defer func() {
		conn.Close()
		if err := <-written; err != nil {
			c.Logf("the body was cut off: %v", err)
		}
	}()
	r, err := conn.ReadResponse(ctx)
	switch {
	case errors.Is(err, wire.ErrDropped):
		c.Observed("refused by dropping the connection (%v)", err)
		return nil
	case err != nil:
		return fault("HTTP 413", err)
	}
	c.Observed("HTTP %d %q", r.Status, r.Body)
	switch {
	case r.Status == http.StatusRequestEntityTooLarge:
		return nil
	case r.Status >= 200 && r.Status <= 299:
		return suite.Violationf("HTTP 413", "HTTP %d: a body over maxPayload was accepted", r.Status)
	}
	return suite.NonStrict("refused with HTTP %d instead of 413", r.Status)
}

// manyHeaders sends a GET with 2000 filler headers on a raw connection and
// accepts any HTTP answer or a close; a fresh handshake must then work.
func manyHeaders(c *suite.C, target string, extra [][2]string) error {
	ctx, cancel := c.Within(reply(c))
	defer cancel()
	conn, err := wire.DialRaw(ctx, c.URL(), c.Log, "raw")
	if err != nil {
		return err
	}
	defer conn.Close()
	headers := append([][2]string(nil), extra...)
	for i := range 2000 {
		headers = append(headers, [2]string{fmt.Sprintf("X-Filler-%d", i), "x"})
	}
	if err := conn.Write(wire.BuildRequest(http.MethodGet, target, conn.Host(), headers, nil)); err != nil {
		c.Observed("the server closed while the headers were sent: %v", err)
		return nil
	}
	r, err := conn.ReadResponse(ctx)
	switch {
	case errors.Is(err, wire.ErrDropped):
		c.Observed("connection closed without a response")
	case err != nil:
		return fault("an HTTP answer or a close", err)
	default:
		c.Observed("HTTP %d", r.Status)
	}
	_, err = handshake(c)
	return err
}
