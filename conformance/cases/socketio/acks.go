package socketio

import (
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// socket.io-protocol v5 §Acknowledgement: “The receiver MUST respond with
// an ACK packet with the same event ID. The payload is mandatory and MUST
// be an array (possibly empty).”
func init() {
	const rule = `“The receiver MUST respond with an ACK packet with the same event ID. The payload is mandatory and MUST be an array (possibly empty).” The testee acknowledges "message-with-ack" with its arguments.`
	suite.Register(
		suite.Case{
			ID: "SIO-ACK-1", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Event with an acknowledgement",
			Requirement: rule,
			Source:      "socket.io-protocol v5 §Acknowledgement; test-suite “message / should send a plain-text packet with an ack”",
			Steps:       []string{"WebSocket session, join /", `send 42456["message-with-ack",1,"2",{"3":[false]}]`, `expect 43456[1,"2",{"3":[false]}]`},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				if err := sendRaw(c, cl, `2456["message-with-ack",1,"2",{"3":[false]}]`); err != nil {
					return fault("the ack", err)
				}
				_, err = expectRaw(c, cl, `3456[1,"2",{"3":[false]}]`)
				return err
			},
		},
		suite.Case{
			ID: "SIO-ACK-2", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Acknowledgement on a custom namespace",
			Requirement: rule + ` On a custom namespace the ACK is encoded 3/custom,<id>[…].`,
			Source:      "socket.io-protocol v5 §Acknowledgement (“with a custom namespace”), §Packet encoding",
			Steps:       []string{"WebSocket session, join /custom", `send 42/custom,7["message-with-ack","x"]`, `expect 43/custom,7["x"]`},
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.WebSocket, false)
				if err != nil {
					return err
				}
				if _, err := join(c, cl, "/custom", nil); err != nil {
					return err
				}
				if err := sendRaw(c, cl, `2/custom,7["message-with-ack","x"]`); err != nil {
					return fault("the ack", err)
				}
				_, err = expectRaw(c, cl, `3/custom,7["x"]`)
				return err
			},
		},
		suite.Case{
			ID: "SIO-ACK-3", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Acknowledgement with no arguments is an empty array",
			Requirement: rule + ` Acknowledging with nothing gives the empty array: 31[].`,
			Source:      "socket.io-protocol v5 §Acknowledgement (“data: []”)",
			Steps:       []string{"WebSocket session, join /", `send 421["message-with-ack"]`, `expect 431[]`},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				if err := sendRaw(c, cl, `21["message-with-ack"]`); err != nil {
					return fault("the ack", err)
				}
				_, err = expectRaw(c, cl, `31[]`)
				return err
			},
		},
		suite.Case{
			ID: "SIO-ACK-4", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "Invalid ack id closes the connection",
			Requirement: `The ack id is an integer; 42abc[…] is not a valid packet and the server closes the connection.`,
			Source:      "socket.io-protocol v5 §Packet encoding; test-suite “message / should close the connection upon invalid format (invalid ack id)”",
			Steps:       []string{"WebSocket session, join /", `send 42abc["message-with-ack",1,"2",{"3":[false]}]`, "expect the connection closed"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				hostileSend(c, cl, `2abc["message-with-ack",1,"2",{"3":[false]}]`)
				return expectClosed(c, cl, "the connection closed")
			},
		},
		suite.Case{
			ID: "SIO-ACK-5", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "The largest safe ack id comes back unchanged",
			Requirement: rule + ` Ids are JavaScript numbers on the reference client: 9007199254740991 (2^53−1) MUST come back as the same id.`,
			Source:      "socket.io-protocol v5 §Acknowledgement",
			Steps:       []string{"WebSocket session, join /", `send 429007199254740991["message-with-ack","big"]`, `expect 439007199254740991["big"]`},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				if err := sendRaw(c, cl, `29007199254740991["message-with-ack","big"]`); err != nil {
					return fault("the ack", err)
				}
				return expectAck(c, cl, "/", 9007199254740991, "big")
			},
		},
		suite.Case{
			ID: "SIO-ACK-6", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Acknowledgement over HTTP long-polling",
			Requirement: rule + ` Over polling as over WebSocket.`,
			Source:      "socket.io-protocol v5 §Acknowledgement; engine.io-protocol v4 §HTTP long-polling",
			Steps:       []string{"polling session, join /", `POST 4212["message-with-ack","p"]`, `expect 4312["p"]`},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.Polling)
				if err != nil {
					return err
				}
				if err := sendRaw(c, cl, `212["message-with-ack","p"]`); err != nil {
					return fault("the ack", err)
				}
				return expectAck(c, cl, "/", 12, "p")
			},
		},
		suite.Case{
			ID: "SIO-ACK-7", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Info, Hostile: true,
			Title:       "An ACK for an id the server never used",
			Requirement: `The spec does not say what a receiver does with an ACK it never asked for (socket.io ignores it). Recorded: ignored (connection kept) or closed.`,
			Source:      "socket.io-protocol v5 §Acknowledgement; socket.io Socket.onack",
			Steps:       []string{"WebSocket session, join /", `send 4399["unasked"]`, `send 42["message","probe"]`, "record: closed, or the probe echoed"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				hostileSend(c, cl, `399["unasked"]`)
				_, err = closedOrServing(c, cl, "/")
				return err
			},
		},
	)
}
