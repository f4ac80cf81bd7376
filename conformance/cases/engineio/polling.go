package engineio

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// engine.io-protocol v4 §HTTP long-polling and §Packet encoding (polling):
// payloads joined by the record separator, binary as "b" + base64, one
// GET and one POST at a time.
func init() {
	for _, tc := range []struct {
		id, title, body, source string
		want                    []codec.EIOPacket
	}{
		{"EIO-POLL-1", "One text packet round trip over polling", "4hello",
			"engine.io-protocol v4 §Sending data, §Receiving data; test-suite “sends and receives a payload containing one plain text packet”",
			[]codec.EIOPacket{codec.Text(codec.EIOMessage, "hello")}},
		{"EIO-POLL-2", "Several text packets in one payload", "4test1\x1e4test2\x1e4test3",
			"engine.io-protocol v4 §Packet encoding / HTTP long-polling; test-suite “sends and receives a payload containing several plain text packets”",
			[]codec.EIOPacket{codec.Text(codec.EIOMessage, "test1"), codec.Text(codec.EIOMessage, "test2"), codec.Text(codec.EIOMessage, "test3")}},
		{"EIO-POLL-3", "Text and base64 binary packets in one payload", "4hello\x1ebAQIDBA==",
			"engine.io-protocol v4 §Packet encoding (“Binary payloads MUST be base64-encoded and prefixed with a b character”); test-suite “… plain text and binary packets”",
			[]codec.EIOPacket{codec.Text(codec.EIOMessage, "hello"), codec.Bin([]byte{1, 2, 3, 4})}},
		{"EIO-POLL-4", "Multi-byte UTF-8 text over polling", "4€ héllo 😀\x1e4ok",
			"engine.io-protocol v4 §Packet encoding (“The character encoding is UTF-8”) and §From v3 to v4 (record separator instead of character counts)",
			[]codec.EIOPacket{codec.Text(codec.EIOMessage, "€ héllo 😀"), codec.Text(codec.EIOMessage, "ok")}},
	} {
		suite.Register(suite.Case{
			ID: tc.id, Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Title: tc.title,
			Requirement: `A POST "MUST" be answered "HTTP 200 response, with the string ok in the response body"; the packets it carried (echoed by the testee) come back on the next GET, encoded the same way.`,
			Source:      tc.source,
			Steps:       []string{"polling handshake", fmt.Sprintf("POST %q → expect 200 ok", tc.body), "GET until the echoes arrive → expect the same packets, in order"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				if err := post(c, s, []byte(tc.body)); err != nil {
					return err
				}
				return expectPolled(c, s, tc.want)
			},
		})
	}

	suite.Register(
		suite.Case{
			ID: "EIO-POLL-5", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Invalid packet format closes the session",
			Requirement: `A payload that does not decode closes the session: a later GET gets 400. (The suite's check of the POST's own status sits in a try/catch that swallows it; 400, 200 or a dropped connection are all seen and recorded.)`,
			Source:      "engine.io-protocol v4 test-suite “message / HTTP long-polling / closes the session upon invalid packet format”",
			Steps:       []string{"polling handshake", `POST "abc" (record the answer)`, "GET → expect 400"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				r, err := do(c, s.HTTP(), s.PollRequest([]byte("abc")))
				switch {
				case isClosed(err):
					c.Observed("POST dropped: %v", err)
				case err != nil:
					return fault("an answer to the POST", err)
				default:
					c.Observed("POST → %d %s", r.Status, r.Body)
				}
				return expectSessionGone(c, s, "after an invalid packet")
			},
		},
		suite.Case{
			ID: "EIO-POLL-6", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Duplicate GET polls close the session",
			Requirement: `“a client MUST NOT have more than one active GET request. Should it happen, the server MUST return an HTTP 400 error status and close the session.” (the suite also accepts 500, which the Node.js server once used)`,
			Source:      "engine.io-protocol v4 §Receiving data; test-suite “closes the session upon duplicate poll requests”",
			Steps:       []string{"polling handshake", "two GETs at once", "expect one refused with 400 (or 500)", "GET → expect 400"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				ok, refused, err := duplicateGETs(c, s)
				if err != nil {
					return err
				}
				c.Observed("pending GET → %d %q; duplicate → %d %q", ok.Status, ok.Body, refused.Status, refused.Body)
				if refused.Status != http.StatusBadRequest && refused.Status != http.StatusInternalServerError {
					return suite.Violationf("HTTP 400 (or 500) to the duplicate GET", "HTTP %d %q", refused.Status, refused.Body)
				}
				return expectSessionGone(c, s, "after duplicate GETs")
			},
		},
		suite.Case{
			ID: "EIO-POLL-7", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Should,
			Title:       "Duplicate GET: the pending poll gets a close packet",
			Requirement: `When duplicate GETs close the session, the GET that was pending SHOULD be released with HTTP 200 and the close packet "1" (the official suite asserts this body), so the client learns the session ended.`,
			Source:      "engine.io-protocol v4 test-suite “closes the session upon duplicate poll requests” (content \"1\")",
			Steps:       []string{"polling handshake", "two GETs at once", `expect the one not refused to be 200 "1"`},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				ok, refused, err := duplicateGETs(c, s)
				if err != nil {
					return err
				}
				c.Observed("pending GET → %d %q; duplicate → %d", ok.Status, ok.Body, refused.Status)
				if ok.Status != http.StatusOK || string(ok.Body) != "1" {
					return suite.Violationf(`HTTP 200 "1"`, "HTTP %d %q", ok.Status, ok.Body)
				}
				return nil
			},
		},
		suite.Case{
			ID: "EIO-POLL-8", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Overlapping POSTs close the session",
			Requirement: `“a client MUST NOT have more than one active POST request. Should it happen, the server MUST return an HTTP 400 error status and close the session.”`,
			Source:      "engine.io-protocol v4 §Sending data",
			Steps:       []string{"polling handshake", "start a POST declaring 10 bytes, send 3", "send a second POST while the first is unfinished → expect 400", "GET → expect 400"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				ctx, cancel := c.Within(reply(c))
				defer cancel()
				first, err := wire.DialRaw(ctx, c.URL(), c.Log, "post-1")
				if err != nil {
					return err
				}
				defer first.Close()
				target := path + "?" + wire.EIOQuery(wire.Polling, s.SID())
				head := wire.BuildRequest(http.MethodPost, target, first.Host(), [][2]string{{"Content-Type", "text/plain;charset=UTF-8"}, {"Content-Length", "10"}}, nil)
				if err := first.Write(append(head, "4he"...)); err != nil {
					return fault("the first POST to be read", err)
				}
				// The first POST must be in the server's hands before the
				// second arrives; there is no signal for that, so wait a
				// tenth of a heartbeat (loopback delivers in microseconds).
				if err := pause(c, c.Heartbeat()/5); err != nil {
					return err
				}
				r, err := do(c, newHTTP(c, "post-2"), s.PollRequest([]byte("4second")))
				if err != nil {
					return fault("HTTP 400 to the overlapping POST", err)
				}
				c.Observed("overlapping POST → %d %q", r.Status, r.Body)
				if r.Status != http.StatusBadRequest {
					return suite.Violationf("HTTP 400 to the overlapping POST", "HTTP %d %q", r.Status, r.Body)
				}
				return expectSessionGone(c, s, "after overlapping POSTs")
			},
		},
		suite.Case{
			ID: "EIO-POLL-9", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "An idle GET is held, then answered with packets",
			Requirement: `“The server MAY not respond right away if there are no packets buffered … Once there are some packets to be sent, the server SHOULD encode them … in the response body”: a GET is answered with a valid, non-empty payload (here the next ping), never an empty body.`,
			Source:      "engine.io-protocol v4 §Receiving data, §Packet encoding",
			Steps:       []string{"polling handshake", "GET at once", "expect a decodable, non-empty payload (measure how long it was held)"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				r, err := do(c, s.HTTP(), s.PollRequest(nil))
				if err != nil {
					return fault("a held GET answered with packets", err)
				}
				c.Measure("held_ms", r.Elapsed.Milliseconds())
				if err := expectStatus(r, http.StatusOK, "HTTP 200 with packets"); err != nil {
					return err
				}
				packets, err := r.Packets()
				if err != nil {
					return suite.Violationf("a valid non-empty payload", "%v", err)
				}
				c.Observed("held %s, then %q (%d packets)", r.Elapsed.Round(time.Millisecond), r.Body, len(packets))
				return nil
			},
		},
		suite.Case{
			ID: "EIO-POLL-10", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "A body of exactly maxPayload bytes is accepted",
			Requirement: `maxPayload is “the maximum number of bytes per chunk” the server announced; a POST of exactly that size MUST be accepted like any other (200 ok) and its packet delivered.`,
			Source:      "engine.io-protocol v4 §Handshake (maxPayload), §Sending data",
			Steps:       []string{"polling handshake", `POST "4" + ('a' × maxPayload−1) → expect 200 ok`, "GET → expect the echo of the same size"},
			Timeout:     30 * time.Second,
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				data := strings.Repeat("a", s.Open.MaxPayload-1)
				if err := post(c, s, []byte("4"+data)); err != nil {
					return err
				}
				return expectPolled(c, s, []codec.EIOPacket{codec.Text(codec.EIOMessage, data)})
			},
		},
		suite.Case{
			ID: "EIO-POLL-11", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "A browser's text/plain POST is accepted",
			Requirement: `Browsers send polling bodies as "Content-Type: text/plain;charset=UTF-8"; a plaintext body MUST be read as plaintext (“Without an explicit Content-Type header, the receiver SHOULD infer that the data is plaintext”).`,
			Source:      "engine.io-protocol v4 §Headers",
			Steps:       []string{"polling handshake", `POST "4hi" with Content-Type text/plain;charset=UTF-8 → expect 200 ok`, "GET → expect 4hi"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				req := s.PollRequest([]byte("4hi"))
				req.Header = http.Header{"Content-Type": {"text/plain;charset=UTF-8"}}
				r, err := do(c, s.HTTP(), req)
				if err != nil {
					return fault("HTTP 200 ok", err)
				}
				if r.Status != http.StatusOK || string(r.Body) != "ok" {
					return suite.Violationf("HTTP 200 ok", "HTTP %d %q", r.Status, r.Body)
				}
				return expectPolled(c, s, []codec.EIOPacket{codec.Text(codec.EIOMessage, "hi")})
			},
		},
		suite.Case{
			ID: "EIO-POLL-12", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Packets keep their order across POSTs",
			Requirement: `One POST at a time exists “to ensure packet ordering”: packets of successive POSTs MUST be delivered (and echoed) in the order sent.`,
			Source:      "engine.io-protocol v4 §Sending data",
			Steps:       []string{"polling handshake", "POST 4one, then 4two, then 4three", "GET until three echoes → expect one, two, three"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				var want []codec.EIOPacket
				for _, m := range []string{"one", "two", "three"} {
					if err := post(c, s, []byte("4"+m)); err != nil {
						return err
					}
					want = append(want, codec.Text(codec.EIOMessage, m))
				}
				return expectPolled(c, s, want)
			},
		},
	)
}

