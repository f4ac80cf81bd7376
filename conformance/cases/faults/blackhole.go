package faults

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/faultproxy"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// schedulingMargin is what the black-hole cases allow beyond pingInterval +
// pingTimeout for timers and the machine (shared with the target) to run.
const schedulingMargin = time.Second

func init() {
	for i, transport := range []string{wire.WebSocket, wire.Polling} {
		suite.Register(suite.Case{
			ID: fmt.Sprintf("FAULT-BLACKHOLE-%d", i+1), Level: suite.LevelFaults, On: suite.Testee, Strength: suite.Should,
			Title: "A black hole outliving the heartbeat: both sides declare the session dead (" + transport + ")",
			Requirement: `“If the server does not receive a pong packet back, then it SHOULD consider that the connection is closed. ` +
				`Conversely, if the client does not receive a ping packet within pingInterval + pingTimeout, then it SHOULD consider that the connection is closed.” ` +
				`Judged as the spec says, a SHOULD, with the bound pingInterval + pingTimeout (+ 1 s for scheduling): ` +
				`a peer that vanished without a FIN or RST is otherwise kept for ever (its rooms, its buffers), and recovery (contract §13) starts only once the server has noticed.`,
			Source: "engine.io-protocol v4 §Heartbeat; contract §13",
			Steps: []string{
				"fault proxy, healthy: an Engine.IO session over " + transport + " (/engine.io/) answers two pings",
				"a message sent after the last pong comes back (the echo): the pong reached the server",
				"then the proxy drops every byte both ways (the connections stay open)",
				"client side: the harness declares the session dead when no ping came within pingInterval + pingTimeout of the last one; the time is recorded",
				"server side: a probe sent directly (not through the proxy) every 25 ms asks for the sid on the other transport without upgrading — 400 code 3 while the session lives, 400 code 1 “Session ID unknown” once it is gone; the time is recorded",
				"both within pingInterval + pingTimeout + 1 s of the start of the black hole; the black hole lasts at least that long",
				"healed: " + healedCheck(transport),
			},
			Timeout: 30 * time.Second,
			Run:     func(c *suite.C) error { return blackHole(c, transport) },
		})
	}
}

func healedCheck(transport string) string {
	if transport == wire.Polling {
		return "a GET with the old sid through the proxy gets 400 code 1 “Session ID unknown”"
	}
	return "the old WebSocket is dead: a message sent on it is not echoed within a heartbeat (the server closed the session)"
}

// deathTime is when one side declared the session dead, since the black
// hole started; ok is false for a side that did not within the wait.
type deathTime struct {
	after time.Duration
	ok    bool
	how   string
}

