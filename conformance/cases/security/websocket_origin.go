package security

import (
	"errors"
	"net/http"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

func init() {
	suite.Register(
		suite.Case{
			ID: "SECURITY-WS-ORIGIN-1", Level: suite.LevelSecurity, On: suite.App, Strength: suite.Should,
			Title:       "A WebSocket from a foreign origin is refused",
			Requirement: `"A WebSocket handshake carrying an Origin that is not allowed SHOULD be refused" — browsers do not apply CORS to WebSockets, so the server is the only check (cross-site WebSocket hijacking).`,
			Source:      "contract SEC-5; RFC 6455 §10.2",
			Steps:       []string{"open /socket.io/?EIO=4&transport=websocket with Origin: https://evil.socketlab.test", "expect a refusal before the 101"},
			Run:         foreignWebSocketRefused,
		},
		suite.Case{
			ID: "SECURITY-WS-ORIGIN-2", Level: suite.LevelSecurity, On: suite.App, Strength: suite.Must,
			Title:       "A WebSocket from the allowed origin connects",
			Requirement: `Allowed origins "MUST be configurable" and the official client in a page of an allowed origin MUST connect over WebSocket (a server that refuses every Origin breaks browsers).`,
			Source:      "contract SEC-1, IO-2",
			Steps:       []string{"connect over WebSocket with Origin set to the allowed origin and a valid token", "expect CONNECT"},
			Run:         allowedWebSocketConnects,
		},
	)
}

func foreignWebSocketRefused(c *suite.C) error {
	token := newToken(c, jwtmint.Member)
	s, err := sioclient.Dial(c.Ctx, c.URL(), map[string]any{"token": token}, sioclient.Options{
		Log: c.Log, Header: http.Header{"Origin": {"https://evil.socketlab.test"}}})
	if s != nil {
		defer s.Close()
	}
	var hs *sioclient.HandshakeError
	if errors.As(err, &hs) {
		c.Observed("refused: %v", hs)
		return nil
	}
	if err != nil {
		return err
	}
	return suite.Violationf("the handshake refused", "connected with sid %s from a foreign origin", s.SID())
}

func allowedWebSocketConnects(c *suite.C) error {
	if c.Cfg.Origin == "" {
		return suite.Skip("no allowed origin given (-origin)")
	}
	token := newToken(c, jwtmint.Member)
	s, err := sioclient.Dial(c.Ctx, c.URL(), map[string]any{"token": token}, sioclient.Options{
		Log: c.Log, Header: http.Header{"Origin": {c.Cfg.Origin}}})
	if s != nil {
		defer s.Close()
	}
	var hs *sioclient.HandshakeError
	if errors.As(err, &hs) {
		return suite.Violationf("a WebSocket session", "refused: %v", hs)
	}
	return err
}
