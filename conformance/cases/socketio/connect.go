package socketio

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// socket.io-protocol v5 §Connection to a namespace: CONNECT, answered by
// CONNECT with the session id; the testee then emits "auth" with the
// handshake payload.
func init() {
	for _, tc := range []struct {
		id, title, send, ns, auth, source string
	}{
		{"SIO-CONN-1", "CONNECT to the main namespace", "0", "/", "{}",
			"socket.io-protocol v5 §Connection to a namespace; test-suite “connect / should allow connection to the main namespace”"},
		{"SIO-CONN-2", "CONNECT to the main namespace with a payload", `0{"token":"123"}`, "/", `{"token":"123"}`,
			"socket.io-protocol v5 §Connection to a namespace (“with an additional payload”); test-suite “… main namespace with a payload”"},
		{"SIO-CONN-3", "CONNECT to a custom namespace", "0/custom,", "/custom", "{}",
			"socket.io-protocol v5 §Connection to a namespace; test-suite “connect / should allow connection to a custom namespace”"},
		{"SIO-CONN-4", "CONNECT to a custom namespace with a payload", `0/custom,{"token":"abc"}`, "/custom", `{"token":"abc"}`,
			"socket.io-protocol v5 §Connection to a namespace; test-suite “… custom namespace with a payload”"},
		{"SIO-CONN-5", "CONNECT to a namespace without the trailing comma", "0/custom", "/custom", "{}",
			"socket.io-protocol v5 §Packet encoding (the namespace ends the packet); test-suite “disconnect / should connect then disconnect from a custom namespace” (sends 40/custom)"},
	} {
		authEvent := fmt.Sprintf(`%s["auth",%s]`, prefix(tc.ns), tc.auth)
		suite.Register(suite.Case{
			ID: tc.id, Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must, Title: tc.title,
			Requirement: `“The server MUST respond with … a CONNECT packet if the connection is successful, with the session ID in the payload”: {"sid": <string>} and nothing else; the testee then emits "auth" with the CONNECT payload ({} when none).`,
			Source:      tc.source,
			Steps:       []string{"WebSocket session at /socket.io/", fmt.Sprintf("send 4%s", tc.send), fmt.Sprintf(`expect 40%s{"sid":…} with only the key sid`, nsPart(tc.ns)), fmt.Sprintf("expect 4%s", authEvent)},
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.WebSocket, false)
				if err != nil {
					return err
				}
				if err := sendRaw(c, cl, tc.send); err != nil {
					return fault("the CONNECT reply", err)
				}
				p, err := next(c, cl)
				if err != nil {
					return fault("the CONNECT reply", err)
				}
				if _, err := checkConnectReply(p, tc.ns); err != nil {
					return err
				}
				c.Observed("%q", p.Raw)
				_, err = expectRaw(c, cl, authEvent)
				return err
			},
		})
	}

	suite.Register(
		suite.Case{
			ID: "SIO-CONN-6", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Should,
			Title:       "The socket id is not the Engine.IO sid",
			Requirement: `Since Socket.IO v3 the socket id a CONNECT returns is distinct from the Engine.IO session id, which SHOULD stay private (it authenticates polling requests); the two ids of one connection SHOULD differ.`,
			Source:      "socket.io-protocol v5 §History / Difference between v5 and v4 (“the server now sends a session ID in the CONNECT payload”); socket.io v3 migration (“Socket#id … no longer the id of the underlying Engine.IO connection”)",
			Steps:       []string{"WebSocket session", "CONNECT to / and to /custom", "expect both socket ids different from the Engine.IO sid"},
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.WebSocket, false)
				if err != nil {
					return err
				}
				var ids []string
				for _, ns := range []string{"/", "/custom"} {
					p, err := join(c, cl, ns, nil)
					if err != nil {
						return err
					}
					sid, err := checkConnectReply(p, ns)
					if err != nil {
						return err
					}
					ids = append(ids, sid)
				}
				c.Observed("engine sid %s, socket ids %q", cl.E.SID(), ids)
				if slices.Contains(ids, cl.E.SID()) {
					return suite.Violationf("socket ids distinct from the Engine.IO sid", "engine sid %s, socket ids %q", cl.E.SID(), ids)
				}
				return nil
			},
		},
		suite.Case{
			ID: "SIO-CONN-7", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "CONNECT over HTTP long-polling",
			Requirement: `Socket.IO runs on either Engine.IO transport: over polling a CONNECT (in a POST) MUST be answered by CONNECT {"sid"} and the "auth" event (in GET responses).`,
			Source:      "socket.io-protocol v5 §Connection to a namespace; engine.io-protocol v4 §HTTP long-polling",
			Steps:       []string{"polling session at /socket.io/", `POST 40{"token":"poll"}`, `expect 40{"sid":…}, then 42["auth",{"token":"poll"}]`},
			Run: func(c *suite.C) error {
				cl, err := dial(c, wire.Polling, false)
				if err != nil {
					return err
				}
				if err := sendRaw(c, cl, `0{"token":"poll"}`); err != nil {
					return fault("the CONNECT reply", err)
				}
				p, err := next(c, cl)
				if err != nil {
					return fault("the CONNECT reply", err)
				}
				if _, err := checkConnectReply(p, "/"); err != nil {
					return err
				}
				_, err = expectRaw(c, cl, `2["auth",{"token":"poll"}]`)
				return err
			},
		},
		suite.Case{
			ID: "SIO-CONN-8", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Two namespaces on one connection",
			Requirement: `“A client MAY be connected to multiple namespaces at the same time, with the same underlying WebSocket connection”: events on / and /custom are each answered on their own namespace.`,
			Source:      "socket.io-protocol v5 §Connection to a namespace",
			Steps:       []string{"WebSocket session", "join / and /custom", `send 42/custom,["message","c"] then 42["message","m"]`, `expect 42/custom,["message-back","c"] then 42["message-back","m"]`},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				if _, err := join(c, cl, "/custom", nil); err != nil {
					return err
				}
				if err := sendRaw(c, cl, `2/custom,["message","c"]`); err != nil {
					return fault("the echo on /custom", err)
				}
				if err := sendRaw(c, cl, `2["message","m"]`); err != nil {
					return fault("the echo on /", err)
				}
				if err := expectEcho(c, cl, "/custom", "c"); err != nil {
					return err
				}
				return expectEcho(c, cl, "/", "m")
			},
		},
		suite.Case{
			ID: "SIO-CONN-9", Level: suite.LevelSocketIO, On: suite.Testee, Strength: suite.Info,
			Title:       "A second CONNECT to a joined namespace",
			Requirement: `The spec does not say what a second CONNECT to a namespace already joined does (socket.io closes the connection: "invalid state"). Recorded.`,
			Source:      "socket.io-protocol v5 §Connection to a namespace; socket.io Client.ondecoded",
			Steps:       []string{"WebSocket session, join /", "send 40 again", "record: closed, answered, or ignored"},
			Run: func(c *suite.C) error {
				cl, err := joined(c, wire.WebSocket)
				if err != nil {
					return err
				}
				hostileSend(c, cl, "0")
				ctx, cancel := c.Within(reply(c))
				defer cancel()
				p, err := cl.Next(ctx)
				switch {
				case err == nil:
					c.Observed("answered %q", p.Raw)
				default:
					c.Observed("%v", err)
				}
				return nil
			},
		},
	)
}

// checkConnectReply checks a CONNECT answer on ns: payload {"sid": string}
// with no other key (the official suite asserts have.all.keys("sid")).
func checkConnectReply(p wire.Packet, ns string) (string, error) {
	expected := fmt.Sprintf(`CONNECT on %s with the payload {"sid":<string>}`, ns)
	if p.Type != codec.SIOConnect || p.Namespace != ns {
		return "", suite.Violationf(expected, "%q", p.Raw)
	}
	var data map[string]json.RawMessage
	if json.Unmarshal(p.Data, &data) != nil {
		return "", suite.Violationf(expected, "%q", p.Raw)
	}
	var sid string
	if json.Unmarshal(data["sid"], &sid) != nil || sid == "" {
		return "", suite.Violationf(expected, "%q", p.Raw)
	}
	if len(data) != 1 {
		var keys []string
		for k := range data {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return "", suite.Violationf(expected+" and no other key", "keys %s", strings.Join(keys, ", "))
	}
	return sid, nil
}
