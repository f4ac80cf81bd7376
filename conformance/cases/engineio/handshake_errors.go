package engineio

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// engine.io-protocol v4 §Transports: requests with missing or wrong
// mandatory parameters, unknown sessions, and a handshake by anything but
// GET are refused.
func init() {
	for _, tc := range []struct {
		id, title, query, method, why, source string
	}{
		{"EIO-HSE-1", "Polling handshake without EIO is refused", "transport=polling", "", "EIO is missing",
			"engine.io-protocol v4 §Query parameters; test-suite “fails with an invalid 'EIO' query parameter”"},
		{"EIO-HSE-2", "Polling handshake with EIO=abc is refused", "EIO=abc&transport=polling", "", "EIO is not 4",
			"engine.io-protocol v4 §Query parameters; test-suite “fails with an invalid 'EIO' query parameter”"},
		{"EIO-HSE-3", "Polling handshake without transport is refused", "EIO=4", "", "transport is missing",
			"engine.io-protocol v4 §Query parameters; test-suite “fails with an invalid 'transport' query parameter”"},
		{"EIO-HSE-4", "Polling handshake with transport=abc is refused", "EIO=4&transport=abc", "", "the transport is unknown",
			"engine.io-protocol v4 §Query parameters; test-suite “fails with an invalid 'transport' query parameter”"},
		{"EIO-HSE-5", "Handshake by POST is refused", "EIO=4&transport=polling", http.MethodPost, "a handshake is a GET",
			"engine.io-protocol v4 §Handshake (“the client MUST send an HTTP GET request”); test-suite “fails with an invalid request method”"},
		{"EIO-HSE-6", "Handshake by PUT is refused", "EIO=4&transport=polling", http.MethodPut, "a handshake is a GET",
			"engine.io-protocol v4 §Handshake; test-suite “fails with an invalid request method”"},
		{"EIO-HSE-7", "GET with an unknown sid is refused", "EIO=4&transport=polling&sid=harness-unknown-sid", "", "the sid is unknown",
			"engine.io-protocol v4 §Receiving data (“MUST return an HTTP 400 response if the session ID … is not known”)"},
		{"EIO-HSE-8", "POST with an unknown sid is refused", "EIO=4&transport=polling&sid=harness-unknown-sid", http.MethodPost, "the sid is unknown",
			"engine.io-protocol v4 §Sending data (“MUST return an HTTP 400 response if the session ID … is not known”)"},
		{"EIO-HSE-9", "transport=websocket without an upgrade is refused", "EIO=4&transport=websocket", "", "a websocket transport needs the WebSocket upgrade",
			"engine.io-protocol v4 §WebSocket (the websocket transport is a WebSocket connection)"},
	} {
		suite.Register(suite.Case{
			ID: tc.id, Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Title: tc.title,
			Requirement: fmt.Sprintf("The server MUST answer HTTP 400 (%s) and open no session. %s", tc.why, httpRule(tc.id)),
			Source:      tc.source,
			Steps:       []string{fmt.Sprintf("%s /engine.io/?%s", methodName(tc.method), tc.query), "expect HTTP 400 and no open packet"},
			Run: func(c *suite.C) error {
				req := wire.Request{Method: tc.method, Query: tc.query}
				if tc.method == http.MethodPost {
					req.Body = []byte("4hello")
				}
				r, err := do(c, newHTTP(c, "polling"), req)
				if err != nil {
					return fault("HTTP 400", err)
				}
				c.Observed("HTTP %d %s", r.Status, r.Body)
				return expectStatus(r, http.StatusBadRequest, "HTTP 400")
			},
		})
	}

	for _, tc := range []struct{ id, title, query, why, source string }{
		{"EIO-HSE-10", "WebSocket without EIO is refused", "transport=websocket", "EIO is missing",
			"engine.io-protocol v4 §WebSocket; test-suite “handshake / WebSocket / fails with an invalid 'EIO' query parameter”"},
		{"EIO-HSE-11", "WebSocket with EIO=abc is refused", "EIO=abc&transport=websocket", "EIO is not 4",
			"engine.io-protocol v4 §WebSocket; test-suite “handshake / WebSocket / fails with an invalid 'EIO' query parameter”"},
		{"EIO-HSE-12", "WebSocket without transport is refused", "EIO=4", "transport is missing",
			"engine.io-protocol v4 §WebSocket; test-suite “handshake / WebSocket / fails with an invalid 'transport' query parameter”"},
		{"EIO-HSE-13", "WebSocket with transport=abc is refused", "EIO=4&transport=abc", "the transport is unknown",
			"engine.io-protocol v4 §WebSocket; test-suite “handshake / WebSocket / fails with an invalid 'transport' query parameter”"},
		{"EIO-HSE-14", "WebSocket with an unknown sid is refused", "EIO=4&transport=websocket&sid=harness-unknown-sid", "the sid is unknown",
			"engine.io-protocol v4 §WebSocket (sid names an existing session to upgrade)"},
	} {
		suite.Register(suite.Case{
			ID: tc.id, Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Must, Title: tc.title,
			Requirement: fmt.Sprintf("“If a mandatory query parameter is missing, then the server MUST close the WebSocket connection” (%s): the upgrade is refused, or the connection is closed before any open packet.", tc.why),
			Source:      tc.source,
			Steps:       []string{"open ws /engine.io/?" + tc.query, "expect a refused upgrade (an HTTP error status or a dropped connection), or a close with no open packet"},
			Run: func(c *suite.C) error {
				return expectWSRefused(c, tc.query, wire.WSOptions{})
			},
		})
	}

	suite.Register(suite.Case{
		ID: "EIO-HSE-15", Level: suite.LevelEngineIO, On: suite.Testee, Strength: suite.Info,
		Title:       "Error bodies of refused requests",
		Requirement: `The spec fixes only the status (400); socket.io answers a JSON body {"code":N,"message":…} (0 Transport unknown, 1 Session ID unknown, 2 Bad handshake method, 3 Bad request, 5 Unsupported protocol version). Recorded for comparison.`,
		Source:      "engine.io Server.errors (reference implementation); docs/protocol.md §Errors",
		Steps:       []string{"send the refused requests of EIO-HSE-1…8", "record each status and body"},
		Run: func(c *suite.C) error {
			h := newHTTP(c, "polling")
			var seen []string
			for _, q := range []struct{ method, query string }{
				{"", "transport=polling"}, {"", "EIO=4&transport=abc"}, {http.MethodPut, "EIO=4&transport=polling"},
				{"", "EIO=4&transport=polling&sid=harness-unknown-sid"}, {"", "EIO=4&transport=websocket"},
			} {
				r, err := do(c, h, wire.Request{Method: q.method, Query: q.query})
				if err != nil {
					return fault("an error response", err)
				}
				desc := fmt.Sprintf("%s ?%s → %d", methodName(q.method), q.query, r.Status)
				if e, ok := r.EIOError(); ok {
					desc += fmt.Sprintf(" code %d %q", *e.Code, e.Message)
				} else {
					desc += fmt.Sprintf(" body %q", r.Body)
				}
				seen = append(seen, desc)
			}
			c.Observed("%s", strings.Join(seen, "; "))
			return nil
		},
	})
}

