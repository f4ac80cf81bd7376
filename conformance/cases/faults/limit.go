package faults

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"socketlab/conformance/internal/faultproxy"
	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

// The cut: each proxied connection is reset once cutAfter bytes crossed it
// (both directions counted). A session's handshake and CONNECT take about
// 1–2 KiB, so a bigArg-long argument is cut well inside its frame or body.
const (
	cutAfter = 16 << 10
	bigArg   = 64 << 10
)

func init() {
	for i, transport := range []string{sioclient.WebSocket, sioclient.Polling} {
		what := "a WebSocket frame"
		if transport == sioclient.Polling {
			what = "a polling POST body"
		}
		suite.Register(suite.Case{
			ID: fmt.Sprintf("FAULT-LIMIT-%d", i+1), Level: suite.LevelFaults, On: suite.App, Strength: suite.Must, Hostile: true,
			Title: "A connection cut inside " + what + ": the server survives",
			Requirement: `"The server MUST NOT answer a 5xx to, or stop on, any request or packet": a connection reset in the middle of ` + what +
				` loses that connection's data only; the client's next session MUST work ("MUST … acknowledge" video:subscribe as ROOM-4 says).`,
			Source: "contract SEC-9, ROOM-4; RFC 6455 §7.1.7 (a truncated frame fails that connection only)",
			Steps: []string{
				"fault proxy: each connection reset (RST) once 16 KiB crossed it",
				"a member connects through it over " + transport + " (about 1–2 KiB) and emits video:subscribe with a 64 KiB argument: the proxy cuts it about 14 KiB in",
				"healed: the member's next session through the proxy CONNECTs, and video:subscribe of an unknown id is acknowledged {\"ok\":false,\"error\":\"Video not found\"}",
				"after the case, the harness checks that the app still accepts a fresh session",
			},
			Timeout: 30 * time.Second,
			Run:     func(c *suite.C) error { return cutInside(c, transport) },
		})
	}
}

func cutInside(c *suite.C, transport string) error {
	p, base, err := startProxy(c)
	if err != nil {
		return err
	}
	setToxics(c, p, faultproxy.Toxics{LimitBytes: cutAfter}, "each connection reset once 16 KiB crossed it")
	o := newOrg(c)
	c.Expect("the next session works: CONNECT accepted, video:subscribe acknowledged")
	opts := sioclient.Options{Transport: transport, Log: c.Log, Name: "member"}
	s, err := dial(c, base, auth(o.MemberToken), opts)
	if s != nil {
		defer s.Close()
	}
	if err != nil {
		return blame("the CONNECT accepted through the proxy (before the limit)", err)
	}
	sendErr := s.Emit("video:subscribe", strings.Repeat("x", bigArg))
	switch transport {
	case sioclient.WebSocket:
		// The frame left in one write; the proxy resets both sides when the
		// limit is reached, which ends the client's connection.
		select {
		case <-s.Done():
		case <-time.After(c.Heartbeat()):
			return fmt.Errorf("the proxy did not cut the connection (limit %d bytes, frame %d bytes)", cutAfter, bigArg)
		}
	case sioclient.Polling:
		if sendErr == nil {
			return fmt.Errorf("the 64 KiB POST went through a proxy that cuts at %d bytes", cutAfter)
		}
	}
	c.Logf("cut: %v", sendErr)

	setToxics(c, p, faultproxy.Toxics{}, "healed")
	opts.Name = "member/next"
	next, err := dial(c, base, auth(o.MemberToken), opts)
	if next != nil {
		defer next.Close()
	}
	if err != nil {
		return blame("the next session's CONNECT accepted", err)
	}
	ctx, cancel := c.Within(c.Heartbeat())
	defer cancel()
	args, err := next.EmitWithAck(ctx, "video:subscribe", jwtmint.RandomID("no-such-video-"))
	if err != nil {
		return blame("the next session's video:subscribe acknowledged", err)
	}
	var ack map[string]any
	if len(args) == 0 || json.Unmarshal(args[0], &ack) != nil || ack["ok"] != false || ack["error"] != "Video not found" || len(ack) != 2 {
		return suite.Violationf(`[{"ok":false,"error":"Video not found"}] (contract ROOM-4)`, "%s", rawArgs(args))
	}
	c.Observed("cut inside the %d-byte message; the next session connected and was acknowledged", bigArg)
	return nil
}
