package engineio

import (
	"context"
	"net/http"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// engine.io-protocol v4 packet type close (1): “Used to indicate that a
// transport can be closed”; the test-suite's “close” section.
func init() {
	suite.Register(
		suite.Case{
			ID: "EIO-CLOSE-1", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Polling: a client close packet ends the session",
			Requirement: `A close packet from the client ends the session: the pending GET is released (HTTP 200; the suite expects the noop "6") and the sid is then unknown (HTTP 400).`,
			Source:      "engine.io-protocol v4 §Protocol (close); test-suite “close / HTTP long-polling / forcefully closes the session”",
			Steps:       []string{"polling handshake", "GET (left pending)", `POST "1"`, `expect the pending GET → 200 "6" (or "1")`, "GET → expect 400"},
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
				r, err := do(c, newHTTP(c, "post"), s.PollRequest([]byte("1")))
				if err != nil {
					c.Logf("the close POST got no answer: %v", err)
				} else {
					c.Logf("the close POST → %d %q", r.Status, r.Body)
				}
				g, err := step(c, func(ctx context.Context) (*wire.Response, error) { return wire.Await(ctx, pending, "the pending GET") })
				if err != nil {
					return fault(`the pending GET released with HTTP 200 "6"`, err)
				}
				c.Observed("pending GET → %d %q", g.Status, g.Body)
				if g.Status != http.StatusOK || (string(g.Body) != "6" && string(g.Body) != "1") {
					return suite.Violationf(`the pending GET released with HTTP 200 "6" (or "1")`, "HTTP %d %q", g.Status, g.Body)
				}
				return expectSessionGone(c, s, "after the client's close packet")
			},
		},
		suite.Case{
			ID: "EIO-CLOSE-2", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "WebSocket: a client close packet ends the connection",
			Requirement: `A close packet from the client ends the session: the server closes the WebSocket.`,
			Source:      "engine.io-protocol v4 §Protocol (close); test-suite “close / WebSocket / forcefully closes the session”",
			Steps:       []string{"WebSocket session", `send "1"`, "expect the connection closed"},
			Run: func(c *suite.C) error {
				ws, err := rawSession(c)
				if err != nil {
					return err
				}
				if err := ws.SendText("1"); err != nil {
					return fault("the connection closed", err)
				}
				_, err = awaitClosed(c, ws, "the connection closed after the close packet")
				return err
			},
		},
		suite.Case{
			ID: "EIO-CLOSE-3", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Polling: after a close packet the sid is unknown to POST too",
			Requirement: `Once the client closed the session, its sid is unknown: “The server MUST return an HTTP 400 response if the session ID … is not known” — for a POST as for a GET.`,
			Source:      "engine.io-protocol v4 §Sending data; §Protocol (close)",
			Steps:       []string{"polling handshake", `POST "1" (no GET pending)`, `POST "4late" → expect 400`, "GET → expect 400"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				if r, err := do(c, s.HTTP(), s.PollRequest(codec.EncodePayload(codec.Text(codec.EIOClose, "")))); err != nil {
					c.Logf("the close POST got no answer: %v", err)
				} else {
					c.Logf("the close POST → %d %q", r.Status, r.Body)
				}
				r, err := do(c, s.HTTP(), s.PollRequest([]byte("4late")))
				if err != nil {
					return fault("HTTP 400 to a POST on the closed session", err)
				}
				if err := expectStatus(r, http.StatusBadRequest, "HTTP 400 to a POST on the closed session"); err != nil {
					return err
				}
				return expectSessionGone(c, s, "after the client's close packet")
			},
		},
	)
}
