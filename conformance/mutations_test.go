package conformance

import (
	"testing"

	"socketlab/conformance/internal/mutator"
	"socketlab/conformance/internal/suite"
)

// TestHarnessCatchesBugs proves the cases can fail: each mutation puts a
// proxy that breaks exactly one rule between the harness and the target,
// and the case about that rule must say FAIL — while the same case through
// a proxy that changes nothing must not, so the FAIL is the bug's doing
// and not the proxy's.
func TestHarnessCatchesBugs(t *testing.T) {
	if err := ensureSetUp(); err != nil {
		t.Fatalf("conformance run could not start: %v", err)
	}
	mutations := []struct {
		name   string
		rule   func() mutator.Rule
		on     suite.Subject
		caseID string
	}{
		{"wrong pingInterval in the open packet", func() mutator.Rule { return mutator.WrongPingInterval }, suite.Testee, "EIO-HB-7"},
		{"no noop during the upgrade", func() mutator.Rule { return mutator.NoNoop }, suite.Testee, "EIO-UP-2"},
		{"CONNECT_ERROR without its message", func() mutator.Rule { return mutator.NoConnectErrorMessage }, suite.Testee, "SIO-CERR-1"},
		{"an organization room that leaks", func() mutator.Rule { return mutator.LeakVideoEvents }, suite.App, "ROOM-7.1"},
		{"progress stages out of order", mutator.ProgressOutOfOrder, suite.App, "PROG-2"},
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			cs := caseByID(t, m.caseID)
			if ok, why := run.cfg.Selected(cs); !ok {
				t.Skipf("%s is not selected in this run: %s", m.caseID, why)
			}
			if v := runBehind(t, cs, mutator.PassThrough); suite.Failing(v.Verdict, false) {
				t.Fatalf("through a pass-through proxy %s is already %s: %s", m.caseID, v.Verdict, v.Reason)
			}
			v := runBehind(t, cs, m.rule())
			if v.Verdict != suite.Fail {
				t.Fatalf("%s with the mutation %q: want FAIL, got %s (%s)", m.caseID, m.name, v.Verdict, v.Reason)
			}
			t.Logf("%s caught it: %s", m.caseID, v.Reason)
		})
	}
}

// runBehind runs cs with its subject reached through a mutating proxy.
func runBehind(t *testing.T, cs suite.Case, rule mutator.Rule) suite.Result {
	t.Helper()
	cfg := run.cfg // a copy: the contract cases keep one shared run per configuration
	upstream := &cfg.Testee
	if cs.On == suite.App {
		upstream = &cfg.Target
	}
	proxy, err := mutator.Start(*upstream, rule)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	*upstream = proxy.URL
	cfg.Levels, cfg.Cases = nil, nil
	return suite.Run(&cfg, cs)
}

func caseByID(t *testing.T, id string) suite.Case {
	for _, cs := range suite.All() {
		if cs.ID == id {
			return cs
		}
	}
	t.Fatalf("no case %s is registered", id)
	return suite.Case{}
}