func blackHole(c *suite.C, transport string) error {
	p, base, err := startProxy(c)
	if err != nil {
		return err
	}
	ctx, cancel := c.Within(4 * c.Heartbeat())
	defer cancel()
	sess, err := wire.Open(ctx, transport, base, c.Log, wire.SessionOptions{Path: wire.EnginePath, ManualPing: true, Name: "eio"})
	if err != nil {
		return blame("an Engine.IO session through the healthy proxy", err)
	}
	defer sess.Close()
	interval := time.Duration(sess.Open.PingInterval) * time.Millisecond
	timeout := time.Duration(sess.Open.PingTimeout) * time.Millisecond
	bound := interval + timeout
	limit := bound + schedulingMargin
	c.Expect("the server forgets the session and the client gives up within %v (pingInterval %v + pingTimeout %v + %v)", limit, interval, timeout, schedulingMargin)

	// Healthy: two pings answered, so the heartbeat demonstrably works
	// through the proxy and the black hole starts right after a pong.
	var lastPing time.Time
	for range 2 {
		pctx, pcancel := c.Within(limit)
		ping, err := nextPing(pctx, sess)
		if err == nil {
			lastPing = time.Now()
			err = sess.Send(pctx, codec.Text(codec.EIOPong, string(ping.Data)))
		}
		pcancel()
		if err != nil {
			return blame("a ping within pingInterval + pingTimeout, and the pong taken, on the healthy network", err)
		}
	}
	// The pong must have reached the server before the black hole, or the
	// server would rightly give up pingTimeout after that ping: the echo of a
	// message sent after it proves it did (one connection keeps order).
	bctx, bcancel := c.Within(limit)
	lastPing, err = barrier(bctx, sess, lastPing)
	bcancel()
	if err != nil {
		return blame("the echo of a message on the healthy network", err)
	}
	start := time.Now()
	setToxics(c, p, faultproxy.Toxics{BlackHole: true}, "black hole: every byte dropped both ways, connections kept open")

	clientSide := make(chan deathTime, 1)
	go func() { clientSide <- watchHeartbeat(c, sess, lastPing, bound, start) }()
	server := probeSession(c, transport, sess.SID(), start, limit+bound)
	client := <-clientSide

	// The black hole outlives pingInterval + pingTimeout + the margin.
	select {
	case <-time.After(time.Until(start.Add(limit))):
	case <-c.Ctx.Done():
		return c.Ctx.Err()
	}
	setToxics(c, p, faultproxy.Toxics{}, "healed")
	if client.ok {
		c.Measure("client_dead_ms", ms(client.after))
	}
	if server.ok {
		c.Measure("server_dead_ms", ms(server.after))
	}
	c.Observed("client: %s; server: %s", describe(client), describe(server))

	switch {
	case !server.ok || server.after > limit:
		return suite.Violationf(fmt.Sprintf("the server forgets the session within %v", limit), "%s", describe(server))
	case !client.ok || client.after > limit:
		// The harness's own client: a failure here is the harness's.
		return fmt.Errorf("the harness's client did not give up within %v: %s", limit, describe(client))
	}
	return afterHealing(c, transport, base, sess)
}

func describe(d deathTime) string {
	if !d.ok {
		return d.how
	}
	return fmt.Sprintf("dead after %v (%s)", d.after.Round(time.Millisecond), d.how)
}

// nextPing returns the next ping, skipping anything else the session gets.
func nextPing(ctx context.Context, sess *wire.Session) (codec.EIOPacket, error) {
	for {
		pk, err := sess.Recv(ctx)
		if err != nil || (pk.Type == codec.EIOPing && !pk.Binary) {
			return pk, err
		}
	}
}

// barrier sends a message and waits for the testee's echo, answering
// pings meanwhile; it returns when the last ping came.
func barrier(ctx context.Context, sess *wire.Session, lastPing time.Time) (time.Time, error) {
	mark := "barrier " + sess.SID()
	if err := sess.Send(ctx, codec.Text(codec.EIOMessage, mark)); err != nil {
		return lastPing, err
	}
	for {
		pk, err := sess.Recv(ctx)
		switch {
		case err != nil:
			return lastPing, err
		case pk.Type == codec.EIOPing && !pk.Binary:
			lastPing = time.Now()
			if err := sess.Send(ctx, codec.Text(codec.EIOPong, string(pk.Data))); err != nil {
				return lastPing, err
			}
		case pk.Type == codec.EIOMessage && string(pk.Data) == mark:
			return lastPing, nil
		}
	}
}

// watchHeartbeat is the client side of §Heartbeat: it answers pings, and
// declares the session dead when none came within bound of the last one,
// or when the transport ends.
func watchHeartbeat(c *suite.C, sess *wire.Session, lastPing time.Time, bound time.Duration, start time.Time) deathTime {
	for {
		ctx, cancel := context.WithDeadline(c.Ctx, lastPing.Add(bound))
		pk, err := sess.Recv(ctx)
		cancel()
		var te *wire.TimeoutError
		switch {
		case err == nil:
			if pk.Type == codec.EIOPing && !pk.Binary {
				lastPing = time.Now()
				go func() { // a pong into the black hole must not hold the watch
					pctx, pcancel := context.WithTimeout(c.Ctx, bound)
					defer pcancel()
					_ = sess.Send(pctx, codec.Text(codec.EIOPong, string(pk.Data)))
				}()
			}
		case errors.As(err, &te) && c.Ctx.Err() == nil:
			return deathTime{time.Since(start), true, "no ping within pingInterval + pingTimeout of the last one"}
		case c.Ctx.Err() != nil:
			return deathTime{how: "the case ended first"}
		default:
			return deathTime{time.Since(start), true, "the transport ended: " + err.Error()}
		}
	}
}

