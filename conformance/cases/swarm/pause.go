package swarm

import (
	"errors"
	"fmt"
	"time"

	"socketlab/conformance/internal/suite"
	agents "socketlab/conformance/internal/swarm"
)

// pausedAgent is the container the pause case freezes.
const pausedAgent = 0

func init() {
	suite.Register(suite.Case{
		ID: "SWARM-PAUSE-1", Level: suite.LevelSwarm, On: suite.App, Strength: suite.Must,
		Title:       "A container frozen past the heartbeat: its clients reconnect and get their organization's events again",
		Requirement: "Clients whose node froze longer than pingInterval + pingTimeout MUST be able to connect again with their tokens (AUTH-8) and MUST then receive their organization's events exactly once (PROG-6, ROOM-7). Meanwhile the server SHOULD have closed their sessions: “If the server does not receive a pong packet back, then it SHOULD consider that the connection is closed” — so each woken client finds its connection closed by the server (a miss is NON-STRICT, with the figures).",
		Source:      "engine.io-protocol v4 §Heartbeat; contract AUTH-8, PROG-6, ROOM-7",
		Steps: []string{
			"start the swarm and wait until every client is connected",
			"docker pause agent 0's container for 1.5 × (pingInterval + pingTimeout): its processes stop, its sockets stay open",
			"unpause it; each of its clients reads what the kernel kept (a close frame or the end of the stream when the server closed the session) or finds no ping within pingInterval + pingTimeout, and reconnects after socket.io's backoff (1 s × 2ⁿ, jitter 0.5, at most 5 s)",
			"wait, within a heartbeat + 15 s, until every client of agent 0 has reconnected; record the reconnect times after the unpause (min, p50, max) and how each found its connection dead",
			"upload a video in A and check the delivery to every client of every agent (as SWARM-FANOUT-1)",
		},
		Timeout: caseTimeout,
		Run:     pauseCase,
	})
}

func pauseCase(c *suite.C) error {
	w, err := start(c)
	if err != nil {
		return err
	}
	c.Expect("agent 0's %d clients find their sessions closed by the server after a pause of 1.5 × %s, reconnect, and every client then receives its organization's events once", w.m, c.Heartbeat())
	frozen := c.Heartbeat() * 3 / 2
	pausedAt := time.Now()
	if err := w.fleet.Pause(c.Ctx, pausedAgent); err != nil {
		return err
	}
	if err := hold(c.Ctx, frozen); err != nil {
		return err
	}
	// The thaw is timed from the request: the agent may run before the
	// API call returns.
	unpausedAt := time.Now()
	if err := w.fleet.Unpause(c.Ctx, pausedAgent); err != nil {
		return err
	}
	c.Measure("pause_s", seconds(unpausedAt.Sub(pausedAt)))

	isPaused := func(cl *agents.Client) bool { return cl.ID.Agent == pausedAgent }
	reconnectedAfter := func(cl *agents.Client, t time.Time) (time.Time, bool) {
		for _, s := range cl.Sessions {
			if s.Reconnect && s.At.After(t) {
				return s.At, true
			}
		}
		return time.Time{}, false
	}
	ctx, cancel := c.Within(c.Heartbeat() + 15*time.Second)
	err = w.fleet.Collector.Until(ctx, "every client of the paused agent to reconnect", func(v agents.View) (bool, string) {
		n, done := 0, 0
		for _, cl := range v {
			if !isPaused(cl) {
				continue
			}
			n++
			if _, ok := reconnectedAfter(cl, unpausedAt); ok {
				done++
			}
		}
		return done == n, fmt.Sprintf("%d of %d reconnected", done, n)
	})
	cancel()
	var wait *agents.WaitError
	if err != nil && !errors.As(err, &wait) {
		return err
	}

	var (
		closedByServer, pingTimeouts, survived, notBack int
		reconnects, detected                            []time.Duration
		attempts                                        int
		refusal                                         string
	)
	w.fleet.Collector.Read(func(v agents.View) {
		for _, cl := range v.Sorted() {
			if !isPaused(cl) {
				continue
			}
			var reason string
			for _, d := range cl.Disconnects {
				if d.At.After(pausedAt) {
					reason = d.Reason
					detected = append(detected, d.At.Sub(unpausedAt))
					break
				}
			}
			switch reason {
			case "":
				survived++
				continue
			case agents.ReasonTransportClose:
				closedByServer++
			case agents.ReasonPingTimeout:
				pingTimeouts++
			}
			at, ok := reconnectedAfter(cl, unpausedAt)
			if !ok {
				notBack++
				if len(cl.Failures) > 0 && refusal == "" {
					refusal = fmt.Sprintf("; e.g. %s: %s", cl.ID, cl.Failures[len(cl.Failures)-1].Error)
				}
				continue
			}
			reconnects = append(reconnects, at.Sub(unpausedAt))
			for _, s := range cl.Sessions {
				if s.At.Equal(at) {
					attempts = max(attempts, s.Attempts)
				}
			}
		}
	})
	lo, p50, _, hi := quantiles(reconnects)
	c.Measure("reconnect_min_ms", ms(lo))
	c.Measure("reconnect_p50_ms", ms(p50))
	c.Measure("reconnect_max_ms", ms(hi))
	_, d50, _, dMax := quantiles(detected)
	c.Measure("dead_found_p50_ms", ms(d50))
	c.Measure("dead_found_max_ms", ms(dMax))
	c.Measure("reconnect_attempts_max", attempts)
	c.Measure("closed_by_server", closedByServer)
	c.Measure("client_ping_timeouts", pingTimeouts)
	c.Measure("sessions_survived", survived)
	others := w.disconnectsSince(pausedAt, func(agent int) bool { return agent != pausedAgent })
	c.Measure("other_agents_disconnects", others)
	wake := fmt.Sprintf("after a %s pause of agent 0's %d clients: %d found their session closed by the server, %d timed out waiting for a ping, %d kept their session; %d reconnected (%.0f–%.0f ms after the unpause, p50 %.0f ms), %d did not%s; %d disconnections at the other agents",
		(unpausedAt.Sub(pausedAt)).Round(time.Millisecond), w.m, closedByServer, pingTimeouts, survived,
		len(reconnects), ms(lo), ms(hi), ms(p50), notBack, refusal, others)
	c.Logf("swarm: %s", wake)
	if notBack > 0 {
		c.Observed("%s", wake)
		return suite.Violationf("every client of the frozen container connected again (AUTH-8)", "%s", wake)
	}

	d, err := w.deliver(func(*agents.Client) bool { return true })
	if err != nil {
		return err
	}
	if err := d.verdict(c, ""); err != nil {
		return err
	}
	c.Observed("%s; then %s", wake, observedDelivery(d))
	if closedByServer < w.m {
		return suite.NonStrict("the server did not close every dead session: %s", wake)
	}
	return nil
}

func observedDelivery(d *delivery) string {
	return fmt.Sprintf("video %s reached %d A clients, none of %d B clients: %s", d.videoID, d.liveA, d.liveB, d.report)
}
