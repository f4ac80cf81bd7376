package suite

import (
	"context"
	"path"
	"time"
)

// Config is what a run knows about its targets. The entry point
// (conformance_test.go) fills it from flags and environment.
type Config struct {
	// Testee is the base URL (http://host:port) of the protocol echo server.
	Testee string
	// Target is the base URL of the docs/contract.md implementation.
	Target string
	// Secret is the HS256 secret the target was started with.
	Secret string
	// Origin is a browser origin the target allows ("" when unknown).
	Origin string
	// MaxUpload is the target's upload limit in bytes (0 when unknown).
	MaxUpload int64
	// ProcessTimeout bounds the wait for a video's terminal event.
	ProcessTimeout time.Duration
	// ConnectTimeout is how long the target app waits for a CONNECT before
	// closing a fresh Engine.IO connection (socket.io's connectTimeout).
	ConnectTimeout time.Duration
	// PerfSockets is N, the size of the perf level's organization room.
	PerfSockets int
	// SwarmK and SwarmM size the swarm level: K containers of M clients.
	SwarmK, SwarmM int
	// Fixtures is the folder of the harness's media fixtures.
	Fixtures string

	// PingInterval and PingTimeout are the testee's, read from its open
	// packet before the run; waits for protocol events derive from them.
	PingInterval time.Duration
	PingTimeout  time.Duration
	// AppPingInterval and AppPingTimeout are the target app's.
	AppPingInterval time.Duration
	AppPingTimeout  time.Duration

	// Clients are the clients under test of level "client".
	Clients []ClientUnderTest

	Levels map[Level]bool
	// Cases are globs (path.Match) on case IDs; empty selects all.
	Cases  []string
	Strict bool
	Agent  string

	// Alive checks that a subject still accepts a fresh session; it runs
	// after every hostile case.
	Alive func(ctx context.Context, s Subject) error
}

// Selected reports whether a case runs in this configuration, and why not.
func (cfg *Config) Selected(c Case) (bool, string) {
	if cfg.Levels != nil && !cfg.Levels[c.Level] {
		return false, "level " + string(c.Level) + " is off"
	}
	if len(cfg.Cases) > 0 {
		matched := false
		for _, g := range cfg.Cases {
			if ok, _ := path.Match(g, c.ID); ok {
				matched = true
			}
		}
		if !matched {
			return false, "not selected by SOCKETLAB_CASES"
		}
	}
	switch {
	case c.On == Testee && cfg.Testee == "":
		return false, "no testee URL"
	case c.On == App && cfg.Target == "":
		return false, "no target URL"
	case c.On == Client && len(cfg.Clients) == 0:
		return false, "no client under test (-client-cmd, -client-page)"
	}
	return true, ""
}

// Heartbeat is pingInterval + pingTimeout of the subject: the longest a
// healthy peer may stay silent, so the base of every protocol wait.
func (cfg *Config) Heartbeat(s Subject) time.Duration {
	if s == App {
		return cfg.AppPingInterval + cfg.AppPingTimeout
	}
	return cfg.PingInterval + cfg.PingTimeout
}

// ClientUnderTest is a Socket.IO client the "client" level judges: a
// command run with SOCKETLAB_SERVER_URL in its environment, or a page
// loaded in Chromium with ?server=URL.
type ClientUnderTest struct {
	Name    string
	Command string // run by sh -c
	Page    string // URL
}
