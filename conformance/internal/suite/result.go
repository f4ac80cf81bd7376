package suite

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"socketlab/conformance/internal/wirelog"
)

// Result is a case's outcome as the reports store it.
type Result struct {
	ID          string          `json:"id"`
	Level       Level           `json:"level"`
	Subject     Subject         `json:"subject"`
	Title       string          `json:"title"`
	Requirement string          `json:"requirement"`
	Strength    Strength        `json:"strength"`
	Source      string          `json:"source"`
	Steps       []string        `json:"steps,omitempty"`
	Verdict     Verdict         `json:"verdict"`
	Reason      string          `json:"reason,omitempty"`
	Started     time.Time       `json:"started"`
	Duration    time.Duration   `json:"duration"`
	Expected    string          `json:"expected,omitempty"`
	Actual      string          `json:"actual,omitempty"`
	Measures    map[string]any  `json:"measures,omitempty"`
	Wire        []wirelog.Entry `json:"wire,omitempty"`
}

// Run executes one case under cfg and returns its result. It never panics:
// a panic in a case is the harness's ERROR.
func Run(cfg *Config, cs Case) Result {
	res := Result{ID: cs.ID, Level: cs.Level, Subject: cs.On, Title: cs.Title, Requirement: cs.Requirement,
		Strength: cs.Strength, Source: cs.Source, Steps: cs.Steps, Started: time.Now()}
	if ok, why := cfg.Selected(cs); !ok {
		res.Verdict, res.Reason = Skipped, why
		return res
	}
	timeout := cs.Timeout
	if timeout == 0 {
		timeout = DefaultCaseTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c := &C{Ctx: ctx, Cfg: cfg, Log: wirelog.New(), Case: cs}

	err := runGuarded(c)
	res.Verdict, res.Reason = Decide(cs.Strength, err)
	if cs.Hostile && cfg.Alive != nil {
		actx, acancel := context.WithTimeout(context.Background(), 10*time.Second)
		if aerr := cfg.Alive(actx, cs.On); aerr != nil {
			c.Logf("liveness check after a hostile case: %v", aerr)
			res.Verdict, res.Reason = Fail, "the target no longer accepts a fresh session after this case: "+aerr.Error()
		}
		acancel()
	}
	res.Duration = time.Since(res.Started)
	var v *Violation
	if err != nil && errors.As(err, &v) {
		c.Expect("%s", v.Expected)
		c.Observed("%s", v.Actual)
	}
	c.mu.Lock()
	res.Expected, res.Actual, res.Measures = c.expected, c.actual, c.measures
	c.mu.Unlock()
	res.Wire = c.Log.Entries()
	return res
}

// runGuarded runs the case, its cleanups, and turns a panic into an error.
func runGuarded(c *C) (err error) {
	defer func() {
		c.mu.Lock()
		cleanups := c.cleanups
		c.mu.Unlock()
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("harness panic: %v\n%s", p, debug.Stack())
		}
	}()
	return c.Case.Run(c)
}
