package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"socketlab/conformance/internal/suite"
)

// Summary writes the end-of-run summary: the count of each verdict per
// level, the duration, whether the run fails, and where the reports are
// (files may be nil when writing them failed). With color, verdicts are
// painted for a terminal.
func Summary(w io.Writer, run Run, files *Written, color bool) {
	paint := func(v suite.Verdict, s string) string {
		if color {
			return Paint(v, s)
		}
		return s
	}
	// Columns: the verdicts this run has, in legend order.
	all := totals(run.Results)
	var cols []suite.Verdict
	for _, v := range verdictOrder() {
		if all[v] > 0 {
			cols = append(cols, v)
		}
	}
	for v := range all {
		if !slices.Contains(cols, v) {
			cols = append(cols, v)
		}
	}
	perLevel := map[suite.Level]map[suite.Verdict]int{}
	var levels []suite.Level
	for _, r := range run.Results {
		if perLevel[r.Level] == nil {
			perLevel[r.Level] = map[suite.Verdict]int{}
			levels = append(levels, r.Level)
		}
		perLevel[r.Level][r.Verdict]++
	}
	slices.SortStableFunc(levels, func(a, b suite.Level) int { return levelRank(a) - levelRank(b) })

	strict := "off"
	if run.Strict {
		strict = "on"
	}
	fmt.Fprintf(w, "\nsocketlab conformance — agent %s, %d cases, strict %s\n", run.Agent, len(run.Results), strict)
	width := 9
	for _, l := range levels {
		width = max(width, len(l))
	}
	row := func(name string, counts map[suite.Verdict]int, n int) {
		var b strings.Builder
		fmt.Fprintf(&b, "  %-*s", width, name)
		for _, v := range cols {
			cell := fmt.Sprintf(" %*s", len(v), "-")
			if counts[v] > 0 {
				cell = " " + paint(v, fmt.Sprintf("%*d", len(v), counts[v]))
			}
			b.WriteString(cell)
		}
		fmt.Fprintf(&b, " %5d", n)
		fmt.Fprintln(w, b.String())
	}
	var head strings.Builder
	fmt.Fprintf(&head, "  %-*s", width, "level")
	for _, v := range cols {
		head.WriteString(" " + paint(v, string(v)))
	}
	head.WriteString(" total")
	fmt.Fprintln(w, head.String())
	for _, l := range levels {
		n := 0
		for _, c := range perLevel[l] {
			n += c
		}
		row(string(l), perLevel[l], n)
	}
	row("all", all, len(run.Results))

	failing := Failing(run)
	verdict := paint(suite.Pass, "OK") + ", no case fails the run"
	if failing > 0 {
		verdict = paint(suite.Fail, "FAILED") + fmt.Sprintf(", %d failing case(s)", failing)
	}
	fmt.Fprintf(w, "  duration %s — %s\n", run.Duration.Round(time.Millisecond), verdict)
	if files != nil {
		fmt.Fprintf(w, "  reports: %s\n           %s\n           %s\n", files.HTML, files.JUnit, files.Index)
		if len(files.Agents) > 1 {
			fmt.Fprintf(w, "  report columns: %s\n", strings.Join(files.Agents, ", "))
		}
	}
}
