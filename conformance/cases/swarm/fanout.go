package swarm

import (
	"time"

	"socketlab/conformance/internal/suite"
	agents "socketlab/conformance/internal/swarm"
)

func init() {
	suite.Register(suite.Case{
		ID: "SWARM-FANOUT-1", Level: suite.LevelSwarm, On: suite.App, Strength: suite.Must,
		Title:       "An upload's events reach every client of its organization once, and no other",
		Requirement: "“Every event of this section MUST go to the union of <organizationId> and video:<id>: each socket in the union receives it exactly once, no socket outside it receives it” (PROG-6), and “a socket MUST NOT receive video:progress, video:processed, video:failed or notification:personal about another organization's video” (ROOM-7) — over K×M clients in K containers. The p50/p99 fan-out figures are recorded, not judged.",
		Source:      "contract PROG-6, ROOM-1, ROOM-7, ANN-4",
		Steps: []string{
			"start the swarm (SWARM-CONNECT-1) and wait until every client is connected",
			"as an admin of A who holds no socket, upload calm.mp4 and wait, within the process timeout plus a heartbeat, for the terminal event at every client of A",
			"post an announcement as a barrier and wait for it at every client (ANN-4): a connection is written in order, so anything sent to a client before it has arrived by then",
			"compare, client by client, the events received since the upload with the expected multiset — the video's events (as a majority of A's clients received them) for A, nothing of the video for B, the announcement once for all: lost, unexpected and duplicated must all be 0",
			"record announcement send-to-receipt latency and the spread of each progress event over A's clients (p50, p99, max)",
		},
		Timeout: caseTimeout,
		Run: func(c *suite.C) error {
			w, err := start(c)
			if err != nil {
				return err
			}
			c.Expect("%s", expectation)
			began := time.Now()
			d, err := w.deliver(func(*agents.Client) bool { return true })
			if err != nil {
				return err
			}
			c.Measure("delivery_s", seconds(time.Since(began)))
			return d.verdict(c, "")
		},
	})
}
