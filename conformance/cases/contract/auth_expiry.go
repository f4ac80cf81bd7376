package contract

import (
	"context"
	"errors"
	"net/http"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

const reqAUTH11 = `"When a connected socket's token stops being acceptable (now ≥ exp + 5), the server SHOULD emit session:expired {"message":"Token expired"} to it, then disconnect it from /. The harness accepts the pair between exp and exp + 10 s, the event first."`

func authExpirySpecs() []spec {
	return []spec{{id: "AUTH-11", clause: "AUTH-11", level: suite.LevelAuth, strength: suite.Should, title: "session:expired, then DISCONNECT", req: reqAUTH11, world: true,
		steps: []string{"shared run: a socket connects with exp 2 to 3 s ago (valid for 2 to 3 more seconds)",
			`← 42["session:expired",{"message":"Token expired"}] then ← 41, between exp and exp + 10 s`},
		run: runAUTH11}}
}

func runAUTH11(c *suite.C) error {
	w, err := getWorld(c, "A-member/expiring")
	if err != nil {
		return err
	}
	if w.shortS == nil {
		return suite.Violationf("the token with exp = now − 3 s accepted (AUTH-6), then expired", "it was not accepted")
	}
	s := w.shortS
	ctx, cancel := context.WithDeadline(c.Ctx, w.shortAt.Add(10*time.Second))
	defer cancel()
	disc, err := s.Wait(ctx, func(r sioclient.Received) bool {
		return r.Err == nil && r.Packet.Type == codec.SIODisconnect && r.Packet.Namespace == "/"
	})
	var closed *sioclient.ClosedError
	if err != nil && !errors.As(err, &closed) {
		return suite.Violationf("session:expired and DISCONNECT by exp + 10 s", "nothing by exp + 10 s (%d packets received)", s.Len())
	}
	var expired *sioclient.Received
	for _, r := range s.Events() {
		if r.Event == "session:expired" {
			expired = &r
			break
		}
	}
	switch {
	case expired == nil:
		return suite.Violationf(`session:expired {"message":"Token expired"} before the disconnection`, "no session:expired (the connection ended: %v)", err)
	case err != nil:
		return suite.Violationf("a DISCONNECT packet for / after session:expired", "the transport closed without DISCONNECT")
	case expired.Seq > disc.Seq:
		return suite.Violationf("session:expired first, then DISCONNECT", "DISCONNECT came first")
	case expired.At.Before(w.shortAt):
		return suite.Violationf("session:expired no earlier than exp", "%v before exp", w.shortAt.Sub(expired.At))
	}
	if m, ok := objectArg(*expired); !ok {
		return suite.Violationf(`{"message":"Token expired"}`, "%s", expired.Frame)
	} else if msg, _ := str(m, "message"); msg != "Token expired" {
		return suite.Violationf(`{"message":"Token expired"}`, "%s", expired.Frame)
	}
	c.Measure("session:expired after exp", expired.At.Sub(w.shortAt).Round(time.Millisecond).String())
	return nil
}

const reqSEC5 = `"A WebSocket handshake carrying an Origin that is not allowed SHOULD be refused as in protocol.md."`

func secOriginSpecs() []spec {
	return []spec{{id: "SEC-5", clause: "SEC-5", level: suite.LevelAuth, strength: suite.Should, title: "WebSocket from a foreign origin is refused", req: reqSEC5,
		steps: []string{"→ GET /socket.io/?EIO=4&transport=websocket  Origin: https://evil.test", `← 403 {"code":4,"message":"Forbidden"}`,
			"the same with the allowed origin (-origin): 101"},
		run: func(c *suite.C) error {
			e := newEnv(c)
			ctx, cancel := e.within()
			defer cancel()
			s, err := sioclient.Dial(ctx, e.base, nil, sioclient.Options{Log: c.Log, Name: "evil-origin", NoConnect: true,
				Header: http.Header{"Origin": {"https://evil.test"}}})
			if err == nil {
				s.Close()
				return suite.Violationf("403 for the WebSocket handshake from https://evil.test", "101: the WebSocket was opened")
			}
			var hs *sioclient.HandshakeError
			if !errors.As(err, &hs) {
				return err
			}
			if hs.Status != 403 {
				return suite.Violationf(`403 {"code":4,"message":"Forbidden"}`, "HTTP %d %q", hs.Status, clip(hs.Body, 200))
			}
			if c.Cfg.Origin != "" {
				s, err := sioclient.Dial(ctx, e.base, nil, sioclient.Options{Log: c.Log, Name: "allowed-origin", NoConnect: true,
					Header: http.Header{"Origin": {c.Cfg.Origin}}})
				if err != nil {
					return suite.Violationf("the allowed origin "+c.Cfg.Origin+" can open a WebSocket", "%v", err)
				}
				s.Close()
			}
			return nil
		}}}
}
