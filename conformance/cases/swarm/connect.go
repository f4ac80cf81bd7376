package swarm

import (
	"fmt"
	"time"

	"socketlab/conformance/internal/suite"
)

func init() {
	suite.Register(suite.Case{
		ID: "SWARM-CONNECT-1", Level: suite.LevelSwarm, On: suite.App, Strength: suite.Must,
		Title:       "K×M clients in K containers all connect",
		Requirement: "“The server MUST accept any identity a valid token names, without requiring the user or the organization to exist in its own storage” — for every one of K×M WebSocket clients connecting at once from K containers, members of two fresh organizations.",
		Source:      "contract AUTH-8; socketlab swarm level",
		Steps: []string{
			"build conformance/cmd/swarmagent statically into a FROM scratch image (once per run)",
			"start K containers on the host network (-swarm-k), each running M clients (-swarm-m) that mint their own member tokens, client i in organization A or B by parity",
			"wait, within 2 heartbeats + 10 ms per client, until every client reports the CONNECT reply; a CONNECT_ERROR fails the case at once",
			"record the time until the last client connected and how many needed more than one attempt",
		},
		Timeout: caseTimeout,
		Run: func(c *suite.C) error {
			began := time.Now()
			w, err := start(c)
			if err != nil {
				return err
			}
			dropped := w.disconnectsSince(began, func(int) bool { return true })
			c.Measure("disconnects_while_connecting", dropped)
			c.Observed("all %d clients of %d containers connected%s", w.k*w.m, w.k, droppedNote(dropped))
			return nil
		},
	})
}

func droppedNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d disconnections meanwhile; the clients reconnected)", n)
}
