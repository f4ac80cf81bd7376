package faults

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/setcheck"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wirelog"
)

// The recovery storm: resets spread over the uploads, one upload every
// recovResets/recovUploads resets; each reset comes right after the next
// video event (so it cuts the stream mid-flight) or after recovPace, and the
// network stays down for 0 to recovMaxGap (in steps of a quarter) before
// the client reconnects, so that events are emitted while it is away and
// recovery has something to replay.
const (
	recovResets  = 100
	recovUploads = 20
	recovPace    = 150 * time.Millisecond
	recovMaxGap  = 200 * time.Millisecond
)

func init() {
	suite.Register(suite.Case{
		ID: "FAULT-RECOV-1", Level: suite.LevelFaults, On: suite.App, Strength: suite.Optional,
		Title: fmt.Sprintf("Connection state recovery through %d resets during %d uploads", recovResets, recovUploads),
		Requirement: `"A recovered socket MUST keep its organization, user and video rooms and receive what it missed, in order" — ` +
			`every time: over many resets nothing is lost, nothing is delivered twice, and each video's events keep their order ` +
			`("stages follow in order, each at most once"; "exactly one of video:processed or video:failed"). Optional: without a pid in the CONNECT reply, UNIMPLEMENTED.`,
		Source: "contract §13 RECOV-1, PROG-2, PROG-3; socket.io connection state recovery (4.6)",
		Steps: []string{
			"fault proxy, healthy; a member connects through it over WebSocket (a pid in the CONNECT reply, else UNIMPLEMENTED)",
			fmt.Sprintf("the admin uploads calm.mp4 %d times (directly), one every %d resets", recovUploads, recovResets/recovUploads),
			fmt.Sprintf("%d times: right after the next video event (or %v), the proxy resets both sides (RST); after 0 to %v the client reconnects through it with the token, its pid and the last offset it received", recovResets, recovPace, recovMaxGap),
			"once every video is done: over all the connections, each video's events are exactly 10 → 40 → 70 → processed (set check: lost 0, duplicated 0, unexpected 0; order per video)",
			"a reconnection answered with a new sid (no recovery) is recorded; with nothing lost it is NON-STRICT",
		},
		Timeout: 2 * time.Minute,
		Run:     recoveryStorm,
	})
}

