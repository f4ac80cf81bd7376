package security

import (
	"time"

	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

func init() {
	suite.Register(suite.Case{
		ID: "SECURITY-CONNECT-TIMEOUT-1", Level: suite.LevelSecurity, On: suite.App, Strength: suite.Should,
		Title: "A connection that never sends CONNECT is closed",
		Requirement: `An Engine.IO connection that joins no namespace SHOULD be closed after the server's connectTimeout ` +
			`(socket.io: "the number of ms before disconnecting a client that has not successfully joined a namespace", default 45 000): ` +
			`otherwise anyone can hold server memory with handshakes alone, answering pings forever.`,
		Source: "socket.io server options, connectTimeout; contract SEC-9",
		Steps: []string{
			"open an Engine.IO session over WebSocket and answer every ping, never sending a Socket.IO CONNECT",
			"expect the server to close it within connectTimeout + pingInterval + pingTimeout",
		},
		Hostile: true,
		Timeout: 2 * time.Minute,
		Run:     idleConnectionClosed,
	})
}

func idleConnectionClosed(c *suite.C) error {
	bound := c.Cfg.ConnectTimeout + c.Heartbeat() + 2*time.Second
	c.Expect("closed within %v (connectTimeout %v)", bound, c.Cfg.ConnectTimeout)
	began := time.Now()
	s, err := sioclient.Dial(c.Ctx, c.URL(), nil, sioclient.Options{Log: c.Log, NoConnect: true})
	if err != nil {
		return err
	}
	defer s.Close()
	select {
	case <-s.Done():
		c.Measure("closed_after_ms", time.Since(began).Milliseconds())
		c.Observed("closed after %v", time.Since(began).Round(time.Millisecond))
		return nil
	case <-time.After(bound):
		return suite.Violationf("the server closes the connection", "still open after %v", bound)
	case <-c.Ctx.Done():
		return c.Ctx.Err()
	}
}
