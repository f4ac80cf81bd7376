package engineio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// engine.io-protocol v4 §Heartbeat: the server pings every pingInterval,
// the client answers within pingTimeout or the session ends.
func init() {
	suite.Register(
		suite.Case{
			ID: "EIO-HB-1", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Polling: the server pings, the pong keeps the session",
			Requirement: `“At a given interval (the pingInterval value sent in the handshake) the server sends a ping packet and the client has a few seconds (the pingTimeout value) to send a pong packet back.” Over polling the ping is the body of a GET; the pong is POSTed.`,
			Source:      "engine.io-protocol v4 §Heartbeat; test-suite “heartbeat / HTTP long-polling / sends ping/pong packets”",
			Steps:       []string{"polling handshake", "3 times: GET → expect \"2\"; POST \"3\" → expect 200"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				for i := range 3 {
					r, err := do(c, s.HTTP(), s.PollRequest(nil))
					if err != nil {
						return fault(fmt.Sprintf("ping %d", i+1), err)
					}
					if r.Status != http.StatusOK || string(r.Body) != "2" {
						return suite.Violationf(fmt.Sprintf(`ping %d: HTTP 200 "2"`, i+1), "HTTP %d %q", r.Status, r.Body)
					}
					if err := post(c, s, []byte("3")); err != nil {
						return err
					}
				}
				return nil
			},
		},
		suite.Case{
			ID: "EIO-HB-2", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Should,
			Title:       "Polling: no pong, the session ends",
			Requirement: `“If the server does not receive a pong packet back, then it SHOULD consider that the connection is closed”: pingInterval + pingTimeout after the handshake the session is gone (the suite then expects 400).`,
			Source:      "engine.io-protocol v4 §Heartbeat; test-suite “heartbeat / HTTP long-polling / closes the session upon ping timeout”",
			Steps:       []string{"polling handshake", "GET → the ping; do not answer", "GET until the session ends (close packet or 400)", "expect it within a heartbeat and a half of the handshake"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				opened := time.Now()
				ctx, cancel := c.Within(4 * c.Heartbeat())
				defer cancel()
				for {
					r, err := s.HTTP().Do(ctx, s.PollRequest(nil))
					if err != nil {
						if errors.Is(err, wire.ErrTimeout) {
							return suite.Violationf("the session closed after the missed pong", "still open %s after the handshake", time.Since(opened).Round(time.Millisecond))
						}
						return fault("the session closed", err)
					}
					closedBy := ""
					switch {
					case r.Status != http.StatusOK:
						closedBy = fmt.Sprintf("HTTP %d", r.Status)
					case string(r.Body) == "1" || bytesHasClose(r.Body):
						closedBy = "a close packet"
					}
					if closedBy != "" {
						return onTime(c, time.Since(opened), "session closed by "+closedBy)
					}
				}
			},
		},
		suite.Case{
			ID: "EIO-HB-3", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "WebSocket: the server pings, the pong keeps the session",
			Requirement: `The server sends a ping packet every pingInterval and the session goes on while the client answers each with a pong.`,
			Source:      "engine.io-protocol v4 §Heartbeat; test-suite “heartbeat / WebSocket / sends ping/pong packets”",
			Steps:       []string{"WebSocket session", `3 times: expect "2", send "3"`},
			Run: func(c *suite.C) error {
				s, err := openWS(c, true)
				if err != nil {
					return err
				}
				_, err = pings(c, s, 3)
				return err
			},
		},
		suite.Case{
			ID: "EIO-HB-4", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Should,
			Title:       "WebSocket: no pong, the connection ends",
			Requirement: `“If the server does not receive a pong packet back, then it SHOULD consider that the connection is closed”: the WebSocket is closed about pingInterval + pingTimeout after the handshake.`,
			Source:      "engine.io-protocol v4 §Heartbeat; test-suite “heartbeat / WebSocket / closes the session upon ping timeout”",
			Steps:       []string{"WebSocket session; never answer pings", "expect the connection closed within a heartbeat and a half"},
			Run: func(c *suite.C) error {
				s, err := openWS(c, true)
				if err != nil {
					return err
				}
				opened := time.Now()
				ctx, cancel := c.Within(4 * c.Heartbeat())
				defer cancel()
				ce, err := s.WaitClosed(ctx)
				if err != nil {
					return fault("the connection closed after the missed pong", err)
				}
				return onTime(c, time.Since(opened), ce.Error())
			},
		},
		suite.Case{
			ID: "EIO-HB-5", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Should,
			Title:       "Pings come every pingInterval",
			Requirement: `The server sends a ping “at a given interval (the pingInterval value)”, and a client “SHOULD consider that the connection is closed” without a ping within pingInterval + pingTimeout: so each ping SHOULD come no sooner than about pingInterval and no later than pingInterval + pingTimeout after the previous one (or the handshake).`,
			Source:      "engine.io-protocol v4 §Heartbeat",
			Steps:       []string{"WebSocket session, answering pings", "time 4 pings", "expect every gap in [0.8 × pingInterval, pingInterval + pingTimeout]"},
			Run: func(c *suite.C) error {
				s, err := openWS(c, true)
				if err != nil {
					return err
				}
				gaps, err := pings(c, s, 4)
				if err != nil {
					return err
				}
				interval := time.Duration(s.Open.PingInterval) * time.Millisecond
				limit := interval + time.Duration(s.Open.PingTimeout)*time.Millisecond
				var ms []int64
				for _, g := range gaps {
					ms = append(ms, g.Milliseconds())
				}
				c.Measure("ping_gaps_ms", ms)
				for _, g := range gaps {
					if g < interval*8/10 || g > limit {
						return suite.Violationf(fmt.Sprintf("gaps between %s and %s", interval*8/10, limit), "gaps %v ms", ms)
					}
				}
				return nil
			},
		},
		suite.Case{
			ID: "EIO-HB-7", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "The pings follow the announced pingInterval",
			Requirement: `The handshake's pingInterval MUST be the interval the server really pings at: “at a given interval (the pingInterval value sent in the handshake) the server sends a ping packet”. Clients size their own timeout from it, so a server that pings far off the announced schedule is either dropped by every client (too slow) or announces nonsense (too fast).`,
			Source:      "engine.io-protocol v4 §Handshake (pingInterval), §Heartbeat",
			Steps: []string{"WebSocket session, answering pings", "time 4 pings",
				"expect the median gap in [0.5 × pingInterval, pingInterval + pingTimeout + 250 ms] (wide bounds, and the median, so that a harness starved for a moment does not decide: EIO-HB-5 judges each gap)"},
			Run: func(c *suite.C) error {
				s, err := openWS(c, true)
				if err != nil {
					return err
				}
				gaps, err := pings(c, s, 4)
				if err != nil {
					return err
				}
				interval := time.Duration(s.Open.PingInterval) * time.Millisecond
				low, high := interval/2, interval+time.Duration(s.Open.PingTimeout)*time.Millisecond+250*time.Millisecond
				var ms []int64
				for _, g := range gaps {
					ms = append(ms, g.Milliseconds())
				}
				c.Measure("ping_gaps_ms", ms)
				sorted := slices.Sorted(slices.Values(gaps))
				if median := sorted[len(sorted)/2]; median < low || median > high {
					return suite.Violationf(fmt.Sprintf("a median gap between %s and %s (announced pingInterval %s)", low, high, interval), "gaps %v ms, median %v", ms, median)
				}
				return nil
			},
		},
		suite.Case{
			ID: "EIO-HB-6", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Info,
			Title:       "A ping sent by the client",
			Requirement: `In v4 “the ping packets are now sent by the server”; what a server does with a client ping is not specified (engine.io closes the session: "invalid heartbeat direction"). Recorded.`,
			Source:      "engine.io-protocol v4 §From v3 to v4 (reverse ping/pong mechanism)",
			Steps:       []string{"WebSocket session", `send "2"`, "record: pong, session closed, or ignored"},
			Run: func(c *suite.C) error {
				s, err := openWS(c, false)
				if err != nil {
					return err
				}
				if err := send(c, s, codec.Text(codec.EIOPing, "")); err != nil {
					return fault("an answer", err)
				}
				if err := send(c, s, codec.Text(codec.EIOMessage, "after-ping")); err != nil {
					c.Observed("the write after the ping failed: %v", err)
					return nil
				}
				p, err := step(c, func(ctx context.Context) (codec.EIOPacket, error) { return s.Recv(ctx) })
				switch {
				case isClosed(err):
					c.Observed("session closed: %v", err)
				case err != nil:
					c.Observed("%v", err)
				case p.Type == codec.EIOPong:
					c.Observed("answered with a pong")
				default:
					c.Observed("ignored; next packet %q", codec.EncodeText(p))
				}
				return nil
			},
		},
	)
}

