package perf

import (
	"time"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

// handshakes is how many sequential connections PERF-HANDSHAKE-1 opens per
// transport.
const handshakes = 50

func init() {
	suite.Register(suite.Case{
		ID: "PERF-HANDSHAKE-1", Level: suite.LevelPerf, On: suite.App, Strength: suite.Info,
		Title:       "Handshake latency",
		Requirement: "Recorded, not judged: the time from the first Engine.IO request to the namespace's CONNECT reply, with a valid token, over WebSocket and over polling.",
		Source:      "socketlab perf level (INFO)",
		Steps: []string{
			"open 50 sockets one after another over WebSocket, then 50 over polling, each with a fresh valid token, closing each after its CONNECT reply",
			"record p50, p99 and max per transport",
		},
		Timeout: 60 * time.Second,
		Run:     handshakeLatency,
	})
}

func handshakeLatency(c *suite.C) error {
	minter := jwtmint.New(c.Cfg.Secret)
	org := jwtmint.RandomID("org-")
	for _, transport := range []string{sioclient.WebSocket, sioclient.Polling} {
		var took []time.Duration
		for i := range handshakes {
			id := jwtmint.Identity{UserID: jwtmint.RandomID("u-"), OrgID: org, Role: jwtmint.Member}
			token := minter.Token(id, time.Hour)
			var log = c.Log
			if i > 0 {
				log = nil // the first exchange is enough in the report
			}
			began := time.Now()
			s, err := sioclient.Dial(c.Ctx, c.URL(), map[string]any{"token": token}, sioclient.Options{Transport: transport, Log: log})
			took = append(took, time.Since(began))
			if s != nil {
				s.Close()
			}
			if err != nil {
				return err
			}
		}
		measureQuantiles(c, transport, took)
	}
	c.Observed("%d handshakes per transport; see the measures", handshakes)
	return nil
}
