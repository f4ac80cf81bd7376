// Package report writes a conformance run's results: index.json (every
// case with its wire log), report.html (a case × agent matrix) and
// junit.xml. A run for another agent into the same folder adds a column;
// a new run of the same agent replaces that agent's previous one.
//
// Reports are shared, so every string written passes through
// wirelog.Redact, and each file is checked for token-shaped text before it
// replaces the old one.
package report

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"socketlab/conformance/internal/suite"
)

// Run is one agent's run.
type Run struct {
	Agent    string        `json:"agent"`
	Target   string        `json:"target,omitempty"`
	Testee   string        `json:"testee,omitempty"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration"`
	Strict   bool          `json:"strict"`
	// Totals counts the results per verdict; Write fills it.
	Totals  map[suite.Verdict]int `json:"totals,omitempty"`
	Results []suite.Result        `json:"results"`
}

// The files Write produces, by name.
const (
	IndexFile = "index.json"
	HTMLFile  = "report.html"
	JUnitFile = "junit.xml"
)

// Written tells where the reports went and what Write had to say about the
// folder's previous contents.
type Written struct {
	Index, HTML, JUnit string
	// Warnings are remarks for stderr: an unreadable index.json that was
	// set aside, for instance.
	Warnings []string
	// Agents are the columns of the report, in order.
	Agents []string
}

// Write merges run into dir's index.json (replacing the same agent's
// previous run, keeping the others) and regenerates report.html and
// junit.xml from the merged index.
func Write(dir string, run Run) (*Written, error) {
	if run.Agent == "" {
		return nil, fmt.Errorf("report: the run has no agent name")
	}
	// Absolute, so that the paths in the summary work from anywhere (go
	// test runs in the package folder, the default is relative to it).
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("report: locking %s: %w", dir, err)
	}
	defer unlock()

	w := &Written{Index: filepath.Join(dir, IndexFile), HTML: filepath.Join(dir, HTMLFile), JUnit: filepath.Join(dir, JUnitFile)}
	idx, warn := readIndex(w.Index)
	if warn != "" {
		w.Warnings = append(w.Warnings, warn)
	}
	run = clean(run)
	run.Results = lastPerID(run.Results)
	run.Totals = totals(run.Results)
	idx.add(run)
	idx.Generated = time.Now().UTC()
	for _, r := range idx.Agents {
		w.Agents = append(w.Agents, r.Agent)
	}

	// Render and check everything before writing anything: a failure
	// leaves the folder as it was, not half updated.
	outputs := []struct {
		path   string
		render func(*Index) ([]byte, error)
		data   []byte
	}{
		{path: w.Index, render: renderIndex},
		{path: w.HTML, render: renderHTML},
		{path: w.JUnit, render: renderJUnit},
	}
	for i := range outputs {
		o := &outputs[i]
		if o.data, err = o.render(idx); err == nil {
			err = checkNoToken(o.data)
		}
		if err != nil {
			return nil, fmt.Errorf("report: %s: %w", filepath.Base(o.path), err)
		}
	}
	for _, o := range outputs {
		if err := writeAtomic(o.path, o.data); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// lastPerID keeps one result per case ID, the last (a -count=2 run repeats
// every case), in first-seen order.
func lastPerID(results []suite.Result) []suite.Result {
	pos := map[string]int{}
	var out []suite.Result
	for _, r := range results {
		if i, ok := pos[r.ID]; ok {
			out[i] = r
			continue
		}
		pos[r.ID] = len(out)
		out = append(out, r)
	}
	return out
}

func totals(results []suite.Result) map[suite.Verdict]int {
	t := map[suite.Verdict]int{}
	for _, r := range results {
		t[r.Verdict]++
	}
	return t
}

// Failing counts the results of run that fail it.
func Failing(run Run) int {
	n := 0
	for _, r := range run.Results {
		if suite.Failing(r.Verdict, run.Strict) {
			n++
		}
	}
	return n
}

// verdictOrder is suite.Verdicts' order, for sorting and tables.
func verdictOrder() []suite.Verdict {
	out := make([]suite.Verdict, len(suite.Verdicts))
	for i, v := range suite.Verdicts {
		out[i] = v.Verdict
	}
	return out
}

// levelRank orders levels as suite.Levels does; unknown ones go last.
func levelRank(l suite.Level) int {
	if i := slices.Index(suite.Levels, l); i >= 0 {
		return i
	}
	return len(suite.Levels)
}
