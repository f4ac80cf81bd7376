package swarm

import (
	"time"

	"socketlab/conformance/internal/suite"
	agents "socketlab/conformance/internal/swarm"
)

func init() {
	suite.Register(suite.Case{
		ID: "SWARM-STOP-1", Level: suite.LevelSwarm, On: suite.App, Strength: suite.Must,
		Title:       "A stopped container leaves the other containers' delivery intact",
		Requirement: "When one node's clients vanish at once, every other client MUST still receive its organization's events exactly once, and no other organization's (PROG-6, ROOM-7): the dead sockets in the rooms must not hold up or disturb the broadcast to the living.",
		Source:      "contract PROG-6, ROOM-1, ROOM-7",
		Steps: []string{
			"start the swarm (K ≥ 2) and wait until every client is connected",
			"stop the last agent's container at once (docker stop with no grace: its process dies, the kernel closes its connections)",
			"right away, upload a video in A and check the delivery to every client of the other agents (as SWARM-FANOUT-1)",
			"record disconnections among the other agents' clients",
		},
		Timeout: caseTimeout,
		Run: func(c *suite.C) error {
			if k := c.Cfg.SwarmK; k == 1 {
				return suite.Skip("-swarm-k 1: stopping the only container leaves no one to observe")
			}
			w, err := start(c)
			if err != nil {
				return err
			}
			c.Expect("%s", expectation)
			victim := w.k - 1
			stoppedAt := time.Now()
			if err := w.fleet.Stop(c.Ctx, victim); err != nil {
				return err
			}
			d, err := w.deliver(func(cl *agents.Client) bool { return cl.ID.Agent != victim })
			if err != nil {
				return err
			}
			others := w.disconnectsSince(stoppedAt, func(agent int) bool { return agent != victim })
			c.Measure("other_agents_disconnects", others)
			if err := d.verdict(c, ""); err != nil {
				return err
			}
			c.Observed("agent %d stopped; %s; %d disconnections at the other agents", victim, observedDelivery(d), others)
			return nil
		},
	})
}
