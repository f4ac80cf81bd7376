package contract

import (
	"sync"
	"time"

	"socketlab/conformance/internal/suite"
)

// spec is the compact form of a contract case; Case fills what every
// contract case shares (it runs on the app, its source is its clause).
type spec struct {
	id, clause, title string
	level             suite.Level
	strength          suite.Strength
	req               string // the clause's sentence, quoted, with its key word
	steps             []string
	hostile           bool
	// world marks a case judged on the shared processing run.
	world   bool
	timeout time.Duration
	run     func(*suite.C) error
}

// worldTimeout bounds a case that waits for the shared run: the run
// itself is bounded by -process-timeout.
const worldTimeout = 3 * time.Minute

var worldCases = map[string]bool{}

func (s spec) Case() suite.Case {
	timeout := s.timeout
	if s.world {
		worldCases[s.id] = true
		if timeout == 0 {
			timeout = worldTimeout
		}
	}
	run := s.run
	return suite.Case{ID: s.id, Level: s.level, On: suite.App, Title: s.title, Requirement: s.req, Strength: s.strength,
		Source: "contract " + s.clause + " (docs/contract.md)", Steps: s.steps, Hostile: s.hostile, Timeout: timeout,
		Run: func(c *suite.C) error {
			prewarm(c.Cfg)
			return run(c)
		}}
}

var registered []suite.Case

// prewarm starts the shared run as soon as any case of this package runs,
// provided a selected case needs it: it then processes its uploads while
// the auth cases run.
func prewarm(cfg *suite.Config) {
	prewarmOnce.Do(func() {
		for _, c := range registered {
			if ok, _ := cfg.Selected(c); ok && worldCases[c.ID] {
				startWorld(cfg)
				return
			}
		}
	})
}

var prewarmOnce sync.Once

func init() {
	// Sections in the order of docs/contract.md; suite.All sorts by level.
	sections := [][]spec{
		ioSpecs(), authConnectSpecs(), authAlgSpecs(), authKeySpecs(), authClaimSpecs(), authTimeSpecs(),
		authMalformedSpecs(), authIdentitySpecs(), authRESTSpecs(), secOriginSpecs(), io2Spec(), authExpirySpecs(),
		roomSpecs(), recovSpecs(),
		evtSpecs(), notifSpecs(), annSpecs(),
		progSpecs(), vidStateSpecs(),
		restSpecs(), restUploadSpecs(), vidShapeSpecs(), streamSpecs(), secSpecs(),
	}
	for _, sec := range sections {
		for _, s := range sec {
			registered = append(registered, s.Case())
		}
	}
	suite.Register(registered...)
}
