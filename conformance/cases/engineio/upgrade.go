package engineio

import (
	"context"
	"net/http"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// engine.io-protocol v4 §Upgrade: probe, noop to the pending GET, upgrade
// packet; afterwards the session lives on the WebSocket only.
func init() {
	suite.Register(
		suite.Case{
			ID: "EIO-UP-1", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Upgrade: probe answered, pending GET released with noop",
			Requirement: `The server MUST “send a noop packet to any pending GET request (if applicable) to cleanly close HTTP long-polling transport” and “respond with a pong packet with the string probe in the payload”; after the client's upgrade packet the session runs over the WebSocket.`,
			Source:      "engine.io-protocol v4 §Upgrade",
			Steps:       []string{"polling handshake", "GET (left pending)", "open ws with the sid; send 2probe → expect 3probe", `expect the pending GET → 200 "6"`, "send 5, then 4hello → expect 4hello over the WebSocket"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				ctx, cancel := c.Within(reply(c))
				defer cancel()
				pending := s.HTTP().Go(ctx, s.PollRequest(nil))
				if err := pause(c, c.Heartbeat()/20); err != nil {
					return err
				}
				ws, err := probe(c, s)
				if err != nil {
					return err
				}
				g, err := wire.Await(ctx, pending, "the pending GET")
				if err != nil {
					return fault(`the pending GET released with HTTP 200 "6"`, err)
				}
				c.Observed("pending GET → %d %q", g.Status, g.Body)
				if g.Status != http.StatusOK || !noopOnly(g.Body) {
					return suite.Violationf(`the pending GET released with HTTP 200 "6"`, "HTTP %d %q", g.Status, g.Body)
				}
				return finishAndEcho(c, ws)
			},
		},
		suite.Case{
			ID: "EIO-UP-2", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Upgrade: a GET during the upgrade gets noop",
			Requirement: `While the upgrade is under way, a polling GET is answered with the noop packet (the official suite polls after the probe and expects "6"), then the upgrade packet completes the upgrade.`,
			Source:      "engine.io-protocol v4 §Upgrade; test-suite “upgrade / successfully upgrades from HTTP long-polling to WebSocket”",
			Steps:       []string{"polling handshake", "open ws with the sid; send 2probe → expect 3probe", `GET → expect 200 "6"`, "send 5, then 4hello → expect 4hello"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				ws, err := probe(c, s)
				if err != nil {
					return err
				}
				g, err := do(c, s.HTTP(), s.PollRequest(nil))
				if err != nil {
					return fault(`HTTP 200 "6"`, err)
				}
				c.Observed("GET during the upgrade → %d %q", g.Status, g.Body)
				if g.Status != http.StatusOK || !noopOnly(g.Body) {
					return suite.Violationf(`HTTP 200 "6"`, "HTTP %d %q", g.Status, g.Body)
				}
				return finishAndEcho(c, ws)
			},
		},
		suite.Case{
			ID: "EIO-UP-3", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "After the upgrade a polling GET is refused",
			Requirement: `Once upgraded, the session is on the WebSocket; a polling GET with its sid is refused with HTTP 400 (the suite: “ignores HTTP requests with same sid after upgrade”) and the WebSocket goes on.`,
			Source:      "engine.io-protocol v4 §Upgrade; test-suite “upgrade / ignores HTTP requests with same sid after upgrade”",
			Steps:       []string{"polling handshake, upgrade (2probe, 3probe, 5), one echo over ws", "GET → expect 400", "4hello over ws → expect 4hello"},
			Run: func(c *suite.C) error {
				s, err := upgraded(c)
				if err != nil {
					return err
				}
				r, err := do(c, newHTTP(c, "polling-after"), s.PollRequest(nil))
				if err != nil {
					return fault("HTTP 400", err)
				}
				if err := expectStatus(r, http.StatusBadRequest, "HTTP 400 to a GET after the upgrade"); err != nil {
					return err
				}
				return stillServes(c, s, "over the WebSocket")
			},
		},
		suite.Case{
			ID: "EIO-UP-4", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "After the upgrade a second WebSocket is refused",
			Requirement: `“A client MUST NOT open more than one WebSocket connection per session. Should it happen, the server MUST close the WebSocket connection.” The first WebSocket goes on.`,
			Source:      "engine.io-protocol v4 §WebSocket; test-suite “upgrade / ignores WebSocket connection with same sid after upgrade”",
			Steps:       []string{"polling handshake, upgrade, one echo over ws", "open a second ws with the sid → expect it refused or closed", "4hello over the first ws → expect 4hello"},
			Run: func(c *suite.C) error {
				s, err := upgraded(c)
				if err != nil {
					return err
				}
				if err := expectWSRefused(c, wire.EIOQuery(wire.WebSocket, s.SID()), wire.WSOptions{Name: "ws-2"}); err != nil {
					return err
				}
				return stillServes(c, s, "on the first WebSocket")
			},
		},
		suite.Case{
			ID: "EIO-UP-5", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "No packet is lost across the upgrade",
			Requirement: `The upgrade procedure exists “to ensure that no packet gets lost”: a packet the server queued on polling before the upgrade MUST reach the client — on the last GET or on the WebSocket — before what follows.`,
			Source:      "engine.io-protocol v4 §Upgrade",
			Steps:       []string{"polling handshake", "POST 4before (not polled)", "upgrade", "send 4after over ws", "expect before, then after"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				if err := post(c, s, []byte("4before")); err != nil {
					return err
				}
				ws, err := probe(c, s)
				if err != nil {
					return err
				}
				// The client polls once more, as a paused client's last
				// pending GET would: the echo may come here, with the noop.
				var got []string
				for {
					g, err := do(c, s.HTTP(), s.PollRequest(nil))
					if err != nil {
						return fault(`the queued echo or the noop`, err)
					}
					if g.Status != http.StatusOK {
						return suite.Violationf("HTTP 200 to the GET during the upgrade", "HTTP %d %q", g.Status, g.Body)
					}
					packets, err := g.Packets()
					if err != nil {
						return suite.Violationf("a valid payload", "%v", err)
					}
					noop := false
					for _, p := range packets {
						switch {
						case p.Type == codec.EIONoop:
							noop = true
						case p.Type == codec.EIOMessage:
							got = append(got, string(p.Data))
						}
					}
					if noop {
						break
					}
				}
				if err := ws.SendText("5"); err != nil {
					return fault("the upgrade to complete", err)
				}
				if err := ws.SendText("4after"); err != nil {
					return fault("the echo", err)
				}
				for len(got) < 2 || got[len(got)-1] != "after" {
					ev, err := nextText(c, ws)
					if err != nil {
						return suite.Violationf("before, then after", "%q, then %v", got, err)
					}
					p, err := codec.DecodeText(ev.Data)
					if ev.Op == wire.OpText && err == nil && p.Type == codec.EIOMessage {
						got = append(got, string(p.Data))
					}
				}
				c.Observed("%q", got)
				if len(got) != 2 || got[0] != "before" {
					return suite.Violationf(`"before", then "after"`, "%q", got)
				}
				return nil
			},
		},
		suite.Case{
			ID: "EIO-UP-6", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "After the upgrade the heartbeat runs on the WebSocket",
			Requirement: `The heartbeat goes on after the upgrade, now over the WebSocket: pings every pingInterval, and the session lives while the client answers.`,
			Source:      "engine.io-protocol v4 §Heartbeat, §Upgrade",
			Steps:       []string{"polling handshake, upgrade", `2 times: expect "2" over ws, answer "3"`},
			Run: func(c *suite.C) error {
				s, err := step(c, func(ctx context.Context) (*wire.Session, error) {
					return wire.OpenPolling(ctx, c.URL(), c.Log, wire.SessionOptions{Path: path, ManualPing: true})
				})
				if err != nil {
					return fault("a polling handshake", err)
				}
				c.Cleanup(s.Close)
				if _, err := step(c, func(ctx context.Context) (struct{}, error) { return struct{}{}, s.Upgrade(ctx) }); err != nil {
					return fault("the upgrade", err)
				}
				_, err = pings(c, s, 2)
				return err
			},
		},
		suite.Case{
			ID: "EIO-UP-7", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "After the upgrade a polling POST is refused",
			Requirement: `Once upgraded, a polling POST with the sid is refused with HTTP 400 like a GET, and its packets are not delivered.`,
			Source:      "engine.io-protocol v4 §Upgrade; test-suite “ignores HTTP requests with same sid after upgrade”",
			Steps:       []string{"polling handshake, upgrade, one echo over ws", "POST 4sneaky → expect 400", "4hello over ws → expect 4hello (not 4sneaky)"},
			Run: func(c *suite.C) error {
				s, err := upgraded(c)
				if err != nil {
					return err
				}
				r, err := do(c, newHTTP(c, "polling-after"), s.PollRequest([]byte("4sneaky")))
				if err != nil {
					return fault("HTTP 400", err)
				}
				if err := expectStatus(r, http.StatusBadRequest, "HTTP 400 to a POST after the upgrade"); err != nil {
					return err
				}
				return stillServes(c, s, "over the WebSocket")
			},
		},
	)
}

// probe opens the upgrade WebSocket and exchanges 2probe/3probe.
func probe(c *suite.C, s *wire.Session) (*wire.WS, error) {
	ws, err := dialWS(c, wire.EIOQuery(wire.WebSocket, s.SID()), wire.WSOptions{Name: "eio/ws"})
	if err != nil {
		return nil, fault("HTTP 101 for the upgrade WebSocket", err)
	}
	if err := ws.SendText("2probe"); err != nil {
		return nil, fault("3probe", err)
	}
	ev, err := step(c, func(ctx context.Context) (wire.Event, error) { return ws.Next(ctx) })
	if err != nil {
		return nil, fault(`"3probe" in answer to "2probe"`, err)
	}
	if ev.Op != wire.OpText || string(ev.Data) != "3probe" {
		return nil, suite.Violationf(`"3probe" in answer to "2probe"`, "%s %q", ev.Op, ev.Data)
	}
	return ws, nil
}

// finishAndEcho sends the upgrade packet, then checks an echo on ws.
func finishAndEcho(c *suite.C, ws *wire.WS) error {
	if err := ws.SendText("5"); err != nil {
		return fault("the upgrade to complete", err)
	}
	if err := ws.SendText("4hello"); err != nil {
		return fault("the echo", err)
	}
	return expectFrame(c, ws, wire.OpText, []byte("4hello"))
}

// upgraded opens a polling session and upgrades it with the driver, then
// makes one echo round trip on the WebSocket: the server has read the
// upgrade packet before the echo it sends back, so what the case does next
// happens after the upgrade on the server's side too, not in a race with it.
func upgraded(c *suite.C) (*wire.Session, error) {
	s, err := handshake(c)
	if err != nil {
		return nil, err
	}
	if _, err = step(c, func(ctx context.Context) (struct{}, error) { return struct{}{}, s.Upgrade(ctx) }); err != nil {
		return nil, fault("the upgrade (2probe → 3probe, 5)", err)
	}
	if err := stillServes(c, s, "after the upgrade"); err != nil {
		return nil, err
	}
	return s, nil
}

// noopOnly reports whether a polling body is noop packets only.
func noopOnly(body []byte) bool {
	packets, err := codec.DecodePayload(body)
	if err != nil {
		return false
	}
	for _, p := range packets {
		if p.Binary || p.Type != codec.EIONoop {
			return false
		}
	}
	return true
}
