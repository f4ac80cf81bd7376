package faults

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"socketlab/conformance/internal/faultproxy"
	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// The latency case's network: 300 ms each way, ±50 ms (order kept).
const (
	latency = 300 * time.Millisecond
	jitter  = 50 * time.Millisecond
)

func init() {
	suite.Register(suite.Case{
		ID: "FAULT-LATENCY-1", Level: suite.LevelFaults, On: suite.App, Strength: suite.Must,
		Title: "300 ms ± 50 ms latency: handshake, upgrade and events",
		Requirement: `Latency changes no rule. The server MUST "send a noop packet to any pending GET request (if applicable) to cleanly close HTTP long-polling transport" ` +
			`and "respond with a pong packet with the string probe in the payload" when upgrading, with no packet lost ("to ensure that no packet gets lost"); ` +
			`the official client MUST work with "the default (polling, then upgrade)"; a video's events MUST arrive in order, each once, and an announcement MUST reach every connected socket once.`,
		Source: "engine.io-protocol v4 §Upgrade; contract IO-2, PROG-2, PROG-3, ANN-4, ROOM-3",
		Steps: []string{
			"fault proxy: 300 ms ± 50 ms each way (order kept)",
			"polling handshake through it (the open packet offers websocket), CONNECT with a valid token",
			"upgrade: WebSocket with the sid, 2probe → 3probe, the pending GET released (noop)",
			"before the upgrade packet, the admin uploads calm.mp4 and posts an announcement (directly), then → 5",
			"over WebSocket: the announcement once, video:subscribe acknowledged with the video, 10 → 40 → 70 → processed each once in order, a second announcement",
		},
		Timeout: 90 * time.Second,
		Run:     upgradeUnderLatency,
	})
}

func upgradeUnderLatency(c *suite.C) error {
	p, base, err := startProxy(c)
	if err != nil {
		return err
	}
	setToxics(c, p, faultproxy.Toxics{Latency: latency, Jitter: jitter}, "300 ms ± 50 ms each way")
	o := newOrg(c)
	direct := rest.New(c.URL(), c.Log)
	// Each step is bounded by the app's heartbeat: a healthy server may stay
	// silent that long, and a round trip here is 0.5–0.7 s.
	step := c.Heartbeat()
	c.Expect("handshake, CONNECT, upgrade (3probe, noop), the ack, the announcements once, 10 → 40 → 70 → processed once in order")

	began := time.Now()
	ctx, cancel := c.Within(step)
	defer cancel()
	sess, err := wire.OpenPolling(ctx, base, c.Log, wire.SessionOptions{Path: wire.SocketPath, Name: "member"})
	if err != nil {
		return blame("the polling handshake through 300 ms of latency", err)
	}
	defer sess.Close()
	c.Measure("handshake_ms", ms(time.Since(began)))
	if !slices.Contains(sess.Open.Upgrades, wire.WebSocket) {
		return suite.Violationf(`an open packet offering "websocket" (contract IO-2: polling, then upgrade)`, "upgrades %q", sess.Open.Upgrades)
	}
	sio := wire.NewSIO(sess)
	connecting := time.Now()
	if _, err := sio.Connect(ctx, "/", auth(o.MemberToken)); err != nil {
		return blame("the CONNECT accepted through 300 ms of latency", err)
	}
	c.Measure("connect_ms", ms(time.Since(connecting)))

	life, stop := context.WithCancel(c.Ctx)
	defer stop()
	got := collect(life, sio)

	upgrading := time.Now()
	uctx, ucancel := c.Within(step)
	defer ucancel()
	ws, err := sess.BeginUpgrade(uctx)
	if err != nil {
		return blame("3probe in answer to 2probe through 300 ms of latency", err)
	}
	// Between the probe and the upgrade packet the server holds what it
	// sends (the polling GET was released, the WebSocket is not yet in use):
	// the upload's events and an announcement start there, and must come
	// out on the WebSocket, each once.
	v, _, err := upload(c, direct, o.AdminToken)
	if err != nil {
		ws.Close()
		return err
	}
	during := "during the upgrade " + jwtmint.RandomID("")
	if err := announce(c.Ctx, direct, o.AdminToken, during); err != nil {
		ws.Close()
		return err
	}
	if err := sess.CompleteUpgrade(uctx, ws); err != nil {
		ws.Close()
		return blame("the pending GET released with a noop, then the upgrade completed", err)
	}
	c.Measure("upgrade_ms", ms(time.Since(upgrading)))
	c.Measure("noops", sess.NoopCount())

	wctx, wcancel := c.Within(step)
	defer wcancel()
	if _, err := got.wait(wctx, "the announcement posted during the upgrade", isAnnouncement(during)); err != nil {
		return blame("the announcement posted during the upgrade", err)
	}
	acking := time.Now()
	ackID := uint64(1)
	if err := sio.Emit(wctx, "/", &ackID, "video:subscribe", v.ID); err != nil {
		return blame("video:subscribe sent over the upgraded WebSocket", err)
	}
	ack, err := got.wait(wctx, "the video:subscribe ack", isAck(ackID))
	if err != nil {
		return blame("the video:subscribe ack over WebSocket", err)
	}
	c.Measure("ack_rtt_ms", ms(time.Since(acking)))
	var args []struct {
		OK    bool  `json:"ok"`
		Video video `json:"video"`
	}
	if json.Unmarshal(ack.Data, &args) != nil || len(args) == 0 || !args[0].OK || args[0].Video.ID != v.ID {
		return suite.Violationf(`the ack [{"ok":true,"video":{"_id":"`+v.ID+`",…}}] (contract ROOM-3)`, "%s", ack.Raw)
	}

	pctx, pcancel := c.Within(c.Cfg.ProcessTimeout)
	defer pcancel()
	if _, err := got.wait(pctx, "the video's terminal event", func(p wire.Packet) bool {
		st := wireStep(p, v.ID)
		return st == "processed" || st == "failed"
	}); err != nil {
		return blame("the video's terminal event", err)
	}
	after := "after the upgrade " + jwtmint.RandomID("")
	announced := time.Now()
	if err := announce(c.Ctx, direct, o.AdminToken, after); err != nil {
		return err
	}
	if _, err := got.wait(wctx, "the second announcement", isAnnouncement(after)); err != nil {
		return blame("the announcement over WebSocket", err)
	}
	c.Measure("announcement_ms", ms(time.Since(announced)))
	if sess.Transport() != wire.WebSocket {
		return suite.Violationf("the session on WebSocket after the upgrade", "%s", sess.Transport())
	}

	var run []string
	counts := map[string]int{}
	for _, pk := range got.packets() {
		if st := wireStep(pk, v.ID); st != "" {
			run = append(run, st)
		}
		if isAnnouncement(during)(pk) || isAnnouncement(after)(pk) {
			counts[pk.Event()]++
		}
	}
	// The CONNECT came before the upload, so the socket was in the
	// organization room for every event (ROOM-1), wherever the upgrade was.
	if !slices.Equal(run, fullRun) {
		return suite.Violationf("10 → 40 → 70 → processed, each once, across the upgrade", "%s", joined(run))
	}
	if counts["server:announcement"] != 2 {
		return suite.Violationf("each announcement once", "%d announcements for 2 sent", counts["server:announcement"])
	}
	c.Observed("upgraded in %v under 300 ms ± 50 ms; events in order, announcements once; whole session %v",
		time.Since(upgrading).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	return nil
}
