package socketio

import (
	"errors"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// socket.io-protocol v5 §Disconnection from a namespace, and how a server
// that ends the connection itself makes it known.
func init() {
	suite.Register(
		suite.Case{
			ID: "SIO-DISC-1", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Should,
			Title:       "DISCONNECT from the main namespace gets no answer",
			Requirement: `On DISCONNECT “No response is expected from the other side. The low-level connection MAY be kept alive”: the server answers nothing, and the official suite expects the next message to be the next ping.`,
			Source:      "socket.io-protocol v5 §Disconnection from a namespace; test-suite “disconnect / should disconnect from the main namespace”",
			Steps:       []string{"WebSocket session (pings not answered), join /", "send 41", `expect the next packet to be the ping "2"`},
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.WebSocket, true)
				if err != nil {
					return err
				}
				if _, err := join(c, cl, "/", nil); err != nil {
					return err
				}
				if err := sendRaw(c, cl, "1"); err != nil {
					return fault("no answer, then a ping", err)
				}
				ctx, cancel := c.Within(2 * c.Heartbeat())
				defer cancel()
				p, err := cl.E.Recv(ctx)
				switch {
				case errors.Is(err, wire.ErrClosed):
					return suite.Violationf(`the connection kept, the next packet a ping`, "the connection closed: %v", err)
				case err != nil:
					return fault(`the ping "2"`, err)
				case p.Binary || p.Type != codec.EIOPing:
					return suite.Violationf(`the ping "2" as the next packet`, "%q", codec.EncodeText(p))
				}
				c.Observed("no answer; next packet the ping")
				return nil
			},
		},
		suite.Case{
			ID: "SIO-DISC-2", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Leaving a custom namespace keeps the main one",
			Requirement: `DISCONNECT ends one namespace: “The low-level connection MAY be kept alive if the client is connected to another namespace” — and the other namespace goes on working.`,
			Source:      "socket.io-protocol v5 §Disconnection from a namespace; test-suite “disconnect / should connect then disconnect from a custom namespace”",
			Steps:       []string{"WebSocket session, join / and /custom", "send 41/custom", `send 42["message","message to main namespace"]`, `expect 42["message-back","message to main namespace"]`},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				if _, err := join(c, cl, "/custom", nil); err != nil {
					return err
				}
				if err := sendRaw(c, cl, "1/custom"); err != nil {
					return fault("the echo on /", err)
				}
				if err := sendRaw(c, cl, `2["message","message to main namespace"]`); err != nil {
					return fault("the echo on /", err)
				}
				_, err = expectRaw(c, cl, `2["message-back","message to main namespace"]`)
				return err
			},
		},
		suite.Case{
			ID: "SIO-DISC-3", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "A namespace left is no longer served",
			Requirement: `After DISCONNECT the namespace is left: an EVENT sent to it MUST NOT be handled (socket.io closes the connection; ignoring it is allowed too).`,
			Source:      "socket.io-protocol v5 §Disconnection from a namespace",
			Steps:       []string{"WebSocket session, join / and /custom", "send 41/custom", `send 42/custom,["message","ghost"], then 42["message","probe"]`, "expect no echo of ghost: the connection closed, or only the probe echoed"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				if _, err := join(c, cl, "/custom", nil); err != nil {
					return err
				}
				hostileSend(c, cl, "1/custom,")
				hostileSend(c, cl, `2/custom,["message","ghost"]`)
				_, err = closedOrServing(c, cl, "/")
				return err
			},
		},
		suite.Case{
			ID: "SIO-DISC-4", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "Over polling the client learns the server closed",
			Requirement: `When the server ends a polling session (here: after a packet it must reject), the client MUST learn it: the pending GET returns the close packet "1", or the next request gets HTTP 400 (“MUST return an HTTP 400 response if the session ID … is not known”).`,
			Source:      "engine.io-protocol v4 §Protocol (close), §Receiving data; socket.io-protocol v5 §Sending and receiving data (“the receiver MUST close the connection”)",
			Steps:       []string{"polling session, join /", "POST 42{} (an EVENT whose payload is no array)", "expect the session ended: a close packet or HTTP 400"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.Polling)
				if err != nil {
					return err
				}
				hostileSend(c, cl, "2{}")
				return expectClosed(c, cl, "the session ended (close packet or HTTP 400)")
			},
		},
		suite.Case{
			ID: "SIO-DISC-5", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Should,
			Title:       "CONNECT again after DISCONNECT",
			Requirement: `A namespace left with DISCONNECT can be joined again on the same connection (the connection “MAY be kept alive”); the new socket SHOULD get a new session id.`,
			Source:      "socket.io-protocol v5 §Connection to a namespace, §Disconnection from a namespace",
			Steps:       []string{"WebSocket session, join /", "send 41", "join /custom (a round trip after the DISCONNECT)", "send 40 → expect 40{sid} with a new sid and the auth event"},
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.WebSocket, false)
				if err != nil {
					return err
				}
				first, err := join(c, cl, "/", nil)
				if err != nil {
					return err
				}
				a, err := checkConnectReply(first, "/")
				if err != nil {
					return err
				}
				if err := sendRaw(c, cl, "1"); err != nil {
					return fault("a second CONNECT answered", err)
				}
				// DISCONNECT has no answer, so the client cannot know when the
				// server is done with it; joining /custom first is a round
				// trip the server answers after it read the DISCONNECT.
				if _, err := join(c, cl, "/custom", nil); err != nil {
					return err
				}
				second, err := join(c, cl, "/", nil)
				if err != nil {
					return err
				}
				b, err := checkConnectReply(second, "/")
				if err != nil {
					return err
				}
				c.Observed("sids %s then %s", a, b)
				if a == b {
					return suite.Violationf("a new socket id", "the same id %s", a)
				}
				return nil
			},
		},
	)
}