// post sends body on the session and expects 200 "ok".
func post(c *suite.C, s *wire.Session, body []byte) error {
	r, err := do(c, s.HTTP(), s.PollRequest(body))
	if err != nil {
		return fault("HTTP 200 ok to the POST", err)
	}
	if r.Status != http.StatusOK || string(r.Body) != "ok" {
		return suite.Violationf("HTTP 200 ok to the POST", "HTTP %d %q", r.Status, clipBody(r.Body))
	}
	return nil
}

// expectPolled GETs until len(want) non-ping packets arrived, answering
// pings on the way, and compares them with want.
func expectPolled(c *suite.C, s *wire.Session, want []codec.EIOPacket) error {
	expected := fmt.Sprintf("the echo %q", clipBody(codec.EncodePayload(want...)))
	var got []codec.EIOPacket
	for len(got) < len(want) {
		r, err := do(c, s.HTTP(), s.PollRequest(nil))
		if err != nil {
			return fault(expected, err)
		}
		if r.Status != http.StatusOK {
			return suite.Violationf(expected, "GET → HTTP %d %q", r.Status, r.Body)
		}
		packets, err := r.Packets()
		if err != nil {
			return suite.Violationf(expected, "an undecodable payload: %v", err)
		}
		for _, p := range packets {
			if p.Type == codec.EIOPing && !p.Binary {
				if err := post(c, s, []byte("3")); err != nil {
					return err
				}
				continue
			}
			got = append(got, p)
		}
	}
	if !bytes.Equal(codec.EncodePayload(got...), codec.EncodePayload(want...)) {
		return suite.Violationf(expected, "%q", clipBody(codec.EncodePayload(got...)))
	}
	return nil
}