func recoveryStorm(c *suite.C) error {
	p, base, err := startProxy(c)
	if err != nil {
		return err
	}
	o := newOrg(c)
	direct := rest.New(c.URL(), c.Log)
	began := time.Now()
	cur, err := dial(c, base, auth(o.MemberToken), sioclient.Options{Log: c.Log, Name: "recov#0"})
	sockets := []*sioclient.Socket{}
	defer func() {
		for _, s := range sockets {
			s.Close()
		}
	}()
	if cur != nil {
		sockets = append(sockets, cur)
	}
	if err != nil {
		return blame("the CONNECT accepted through the proxy", err)
	}
	pid, sid := cur.PID(), cur.SID()
	if pid == "" {
		return suite.Unimplemented("the CONNECT reply carries no pid: connection state recovery is off")
	}
	c.Expect("%d videos × (10 → 40 → 70 → processed) over %d resets: lost 0, duplicated 0, unexpected 0, order kept", recovUploads, recovResets)

	var ids []string
	uploadNext := func() error {
		v, _, err := upload(c, direct, o.AdminToken)
		if err == nil {
			ids = append(ids, v.ID)
		}
		return err
	}
	if err := uploadNext(); err != nil {
		return err
	}
	// Recovery starts from an offset: the first reset waits for one.
	fctx, fcancel := c.Within(c.Cfg.ProcessTimeout)
	_, err = cur.Wait(fctx, func(r sioclient.Received) bool { return stepOf(r, ids[0]) != "" })
	fcancel()
	if err != nil {
		return blame("the first video's first event", err)
	}
	offset := cur.Offset()

	var (
		fresh      []int
		reconnects []time.Duration // the reconnection's handshake and CONNECT
		down       []time.Duration // from the reset to the CONNECT reply
		midStream  int
		// sentOffsets[i-1] is the offset reconnection i presented.
		sentOffsets []string
		isVideo     = func(r sioclient.Received) bool { id, _ := videoStep(r); return id != "" }
	)
	for i := 1; i <= recovResets; i++ {
		if i%(recovResets/recovUploads) == 0 && len(ids) < recovUploads {
			if err := uploadNext(); err != nil {
				return err
			}
		}
		wctx, wcancel := c.Within(recovPace)
		_, err := cur.WaitFrom(wctx, cur.Len(), isVideo)
		wcancel()
		if err == nil {
			midStream++
		}
		var closed *sioclient.ClosedError
		if errors.As(err, &closed) {
			return suite.Violationf("the connection open until the harness resets it", "connection %d ended by itself: %v", i-1, err)
		}
		cut := time.Now()
		p.ResetPeers()
		select {
		case <-cur.Done():
		case <-time.After(c.Heartbeat()):
			return suite.Violationf("the connection ended by the reset", "connection %d still open after %v", i-1, c.Heartbeat())
		}
		// Read once the connection is over: an event may still have
		// arrived between the wait and the reset.
		if off := cur.Offset(); off != "" {
			offset = off
		}
		sentOffsets = append(sentOffsets, offset)
		select {
		case <-time.After(time.Duration(i%5) * recovMaxGap / 4):
		case <-c.Ctx.Done():
			return c.Ctx.Err()
		}
		// The token, the pid and the last offset the client has seen on any
		// connection (a connection may end before receiving one), as the
		// official client keeps them across reconnections.
		payload := map[string]any{"token": o.MemberToken, "pid": pid}
		if offset != "" {
			payload["offset"] = offset
		}
		var log *wirelog.Log
		if i <= 2 {
			log = c.Log // the first reconnections show the handshake; the rest are summarized
		}
		dialed := time.Now()
		next, err := dial(c, base, payload, sioclient.Options{Log: log, Name: fmt.Sprintf("recov#%d", i)})
		if next != nil {
			sockets = append(sockets, next)
		}
		if err != nil {
			return blame(fmt.Sprintf("reconnection %d's CONNECT (token, pid, offset) accepted", i), err)
		}
		reconnects = append(reconnects, time.Since(dialed))
		down = append(down, time.Since(cut))
		if next.SID() != sid {
			fresh = append(fresh, i)
			c.Logf("reconnection %d: a new sid %s (not recovered)", i, next.SID())
			sid = next.SID()
		}
		if next.PID() != "" {
			pid = next.PID()
		}
		cur = next
	}
	for len(ids) < recovUploads {
		if err := uploadNext(); err != nil {
			return err
		}
	}
	c.Logf("%d resets done after %v; waiting for every video's terminal event", recovResets, time.Since(began).Round(time.Millisecond))
	ctx, cancel := c.Within(c.Cfg.ProcessTimeout)
	defer cancel()
	for _, id := range ids {
		if slices.ContainsFunc(steps(id, sockets...), func(s string) bool { return s == "processed" || s == "failed" }) {
			continue
		}
		if _, err := cur.Wait(ctx, terminal(id)); err != nil {
			return blame("video "+id+"'s terminal event on the last connection", err)
		}
	}

	var expected, received []string
	mine := map[string]bool{}
	for _, id := range ids {
		mine[id] = true
		for _, st := range fullRun {
			expected = append(expected, id+" "+st)
		}
	}
	for _, s := range sockets {
		for _, r := range s.Packets() {
			if id, st := videoStep(r); mine[id] {
				received = append(received, id+" "+st)
			}
		}
	}
	rep := setcheck.Compare(expected, received)
	p50, maxD := medianMax(reconnects)
	downP50, downMax := medianMax(down)
	c.Measure("resets", recovResets)
	c.Measure("recovered", recovResets-len(fresh))
	c.Measure("fresh_sessions", len(fresh))
	c.Measure("resets_right_after_an_event", midStream)
	c.Measure("replayed_events", replayedEvents(sockets[1:]))
	c.Measure("lost", rep.Lost)
	c.Measure("duplicated", rep.Duplicated)
	c.Measure("unexpected", rep.Unexpected)
	c.Measure("reconnect_p50_ms", ms(p50))
	c.Measure("reconnect_max_ms", ms(maxD))
	c.Measure("offline_p50_ms", ms(downP50))
	c.Measure("offline_max_ms", ms(downMax))
	c.Measure("elapsed_ms", ms(time.Since(began)))
	c.Observed("%d resets, %d recovered, %d fresh; %s", recovResets, recovResets-len(fresh), len(fresh), rep)
	if !rep.Clean() {
		explain(c, sockets, sentOffsets, rep)
		return suite.Violationf("every video's events once over the resets", "%s (fresh sessions at reconnections %v)", rep, fresh)
	}
	for _, id := range ids {
		if got := steps(id, sockets...); !slices.Equal(got, fullRun) {
			return suite.Violationf("video "+id+": 10 → 40 → 70 → processed in order", "%s", joined(got))
		}
	}
	if len(fresh) > 0 {
		return suite.NonStrict("nothing was lost, but %d of %d reconnections with a valid pid got a new session (at %v)", len(fresh), recovResets, fresh)
	}
	return nil
}

// explain writes into the wire log, for each video with a lost or doubled
// event, which connection received each of its events, whether live or
// replayed before the CONNECT reply, with its offset, and the offset each
// reconnection presented: most connections are not in the wire log.
func explain(c *suite.C, sockets []*sioclient.Socket, sentOffsets []string, rep setcheck.Report) {
	bad := map[string]bool{}
	for _, ex := range slices.Concat(rep.LostExamples, rep.DuplicatedExamples, rep.UnexpectedExamples) {
		if id, _, ok := strings.Cut(ex, " "); ok {
			bad[id] = true
		}
	}
	for i, s := range sockets {
		replaying := i > 0
		for _, r := range s.Packets() {
			if r.Err == nil && r.Packet.Type == codec.SIOConnect {
				replaying = false
				continue
			}
			id, st := videoStep(r)
			if !bad[id] {
				continue
			}
			how := "live"
			if replaying {
				how = "replayed"
			}
			sent := ""
			if i > 0 {
				sent = sentOffsets[i-1]
			}
			c.Logf("connection %d (presented offset %q): %s %s %s, frame %s", i, sent, how, id, st, r.Frame)
		}
	}
}

// replayedEvents counts the events the sockets received before their
// CONNECT reply: what recovery replayed.
func replayedEvents(sockets []*sioclient.Socket) int {
	n := 0
	for _, s := range sockets {
		for _, r := range s.Packets() {
			if r.Err == nil && r.Packet.Type == codec.SIOConnect {
				break
			}
			if r.IsEvent() {
				n++
			}
		}
	}
	return n
}

// medianMax returns the median and the maximum of ds (which it sorts).
func medianMax(ds []time.Duration) (time.Duration, time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2], ds[len(ds)-1]
}