// pings waits for n server pings on a ManualPing session, answering each,
// and returns the gaps before each (the first from the open).
func pings(c *suite.C, s *wire.Session, n int) ([]time.Duration, error) {
	last := time.Now()
	var gaps []time.Duration
	for i := range n {
		ctx, cancel := c.Within(2 * c.Heartbeat())
		p, err := s.Recv(ctx)
		cancel()
		if err != nil {
			return gaps, fault(fmt.Sprintf(`ping %d ("2")`, i+1), err)
		}
		if p.Binary || p.Type != codec.EIOPing || len(p.Data) != 0 {
			return gaps, suite.Violationf(fmt.Sprintf(`ping %d ("2")`, i+1), "%q", codec.EncodeText(p))
		}
		gaps = append(gaps, time.Since(last))
		last = time.Now()
		if err := send(c, s, codec.Text(codec.EIOPong, "")); err != nil {
			return gaps, fault("the session to take the pong", err)
		}
	}
	return gaps, nil
}

// onTime judges when a session ended after a missed pong: on time within a
// heartbeat and a half of the handshake (pingInterval + pingTimeout, plus
// half a heartbeat for scheduling); later is NON-STRICT with the figure.
func onTime(c *suite.C, after time.Duration, how string) error {
	c.Measure("closed_after_ms", after.Milliseconds())
	c.Observed("%s after %s", how, after.Round(time.Millisecond))
	if limit := c.Heartbeat() * 3 / 2; after > limit {
		return suite.NonStrict("%s only after %s (pingInterval + pingTimeout = %s)", how, after.Round(time.Millisecond), c.Heartbeat())
	}
	return nil
}

// bytesHasClose reports whether a polling body holds a close packet.
func bytesHasClose(body []byte) bool {
	packets, err := codec.DecodePayload(body)
	if err != nil {
		return false
	}
	for _, p := range packets {
		if p.Type == codec.EIOClose && !p.Binary {
			return true
		}
	}
	return false
}
