package suite

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// Level groups cases; a run enables some levels.
type Level string

// The levels, in the order they run and appear in reports.
const (
	LevelEngineIO Level = "engineio"
	LevelSocketIO Level = "socketio"
	LevelAuth     Level = "auth"
	LevelRooms    Level = "rooms"
	LevelEvents   Level = "events"
	LevelProgress Level = "progress"
	LevelREST     Level = "rest"
	LevelSecurity Level = "security"
	LevelPerf     Level = "perf"
	// LevelBrowser drives the official client in Chromium against the app.
	LevelBrowser Level = "browser"
	// LevelSwarm runs client workers in containers against the app.
	LevelSwarm Level = "swarm"
	// LevelFaults puts a fault-injecting TCP proxy between clients and app.
	LevelFaults Level = "faults"
	// LevelClient turns the harness around: it plays a scripted server and
	// judges a client (-client-cmd, -client-page).
	LevelClient Level = "client"
)

// Levels lists every level in run order.
var Levels = []Level{LevelEngineIO, LevelSocketIO, LevelAuth, LevelRooms, LevelEvents, LevelProgress, LevelREST,
	LevelSecurity, LevelFaults, LevelBrowser, LevelSwarm, LevelPerf, LevelClient}

// Subject says which server a case talks to.
type Subject string

const (
	// Testee is the protocol echo server (-testee), as the official
	// Engine.IO and Socket.IO protocol suites define it.
	Testee Subject = "testee"
	// App is the implementation of docs/contract.md (-target).
	App Subject = "app"
	// Client is a Socket.IO client under test; the harness is its server.
	Client Subject = "client"
)

// Strength is how binding the checked requirement is.
type Strength string

const (
	Must   Strength = "MUST"
	Should Strength = "SHOULD"
	// Info marks a case that records unspecified behaviour or a figure.
	Info Strength = "INFO"
	// Optional marks a case of an optional feature: when the target lacks
	// it the verdict is UNIMPLEMENTED, when it has it the case must pass.
	Optional Strength = "OPTIONAL"
)

// Case is one conformance check.
type Case struct {
	ID    string // stable, e.g. "EIO-HANDSHAKE-3", "AUTH-3.2"
	Level Level
	On    Subject
	Title string
	// Requirement quotes the rule checked, with its key word.
	Requirement string
	Strength    Strength
	// Source names where the requirement comes from: "engine.io-protocol
	// v4 §…", "socket.io-protocol v5 §…", "contract AUTH-3", or a socket.io
	// security advisory.
	Source string
	Steps  []string
	// Hostile cases send input meant to break the target; after each, the
	// harness checks that it still accepts a fresh session.
	Hostile bool
	// Timeout bounds Run (DefaultCaseTimeout when 0).
	Timeout time.Duration
	Run     func(c *C) error
}

// DefaultCaseTimeout bounds a case without its own Timeout.
const DefaultCaseTimeout = 20 * time.Second

var (
	registryMu sync.Mutex
	registry   []Case
)

// Register adds cases to the registry. It panics on a duplicate ID or an
// incomplete case: both are programming errors of the harness.
func Register(cases ...Case) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, c := range cases {
		switch {
		case c.ID == "" || c.Title == "" || c.Requirement == "" || c.Source == "" || c.Run == nil:
			panic(fmt.Sprintf("suite: case %q lacks an ID, title, requirement, source or Run", c.ID))
		case !slices.Contains(Levels, c.Level):
			panic(fmt.Sprintf("suite: case %s has unknown level %q", c.ID, c.Level))
		case c.Strength == "":
			panic(fmt.Sprintf("suite: case %s has no strength", c.ID))
		case c.On == "":
			panic(fmt.Sprintf("suite: case %s does not say whether it runs on the testee or the app", c.ID))
		}
		for _, old := range registry {
			if old.ID == c.ID {
				panic("suite: duplicate case ID " + c.ID)
			}
		}
		registry = append(registry, c)
	}
}

// All returns the registered cases by level order, then registration order.
func All() []Case {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := slices.Clone(registry)
	slices.SortStableFunc(out, func(a, b Case) int {
		return slices.Index(Levels, a.Level) - slices.Index(Levels, b.Level)
	})
	return out
}
