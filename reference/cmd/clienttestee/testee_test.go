package main

import (
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"SOCKETLAB_SERVER_URL": "http://127.0.0.1:1", "SOCKETLAB_REPORT_URL": "http://127.0.0.1:2/report",
		"SOCKETLAB_TOKEN": "t", "SOCKETLAB_RECONNECTION_ATTEMPTS": "3", "SOCKETLAB_RECONNECTION_DELAY": "100",
		"SOCKETLAB_RECONNECTION_DELAY_MAX": "800", "SOCKETLAB_RANDOMIZATION_FACTOR": "0", "SOCKETLAB_TRANSPORTS": "websocket, polling",
		"SOCKETLAB_MAX_SECONDS": "2",
	}
	c, err := configFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	// A factor of 0 must reach the client as 0 (exact delays), not as
	// "unset" (the default 0.5).
	if c.RandomizationFactor == nil || *c.RandomizationFactor != 0 {
		t.Fatalf("randomization factor %v", c.RandomizationFactor)
	}
	if c.ReconnectionAttempts != 3 || c.ReconnectionDelay != 100*time.Millisecond || c.ReconnectionDelayMax != 800*time.Millisecond ||
		c.MaxDuration != 2*time.Second || len(c.Transports) != 2 || c.Transports[0] != "websocket" || c.Token != "t" {
		t.Fatalf("%+v", c)
	}
	if _, err := configFromEnv(func(k string) string { return map[string]string{"SOCKETLAB_SERVER_URL": "x"}[k] }); err == nil {
		t.Fatal("no report URL: want an error")
	}
	env["SOCKETLAB_RECONNECTION_DELAY"] = "soon"
	if _, err := configFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Fatal("a delay that is not a number: want an error")
	}
}
