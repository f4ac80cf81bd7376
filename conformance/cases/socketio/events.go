package socketio

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// socket.io-protocol v5 §Sending and receiving data: EVENT packets, their
// payload a non-empty array whose first element is the event name.
func init() {
	suite.Register(
		suite.Case{
			ID: "SIO-EV-1", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Plain-text event round trip",
			Requirement: `An EVENT carries a non-empty array: the testee echoes ["message",1,"2",{"3":[true]}] as ["message-back",1,"2",{"3":[true]}], encoded 2[…] in an Engine.IO message.`,
			Source:      "socket.io-protocol v5 §Sending and receiving data, §Packet encoding; test-suite “message / should send a plain-text packet”",
			Steps:       []string{"WebSocket session, join /", `send 42["message",1,"2",{"3":[true]}]`, `expect 42["message-back",1,"2",{"3":[true]}]`},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				if err := sendRaw(c, cl, `2["message",1,"2",{"3":[true]}]`); err != nil {
					return fault("the echo", err)
				}
				_, err = expectRaw(c, cl, `2["message-back",1,"2",{"3":[true]}]`)
				return err
			},
		},
		suite.Case{
			ID: "SIO-EV-2", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Event on a custom namespace",
			Requirement: `An EVENT on a custom namespace is encoded 2/admin,[…] and answered on that namespace.`,
			Source:      "socket.io-protocol v5 §Sending and receiving data (“with a custom namespace”), §Packet encoding",
			Steps:       []string{"WebSocket session, join /custom", `send 42/custom,["message","x",{"y":null}]`, `expect 42/custom,["message-back","x",{"y":null}]`},
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.WebSocket, false)
				if err != nil {
					return err
				}
				if _, err := join(c, cl, "/custom", nil); err != nil {
					return err
				}
				if err := sendRaw(c, cl, `2/custom,["message","x",{"y":null}]`); err != nil {
					return fault("the echo", err)
				}
				_, err = expectRaw(c, cl, `2/custom,["message-back","x",{"y":null}]`)
				return err
			},
		},
		suite.Case{
			ID: "SIO-EV-3", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Unicode arguments round trip",
			Requirement: `Packets are UTF-8 text: non-ASCII strings, escaped or not, and astral-plane characters come back as the same strings.`,
			Source:      "socket.io-protocol v5 §Packet encoding (JSON); engine.io-protocol v4 §Packet encoding (UTF-8)",
			Steps:       []string{"WebSocket session, join /", `send 42["message","héllo €","😀","\u00e9\ud83d\ude00"]`, "expect the same three strings echoed"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				if err := sendRaw(c, cl, `2["message","héllo €","😀","\u00e9\ud83d\ude00"]`); err != nil {
					return fault("the echo", err)
				}
				return expectEcho(c, cl, "/", "héllo €", "😀", "é😀")
			},
		},
		suite.Case{
			ID: "SIO-EV-4", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Event round trip over HTTP long-polling",
			Requirement: `Socket.IO packets travel the same way in polling payloads: an EVENT POSTed is echoed in a GET response.`,
			Source:      "socket.io-protocol v5 §Sending and receiving data; engine.io-protocol v4 §HTTP long-polling",
			Steps:       []string{"polling session, join /", `POST 42["message","polled",7]`, `expect 42["message-back","polled",7]`},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.Polling)
				if err != nil {
					return err
				}
				if err := sendRaw(c, cl, `2["message","polled",7]`); err != nil {
					return fault("the echo", err)
				}
				return expectEcho(c, cl, "/", "polled", 7)
			},
		},
		suite.Case{
			ID: "SIO-EV-5", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Fifty events keep their order",
			Requirement: `Events on one namespace are delivered in order (the transport keeps order; socket.io handles a socket's packets in sequence): 50 events sent back to back are echoed 0…49.`,
			Source:      "socket.io-protocol v5 §Sending and receiving data; engine.io-protocol v4 §Sending data (“to ensure packet ordering”)",
			Steps:       []string{"WebSocket session, join /", `send 42["message",i] for i = 0…49 without waiting`, "expect the echoes in order"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				for i := range 50 {
					if err := sendRaw(c, cl, fmt.Sprintf(`2["message",%d]`, i)); err != nil {
						return fault("fifty echoes", err)
					}
				}
				for i := range 50 {
					if err := expectEcho(c, cl, "/", i); err != nil {
						return err
					}
				}
				return nil
			},
		},
		suite.Case{
			ID: "SIO-EV-6", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Event with a name only",
			Requirement: `The payload MUST be a non-empty array; the event name alone is one: ["message"] is echoed ["message-back"].`,
			Source:      "socket.io-protocol v5 §Sending and receiving data",
			Steps:       []string{"WebSocket session, join /", `send 42["message"]`, `expect 42["message-back"]`},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				if err := sendRaw(c, cl, `2["message"]`); err != nil {
					return fault("the echo", err)
				}
				_, err = expectRaw(c, cl, `2["message-back"]`)
				return err
			},
		},
		suite.Case{
			ID: "SIO-EV-7", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "A large event within maxPayload",
			Requirement: `An event well within the announced maxPayload (half of it here) MUST be delivered whole.`,
			Source:      "engine.io-protocol v4 §Handshake (maxPayload); socket.io-protocol v5 §Sending and receiving data",
			Steps:       []string{"WebSocket session, join /", `send 42["message","aaa…"] of maxPayload/2 bytes`, "expect the same string echoed"},
			Timeout:     30 * time.Second,
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				big := strings.Repeat("a", cl.E.Open.MaxPayload/2)
				if err := sendRaw(c, cl, `2["message","`+big+`"]`); err != nil {
					return fault("the echo", err)
				}
				return expectEcho(c, cl, "/", big)
			},
		},
		suite.Case{
			ID: "SIO-EV-8", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Info,
			Title:       "A numeric event name",
			Requirement: `The spec does not type the event name; socket.io-parser accepts a number ([1,"x"]) and the string names only. Recorded: accepted (connection kept) or refused (closed).`,
			Source:      "socket.io-protocol v5 §Sending and receiving data; socket.io-parser Decoder.isPayloadValid",
			Steps:       []string{"WebSocket session, join /", `send 42[1,"x"]`, `send 42["message","probe"]`, "record: closed, or the probe echoed"},
			Hostile:     true,
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				hostileSend(c, cl, `2[1,"x"]`)
				_, err = closedOrServing(c, cl, "/")
				return err
			},
		},
		suite.Case{
			ID: "SIO-EV-9", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Hostile: true,
			Title:       "A __proto__ key is plain data",
			Requirement: `Event arguments are JSON data: an object with the key "__proto__" MUST come back as the same data — neither dropped nor merged into a prototype (prototype pollution).`,
			Source:      "socket.io-protocol v5 §Packet encoding (JSON-stringified payload); RFC 8259 §4 (object member names are strings)",
			Steps:       []string{"WebSocket session, join /", `send 42["message",{"__proto__":{"polluted":true},"ok":1}]`, "expect the same object echoed; then a plain {} echoed as {}"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				hostileSend(c, cl, `2["message",{"__proto__":{"polluted":true},"ok":1}]`)
				var want any
				_ = json.Unmarshal([]byte(`{"__proto__":{"polluted":true},"ok":1}`), &want)
				if err := expectEcho(c, cl, "/", want); err != nil {
					return err
				}
				if err := sendRaw(c, cl, `2["message",{}]`); err != nil {
					return fault("the echo", err)
				}
				return expectEcho(c, cl, "/", map[string]any{})
			},
		},
	)
}
