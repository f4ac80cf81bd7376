package faults

import (
	"fmt"
	"slices"
	"time"

	"socketlab/conformance/internal/faultproxy"
	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

// sliceDelay separates the 1-byte segments: long enough that each reaches
// the peer as its own read (TCP_NODELAY is set on both legs), short enough
// that a few kilobytes cross in seconds.
const sliceDelay = time.Millisecond

// sliceMessage is split inside multi-byte UTF-8 sequences by the slicer: a
// decoder that converts each read to text on its own garbles it.
const sliceMessage = "1-byte slicing ✓ — ünïcødé, 日本語, 😀🎬 "

func init() {
	for i, transport := range []string{sioclient.WebSocket, sioclient.Polling} {
		suite.Register(suite.Case{
			ID: fmt.Sprintf("FAULT-SLICE-%d", i+1), Level: suite.LevelFaults, On: suite.App, Strength: suite.Must,
			Title: "Every byte in its own TCP segment (" + transport + ")",
			Requirement: `TCP is a byte stream: a peer MUST decode HTTP, WebSocket frames (RFC 6455 §5.2), Engine.IO and Socket.IO packets ` +
				`whatever the segmentation. With every byte in its own segment, both ways, the handshake, the CONNECT with a valid token ` +
				`("the server MUST take it from there"), the video:subscribe ack ("MUST … acknowledge {"ok":true,"video":…}"), ` +
				`the processing events and an announcement ("message verbatim") MUST arrive intact.`,
			Source: "RFC 9293 §3.8.4 and RFC 6455 §5.2 (byte stream, frames independent of segments); engine.io-protocol v4 §Packet encoding; contract AUTH-1, ROOM-3, PROG-2, ANN-4",
			Steps: []string{
				"fault proxy: 1-byte segments, 1 ms apart, in both directions",
				"through it, a member of a fresh organization opens a session over " + transport + " and CONNECTs with a valid token",
				"the admin uploads calm.mp4 (directly); the member's socket receives 10 → 40 → 70 → processed, with the fixture's metadata",
				"→ video:subscribe with an ack: the snapshot is the completed video",
				"the admin announces a message with multi-byte UTF-8 characters: the socket receives it verbatim",
				"no frame of the session was refused by the strict codec",
			},
			Timeout: 60 * time.Second,
			Run:     func(c *suite.C) error { return slicedSession(c, transport) },
		})
	}
}

func slicedSession(c *suite.C, transport string) error {
	p, base, err := startProxy(c)
	if err != nil {
		return err
	}
	setToxics(c, p, faultproxy.Toxics{SliceBytes: 1, SliceDelay: sliceDelay}, "1-byte segments, 1 ms apart")
	o := newOrg(c)
	direct := rest.New(c.URL(), c.Log)
	c.Expect("every step intact through the slicer: CONNECT accepted, 10 → 40 → 70 → processed, the ack, the announcement verbatim")

	began := time.Now()
	s, err := dial(c, base, auth(o.MemberToken), sioclient.Options{Transport: transport, Log: c.Log, Name: "member"})
	if s != nil {
		defer s.Close()
	}
	if err != nil {
		return blame("the handshake and CONNECT accepted through the slicer", err)
	}
	c.Measure("connect_ms", ms(time.Since(began)))

	v, _, err := upload(c, direct, o.AdminToken)
	if err != nil {
		return err
	}
	ctx, cancel := c.Within(c.Cfg.ProcessTimeout)
	defer cancel()
	if _, err := s.Wait(ctx, terminal(v.ID)); err != nil {
		return blame("the video's terminal event through the slicer", err)
	}
	if got := steps(v.ID, s); !slices.Equal(got, fullRun) {
		return suite.Violationf("10 → 40 → 70 → processed (contract PROG-2)", "%s", joined(got))
	}
	if err := processed(c, s, v.ID); err != nil {
		return err
	}

	// A healthy server answers within its heartbeat; the slicer adds about
	// a millisecond per byte, well inside it.
	hctx, hcancel := c.Within(c.Heartbeat())
	defer hcancel()
	acked := time.Now()
	snap, err := subscribe(hctx, s, v.ID)
	if err != nil {
		return blame("the video:subscribe ack through the slicer", err)
	}
	c.Measure("ack_ms", ms(time.Since(acked)))
	if err := completed(c, snap, "the snapshot of the completed video (contract ROOM-3)"); err != nil {
		return err
	}

	msg := sliceMessage + jwtmint.RandomID("")
	announced := time.Now()
	if err := announce(hctx, direct, o.AdminToken, msg); err != nil {
		return err
	}
	if _, err := s.Wait(hctx, sioclient.EventNamed("server:announcement", sioclient.Member("message", msg))); err != nil {
		return blame("the announcement, verbatim, through the slicer", err)
	}
	c.Measure("announcement_ms", ms(time.Since(announced)))
	if bad := badFrames(s); len(bad) > 0 {
		return suite.Violationf("no frame refused by the strict codec", "%d refused, first: %s", len(bad), bad[0])
	}
	c.Observed("all intact: CONNECT, 10 → 40 → 70 → processed, the ack, the announcement; session took %v", time.Since(began).Round(time.Millisecond))
	return nil
}