// probeSession asks the server directly, every 25 ms until wait has
// passed, whether the session still exists: a request for the sid on the
// other transport, without an upgrade, is refused 400 code 3 ("Bad
// request") while the session lives and 400 code 1 ("Session ID unknown")
// once it is gone, and changes nothing (engine.io checks the sid and the
// transport before touching the session).
func probeSession(c *suite.C, transport, sid string, start time.Time, wait time.Duration) deathTime {
	other := wire.Polling
	if transport == wire.Polling {
		other = wire.WebSocket
	}
	probe := wire.NewHTTP(c.URL(), nil, "probe") // dozens of probes: only the telling ones go to the log
	req := wire.Request{Path: wire.EnginePath, Query: wire.EIOQuery(other, sid)}
	c.Logf("probe: GET %s directly, every 25 ms", req.Target())
	first := true
	for time.Since(start) < wait {
		ctx, cancel := c.Within(time.Second)
		resp, err := probe.Do(ctx, req)
		cancel()
		if c.Ctx.Err() != nil {
			return deathTime{how: "the case ended first"}
		}
		if err == nil {
			e, isEIO := resp.EIOError()
			switch {
			case resp.Status == http.StatusBadRequest && isEIO && *e.Code == 1:
				c.Logf("probe after %v: 400 %s", time.Since(start).Round(time.Millisecond), resp.Body)
				return deathTime{time.Since(start), true, "400 code 1 “Session ID unknown” to the probe"}
			case first:
				c.Logf("probe after %v: %d %s (the session lives)", time.Since(start).Round(time.Millisecond), resp.Status, resp.Body)
				first = false
			}
		}
		select {
		case <-time.After(25 * time.Millisecond):
		case <-c.Ctx.Done():
			return deathTime{how: "the case ended first"}
		}
	}
	return deathTime{how: fmt.Sprintf("the session still existed %v after the black hole started", wait.Round(time.Millisecond))}
}

// afterHealing checks, through the healed proxy, that the old session is
// over as the client would find it.
func afterHealing(c *suite.C, transport, base string, sess *wire.Session) error {
	ctx, cancel := c.Within(c.Heartbeat())
	defer cancel()
	if transport == wire.Polling {
		h := wire.NewHTTP(base, c.Log, "eio/after")
		resp, err := h.Do(ctx, sess.PollRequest(nil))
		if err != nil {
			return blame("400 code 1 to a GET with the old sid", err)
		}
		if e, ok := resp.EIOError(); resp.Status != http.StatusBadRequest || !ok || *e.Code != 1 {
			return suite.Violationf(`400 {"code":1,"message":"Session ID unknown"} to a GET with the old sid`, "%d %s", resp.Status, resp.Body)
		}
		return nil
	}
	// On WebSocket: the testee echoes Engine.IO messages on /engine.io/, so
	// a live session would answer this one.
	if err := sess.Send(ctx, codec.Text(codec.EIOMessage, "after the black hole")); err != nil {
		c.Logf("the old WebSocket is closed: %v", err)
		return nil
	}
	for {
		pk, err := sess.Recv(ctx)
		var te *wire.TimeoutError
		switch {
		case errors.As(err, &te):
			c.Logf("the old WebSocket stayed silent for a heartbeat")
			return nil
		case err != nil:
			c.Logf("the old WebSocket ended: %v", err)
			return nil
		case pk.Type == codec.EIOMessage:
			return suite.Violationf("the old session closed (no echo)", "the server echoed %q on the old WebSocket after the black hole", pk.Data)
		}
	}
}
