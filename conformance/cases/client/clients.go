package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"socketlab/conformance/internal/suite"
)

// perClient bounds one client's run of a case; the cases' Timeout leaves
// room for three clients and a cold Chromium.
const perClient = 45 * time.Second

// caseTimeout is the Timeout of every case of the level.
const caseTimeout = 4 * time.Minute

// clientOutcome is one client's result in a case.
type clientOutcome struct {
	name    string
	verdict suite.Verdict
	reason  string
	err     error
	notes   []string
}

// eachClient runs script once per client under test, in order, and
// decides the case from all outcomes: the worst verdict wins (ERROR, then
// FAIL, NON-STRICT, UNIMPLEMENTED, INFO, PASS); a skipped client counts
// only when every client is skipped. Every client's outcome is in the
// report's Observed.
func eachClient(c *suite.C, set setup, script func(r *run) error) error {
	var outs []clientOutcome
	for _, cl := range c.Cfg.Clients {
		budget := perClient
		if dl, ok := c.Ctx.Deadline(); ok {
			budget = min(budget, time.Until(dl))
		}
		ctx, cancel := context.WithTimeout(c.Ctx, budget)
		began := time.Now()
		r, err := start(c, ctx, cl, set)
		if err == nil {
			// Stopped even if the script panics (the suite recovers it).
			err = func() error {
				defer r.stop()
				return script(r)
			}()
		}
		cancel()
		v, reason := suite.Decide(c.Case.Strength, err)
		if v == suite.Skipped || v == suite.ErrorV || v == suite.Fail || v == suite.NonStrictV {
			c.Logf("%s: %s %s", cl.Name, v, reason)
		}
		var notes []string
		if r != nil {
			notes = r.notes
		}
		outs = append(outs, clientOutcome{name: cl.Name, verdict: v, reason: reason, err: err, notes: notes})
		c.Measure(cl.Name+".verdict", string(v))
		c.Measure(cl.Name+".ms", time.Since(began).Milliseconds())
	}
	return merge(c, outs)
}

// rank orders verdicts, worst first.
var rank = []suite.Verdict{suite.ErrorV, suite.Fail, suite.NonStrictV, suite.Unimpl, suite.InfoV, suite.Pass, suite.Skipped}

func merge(c *suite.C, outs []clientOutcome) error {
	var lines []string
	worst := suite.Skipped
	for _, o := range outs {
		line := o.name + ": " + string(o.verdict)
		if o.reason != "" {
			line += " — " + o.reason
		}
		if len(o.notes) > 0 {
			line += " [" + strings.Join(o.notes, "; ") + "]"
		}
		lines = append(lines, line)
		if index(o.verdict) < index(worst) {
			worst = o.verdict
		}
	}
	all := strings.Join(lines, "\n")
	c.Observed("%s", all)
	var summary []string
	for _, o := range outs {
		if o.verdict == worst {
			summary = append(summary, o.name+": "+o.reason)
		}
	}
	why := strings.Join(summary, " | ")
	switch worst {
	case suite.ErrorV:
		return fmt.Errorf("%s", why)
	case suite.Fail:
		expected := ""
		for _, o := range outs {
			var v *suite.Violation
			if o.verdict == suite.Fail && errors.As(o.err, &v) {
				expected = v.Expected
				break
			}
		}
		return suite.Violationf(expected, "%s", all)
	case suite.NonStrictV:
		return suite.NonStrict("%s", why)
	case suite.Unimpl:
		return suite.Unimplemented("%s", why)
	case suite.InfoV:
		return suite.Informational("%s", all)
	case suite.Skipped:
		return suite.Skip("%s", why)
	}
	return nil
}

func index(v suite.Verdict) int {
	for i, r := range rank {
		if r == v {
			return i
		}
	}
	return len(rank)
}