// duplicateGETs sends two GETs for the session, the second a twentieth of
// a heartbeat after the first (as the suite's 5 ms), and returns the one
// answered 200 and the other. Which of the two the server sees second does
// not matter: exactly one must be refused.
func duplicateGETs(c *suite.C, s *wire.Session) (ok, refused *wire.Response, err error) {
	ctx, cancel := c.Within(reply(c))
	defer cancel()
	first := s.HTTP().Go(ctx, s.PollRequest(nil))
	if err := pause(c, c.Heartbeat()/20); err != nil {
		return nil, nil, err
	}
	burst := s.PollRequest(nil)
	burst.Query += "&t=burst"
	second := newHTTP(c, "polling-2").Go(ctx, burst)
	a, errA := wire.Await(ctx, first, "the first GET")
	b, errB := wire.Await(ctx, second, "the second GET")
	for _, e := range []error{errA, errB} {
		if e != nil {
			return nil, nil, fault("one GET answered, the other refused", e)
		}
	}
	if a.Status == http.StatusOK {
		return a, b, nil
	}
	if b.Status == http.StatusOK {
		return b, a, nil
	}
	return nil, nil, suite.Violationf("one of the two GETs answered 200", "HTTP %d %q and HTTP %d %q", a.Status, a.Body, b.Status, b.Body)
}

// pause waits d, or less if the case ends: the only waits of this level
// that are not for an event — gaps that order requests the target cannot
// acknowledge.
func pause(c *suite.C, d time.Duration) error {
	ctx, cancel := context.WithTimeout(c.Ctx, d)
	defer cancel()
	<-ctx.Done()
	if c.Ctx.Err() != nil {
		return c.Ctx.Err()
	}
	return nil
}

func clipBody(b []byte) string {
	if len(b) > 160 {
		return fmt.Sprintf("%s… (%d bytes)", b[:160], len(b))
	}
	return string(b)
}
