package faults

import (
	"slices"
	"time"

	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

// reconnectDelay is socket.io-client's reconnectionDelay (1000 ms, its
// first attempt's delay before jitter; docs/protocol.md §Reconnection).
const reconnectDelay = time.Second

func init() {
	suite.Register(suite.Case{
		ID: "FAULT-RESET-1", Level: suite.LevelFaults, On: suite.App, Strength: suite.Must,
		Title: "A reset in the middle of a video's stages: the client ends with the right state",
		Requirement: `A connection reset loses what was in flight, not the video: "every accepted upload MUST reach a terminal event", ` +
			`a state "MUST be readable before its event is emitted", and the video:subscribe snapshot MUST be "the state at the time of the ack". ` +
			`So a client that reconnects — fresh, or with recovery when offered ("a recovered socket MUST … receive what it missed, in order") — ` +
			`MUST end with the completed video and its metadata: from the events with recovery, and from the snapshot and GET /api/videos/{id} in any case.`,
		Source: "contract PROG-7, VID-2, VID-3, ROOM-3, RECOV-1, §13",
		Steps: []string{
			"fault proxy, healthy; a member connects through it over WebSocket",
			"the admin uploads calm.mp4 (directly); when the first video:progress about it arrives, the proxy resets both sides (RST)",
			"after 1 s (socket.io-client's reconnectionDelay) the client reconnects through the proxy: with its pid and last offset when the CONNECT reply offered a pid, else fresh",
			"recovered (same sid): the events over both connections are 10 → 40 → 70 → processed, each once",
			"in any case: the video:subscribe snapshot, once the video is done, and GET /api/videos/{id} are the completed video with the fixture's metadata",
		},
		Timeout: 60 * time.Second,
		Run:     resetMidStages,
	})
}

func resetMidStages(c *suite.C) error {
	p, base, err := startProxy(c)
	if err != nil {
		return err
	}
	o := newOrg(c)
	direct := rest.New(c.URL(), c.Log)
	c.Expect("after the reset and the reconnection: the completed video with calm.mp4's metadata (events with recovery, snapshot and GET in any case)")
	opts := sioclient.Options{Log: c.Log, Name: "member"}
	first, err := dial(c, base, auth(o.MemberToken), opts)
	if first != nil {
		defer first.Close()
	}
	if err != nil {
		return blame("the CONNECT accepted through the proxy", err)
	}
	v, _, err := upload(c, direct, o.AdminToken)
	if err != nil {
		return err
	}
	ctx, cancel := c.Within(c.Cfg.ProcessTimeout)
	defer cancel()
	if _, err := first.Wait(ctx, func(r sioclient.Received) bool { return stepOf(r, v.ID) != "" }); err != nil {
		return blame("the video's first event (contract PROG-7)", err)
	}
	c.Measure("steps_before_reset", len(steps(v.ID, first)))
	reset := time.Now()
	c.Logf("fault proxy: reset (RST both sides) of %d connection(s)", p.ResetPeers())
	select {
	case <-first.Done():
	case <-time.After(c.Heartbeat()):
		return suite.Violationf("the client's connection ended by the reset", "still open after %v", c.Heartbeat())
	}

	// The official client waits reconnectionDelay before its first attempt;
	// the video goes on meanwhile, so the reconnection has missed events.
	select {
	case <-time.After(reconnectDelay):
	case <-c.Ctx.Done():
		return c.Ctx.Err()
	}
	var second *sioclient.Socket
	if first.PID() != "" {
		rctx, rcancel := c.Within(c.Heartbeat())
		second, err = first.Reconnect(rctx, auth(o.MemberToken))
		rcancel()
	} else {
		second, err = dial(c, base, auth(o.MemberToken), sioclient.Options{Log: c.Log, Name: "member/fresh"})
	}
	if second != nil {
		defer second.Close()
	}
	if err != nil {
		return blame("the reconnection's CONNECT accepted", err)
	}
	reconnected := time.Since(reset)
	c.Measure("reconnected_after_ms", ms(reconnected))
	c.Measure("replayed_events", replayedEvents([]*sioclient.Socket{second}))
	recovered := first.PID() != "" && second.SID() == first.SID()
	c.Measure("recovered", recovered)

	hctx, hcancel := c.Within(c.Heartbeat())
	defer hcancel()
	snap, err := subscribe(hctx, second, v.ID)
	if err != nil {
		return blame("the video:subscribe ack after the reconnection", err)
	}
	if snap.Status == "processing" {
		if _, err := second.Wait(ctx, terminal(v.ID)); err != nil {
			return blame("the video's terminal event after the reconnection", err)
		}
		actx, acancel := c.Within(c.Heartbeat())
		defer acancel()
		if snap, err = subscribe(actx, second, v.ID); err != nil {
			return blame("the video:subscribe ack once the video is done", err)
		}
	}
	if recovered {
		if got := steps(v.ID, first, second); !slices.Equal(got, fullRun) {
			return suite.Violationf("10 → 40 → 70 → processed, each once, over the reset (contract RECOV-1)", "%s", joined(got))
		}
	}
	if err := completed(c, snap, "the snapshot of the completed video (contract ROOM-3, VID-2)"); err != nil {
		return err
	}
	got, err := getVideo(c.Ctx, direct, o.MemberToken, v.ID)
	if err != nil {
		return err
	}
	if err := completed(c, got, "GET /api/videos/"+v.ID+" is the completed video (contract VID-2)"); err != nil {
		return err
	}
	how := "a fresh session"
	if recovered {
		how = "recovery (same sid), events " + joined(steps(v.ID, first, second))
	}
	c.Observed("reset after %d event(s); reconnected in %v by %s; snapshot and GET: completed with the fixture's metadata",
		len(steps(v.ID, first)), reconnected.Round(time.Millisecond), how)
	return nil
}
