package engineio

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// engine.io-protocol v4 §Handshake: the open packet and its five fields.
func init() {
	suite.Register(
		suite.Case{
			ID: "EIO-HS-1", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Polling handshake opens a session",
			Requirement: `"If the server accepts the connection, then it MUST respond with an open packet with the following JSON-encoded payload": sid (string), upgrades (string[]), pingInterval, pingTimeout, maxPayload (numbers).`,
			Source:      "engine.io-protocol v4 §Handshake; test-suite “handshake / HTTP long-polling / successfully opens a session”",
			Steps:       []string{"GET /engine.io/?EIO=4&transport=polling", "expect 200 and a body that is one open packet", `expect exactly the keys sid, upgrades, pingInterval, pingTimeout, maxPayload; upgrades ["websocket"]`},
			Run: func(c *suite.C) error {
				r, err := do(c, newHTTP(c, "polling"), wire.Request{Query: wire.EIOQuery(wire.Polling, "")})
				if err != nil {
					return fault("HTTP 200 with an open packet", err)
				}
				if err := expectStatus(r, http.StatusOK, "HTTP 200 with an open packet"); err != nil {
					return err
				}
				if len(r.Body) == 0 || r.Body[0] != byte(codec.EIOOpen) {
					return suite.Violationf(`a body starting with the open packet type "0"`, "%q", r.Body)
				}
				open, err := checkOpen(r.Body[1:])
				if err != nil {
					return err
				}
				if !slices.Equal(open.Upgrades, []string{"websocket"}) {
					return suite.Violationf(`upgrades ["websocket"] on a polling handshake (the testee allows the upgrade)`, "%q", open.Upgrades)
				}
				c.Observed("%s", r.Body)
				return nil
			},
		},
		suite.Case{
			ID: "EIO-HS-2", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "WebSocket handshake opens a session",
			Requirement: `Over a WebSocket-only session the server "MUST respond with an open packet" — the first text message — and there is no transport to upgrade to.`,
			Source:      "engine.io-protocol v4 §Handshake (WebSocket-only session); test-suite “handshake / WebSocket / successfully opens a session”",
			Steps:       []string{"open ws /engine.io/?EIO=4&transport=websocket", "expect a text message 0{…} with exactly the five keys", "expect upgrades []"},
			Run: func(c *suite.C) error {
				ws, err := dialWS(c, wire.EIOQuery(wire.WebSocket, ""), wire.WSOptions{})
				if err != nil {
					return fault("HTTP 101 then the open packet", err)
				}
				ev, err := nextText(c, ws)
				if err != nil {
					return fault("the open packet", err)
				}
				if ev.Op != wire.OpText || len(ev.Data) == 0 || ev.Data[0] != byte(codec.EIOOpen) {
					return suite.Violationf("a text message starting with the open packet type 0", "%s %q", ev.Op, ev.Data)
				}
				open, err := checkOpen(ev.Data[1:])
				if err != nil {
					return err
				}
				if len(open.Upgrades) != 0 {
					return suite.Violationf("upgrades [] on a WebSocket session", "%q", open.Upgrades)
				}
				c.Observed("%s", ev.Data)
				return nil
			},
		},
		suite.Case{
			ID: "EIO-HS-3", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Should,
			Title:       "Testee runs the official suites' settings",
			Requirement: `The testee SHOULD be configured as the official test-suites' server: pingInterval 300, pingTimeout 200, maxPayload 1000000 (the suites assert these values; the harness derives its waits from whatever is announced).`,
			Source:      "engine.io-protocol v4 §Test suite (expected server configuration); test-suite constants PING_INTERVAL, PING_TIMEOUT",
			Steps:       []string{"polling handshake", "compare pingInterval, pingTimeout, maxPayload with 300, 200, 1000000"},
			Run: func(c *suite.C) error {
				s, err := handshake(c)
				if err != nil {
					return err
				}
				o := s.Open
				c.Measure("pingInterval_ms", o.PingInterval)
				c.Measure("pingTimeout_ms", o.PingTimeout)
				c.Measure("maxPayload", o.MaxPayload)
				if o.PingInterval != 300 || o.PingTimeout != 200 || o.MaxPayload != 1_000_000 {
					return suite.Violationf("pingInterval 300, pingTimeout 200, maxPayload 1000000",
						"pingInterval %d, pingTimeout %d, maxPayload %d", o.PingInterval, o.PingTimeout, o.MaxPayload)
				}
				return nil
			},
		},
		suite.Case{
			ID: "EIO-HS-4", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Every handshake gets its own session id",
			Requirement: `"The client MUST send the sid value in the query parameters of all subsequent requests": the sid names one session, so two handshakes MUST get different sids.`,
			Source:      "engine.io-protocol v4 §Handshake",
			Steps:       []string{"two polling handshakes and one WebSocket handshake", "expect three different sids"},
			Run: func(c *suite.C) error {
				a, err := handshake(c)
				if err != nil {
					return err
				}
				b, err := handshake(c)
				if err != nil {
					return err
				}
				w, err := openWS(c, false)
				if err != nil {
					return err
				}
				sids := []string{a.SID(), b.SID(), w.SID()}
				c.Observed("sids %q", sids)
				if a.SID() == b.SID() || a.SID() == w.SID() || b.SID() == w.SID() {
					return suite.Violationf("three different sids", "%q", sids)
				}
				return nil
			},
		},
		suite.Case{
			ID: "EIO-HS-5", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must,
			Title:       "Handshake on the Socket.IO endpoint",
			Requirement: `The Socket.IO endpoint speaks the same Engine.IO v4 ("the Socket.IO protocol uses /socket.io/"): its polling handshake MUST answer the same open packet.`,
			Source:      "engine.io-protocol v4 §Request path; socket.io-protocol test-suite “Engine.IO protocol / handshake / should successfully open a session”",
			Steps:       []string{"GET /socket.io/?EIO=4&transport=polling", "expect 200 and an open packet with exactly the five keys, upgrades [\"websocket\"]"},
			Run: func(c *suite.C) error {
				r, err := do(c, newHTTP(c, "polling"), wire.Request{Path: wire.SocketPath, Query: wire.EIOQuery(wire.Polling, "")})
				if err != nil {
					return fault("HTTP 200 with an open packet", err)
				}
				if err := expectStatus(r, http.StatusOK, "HTTP 200 with an open packet"); err != nil {
					return err
				}
				if len(r.Body) == 0 || r.Body[0] != byte(codec.EIOOpen) {
					return suite.Violationf(`a body starting with "0"`, "%q", r.Body)
				}
				open, err := checkOpen(r.Body[1:])
				if err != nil {
					return err
				}
				if !slices.Equal(open.Upgrades, []string{"websocket"}) {
					return suite.Violationf(`upgrades ["websocket"]`, "%q", open.Upgrades)
				}
				return nil
			},
		},
	)
}

// checkOpen decodes an open packet's JSON and checks that it has exactly
// the five keys of the spec (the suites assert have.all.keys) with their
// JSON types, integers for the three numbers.
func checkOpen(data []byte) (codec.Open, error) {
	const expected = "an open packet with exactly sid, upgrades, pingInterval, pingTimeout, maxPayload"
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return codec.Open{}, suite.Violationf(expected, "not a JSON object: %q", data)
	}
	var keys []string
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"maxPayload", "pingInterval", "pingTimeout", "sid", "upgrades"}; !slices.Equal(keys, want) {
		return codec.Open{}, suite.Violationf(expected, "keys %s", strings.Join(keys, ", "))
	}
	open, err := codec.DecodeOpen(data)
	if err != nil {
		return codec.Open{}, suite.Violationf(expected, "%v", err)
	}
	for _, k := range []string{"pingInterval", "pingTimeout", "maxPayload"} {
		var n json.Number
		if json.Unmarshal(raw[k], &n) != nil || strings.ContainsAny(n.String(), ".eE") {
			return codec.Open{}, suite.Violationf(expected+" (integers in milliseconds and bytes)", "%s: %s", k, raw[k])
		}
	}
	return open, nil
}