// httpRule quotes the spec sentence behind each refused polling request.
func httpRule(id string) string {
	switch id {
	case "EIO-HSE-5", "EIO-HSE-6":
		return "“To establish a connection, the client MUST send an HTTP GET request”; the official suite expects 400 for POST and PUT."
	case "EIO-HSE-7", "EIO-HSE-8":
		return "“The server MUST return an HTTP 400 response if the session ID (from the sid query parameter) is not known.”"
	case "EIO-HSE-9":
		return "The websocket transport is a WebSocket connection; a plain GET naming it cannot be served (the reference server answers 400)."
	}
	return "“If a mandatory query parameter is missing, then the server MUST respond with an HTTP 400 error status.” (EIO's only value is 4; a transport must be one the server has.)"
}

func methodName(m string) string {
	if m == "" {
		return http.MethodGet
	}
	return m
}

// expectWSRefused dials a WebSocket that the target must refuse: an HTTP
// error status, a dropped connection, or a 101 followed by a close before
// any open packet all pass; an open packet fails.
func expectWSRefused(c *suite.C, query string, o wire.WSOptions) error {
	const expected = "the WebSocket refused (an HTTP error status, or a close with no open packet)"
	ws, err := dialWS(c, query, o)
	var status *wire.StatusError
	switch {
	case errors.As(err, &status):
		c.Observed("upgrade refused: HTTP %d %q", status.Status, status.Body)
		return nil
	case errors.Is(err, wire.ErrDropped):
		c.Observed("connection dropped without a response: %v", err)
		return nil
	case err != nil:
		return fault(expected, err)
	}
	ev, err := nextText(c, ws)
	var proto *wire.ProtocolError
	switch {
	case isClosed(err):
		c.Observed("101, then %v before any packet", err)
		return nil
	case errors.As(err, &proto):
		// Refused, but by writing bytes that are no WebSocket frame into
		// the upgraded stream (an HTTP error response, typically) before
		// closing: the connection ends as required, not cleanly.
		c.Observed("101, then %v", err)
		return suite.NonStrict("the connection ended before any packet, but after a 101 and bytes that are no WebSocket frame: %v", err)
	case err != nil:
		return fault(expected, err)
	}
	return suite.Violationf(expected, "101, then %s %q", ev.Op, ev.Data)
}
