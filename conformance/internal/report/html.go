package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wirelog"
)

// report.html.tmpl is the whole page, CSS and script inline: the report is
// one file that opens anywhere, offline, and html/template escapes every
// value in it.
//
//go:embed report.html.tmpl
var pageSource string

var page = template.Must(template.New("report").Parse(pageSource))

type htmlView struct {
	Generated string
	Agents    []agentView
	Legend    []legendView
	Levels    []levelView
	// Columns is the matrix's width: case, title, strength, the agents.
	Columns int
	// Totals are the per-agent totals over every level.
	Totals [][]countView
}

type agentView struct {
	Name, Target, Testee, Started, Duration string
	Strict                                  bool
	Cases, Failing                          int
}

type legendView struct {
	Verdict suite.Verdict
	Class   string
	Meaning string
}

type countView struct {
	Verdict suite.Verdict
	Class   string
	N       int
}

type levelView struct {
	Name   suite.Level
	Anchor string
	Rows   []rowView
	// Totals has one list of verdict counts per agent.
	Totals [][]countView
}

type rowView struct {
	ID, Anchor, Title, Requirement, Source, Subject string
	Strength                                        suite.Strength
	Steps                                           []string
	Cells                                           []cellView
	// Quiet rows have nothing to look at: every agent passed, recorded an
	// INFO, skipped, or did not run the case.
	Quiet bool
}

type cellView struct {
	Agent                                       string
	Ran                                         bool
	Verdict                                     suite.Verdict
	Class, Anchor                               string
	Reason, Duration, Started, Expected, Actual string
	Failing                                     bool
	Measures                                    []measureView
	Wire                                        []wireView
}

type measureView struct{ Name, Value string }

type wireView struct {
	At, Dir, DirClass, Kind, Conn, Data, Size string
}

func renderHTML(idx *Index) ([]byte, error) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, buildView(idx)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func buildView(idx *Index) htmlView {
	v := htmlView{Generated: idx.Generated.UTC().Format(time.RFC3339), Columns: 3 + len(idx.Agents)}
	for _, l := range suite.Verdicts {
		v.Legend = append(v.Legend, legendView{Verdict: l.Verdict, Class: verdictClass(l.Verdict), Meaning: l.Meaning})
	}
	byAgent := make([]map[string]suite.Result, len(idx.Agents))
	for i, run := range idx.Agents {
		byAgent[i] = map[string]suite.Result{}
		for _, r := range run.Results {
			byAgent[i][r.ID] = r
		}
		v.Agents = append(v.Agents, agentView{Name: run.Agent, Target: run.Target, Testee: run.Testee,
			Started: run.Started.UTC().Format(time.RFC3339), Duration: run.Duration.Round(time.Millisecond).String(),
			Strict: run.Strict, Cases: len(run.Results), Failing: Failing(run)})
		v.Totals = append(v.Totals, counts(run.Results))
	}

	// A case's text (requirement, steps) comes from the newest run that has
	// it; rows follow that run's order, then cases only older runs know.
	newestFirst := make([]int, len(idx.Agents))
	for i := range newestFirst {
		newestFirst[i] = i
	}
	slices.SortStableFunc(newestFirst, func(a, b int) int { return idx.Agents[b].Started.Compare(idx.Agents[a].Started) })
	var order []suite.Result
	seen := map[string]bool{}
	for _, i := range newestFirst {
		for _, r := range idx.Agents[i].Results {
			if !seen[r.ID] {
				seen[r.ID] = true
				order = append(order, r)
			}
		}
	}
	slices.SortStableFunc(order, func(a, b suite.Result) int {
		if d := levelRank(a.Level) - levelRank(b.Level); d != 0 {
			return d
		}
		return strings.Compare(string(a.Level), string(b.Level)) // unknown levels, alphabetically
	})

	anchors := anchorSet{}
	for _, r := range order {
		if len(v.Levels) == 0 || v.Levels[len(v.Levels)-1].Name != r.Level {
			v.Levels = append(v.Levels, levelView{Name: r.Level, Anchor: anchors.make("level-" + string(r.Level))})
		}
		lv := &v.Levels[len(v.Levels)-1]
		row := rowView{ID: r.ID, Anchor: anchors.make("case-" + r.ID), Title: r.Title, Requirement: r.Requirement,
			Source: r.Source, Subject: string(r.Subject), Strength: r.Strength, Steps: r.Steps, Quiet: true}
		for i, run := range idx.Agents {
			res, ran := byAgent[i][r.ID]
			cell := cellView{Agent: run.Agent, Ran: ran, Anchor: fmt.Sprintf("%s--a%d", row.Anchor, i)}
			if ran {
				fillCell(&cell, res, run.Strict)
				switch res.Verdict {
				case suite.Pass, suite.InfoV, suite.Skipped:
				default:
					row.Quiet = false
				}
			} else {
				cell.Class = "v-none"
			}
			row.Cells = append(row.Cells, cell)
		}
		lv.Rows = append(lv.Rows, row)
	}
	for li := range v.Levels {
		lv := &v.Levels[li]
		for _, run := range idx.Agents {
			var rs []suite.Result
			for _, r := range run.Results {
				if r.Level == lv.Name {
					rs = append(rs, r)
				}
			}
			lv.Totals = append(lv.Totals, counts(rs))
		}
	}
	return v
}

func fillCell(cell *cellView, r suite.Result, strict bool) {
	cell.Verdict, cell.Class = r.Verdict, verdictClass(r.Verdict)
	cell.Reason, cell.Expected, cell.Actual = r.Reason, r.Expected, r.Actual
	cell.Duration = r.Duration.Round(time.Microsecond * 100).String()
	cell.Started = r.Started.UTC().Format("15:04:05.000")
	cell.Failing = suite.Failing(r.Verdict, strict)
	for _, k := range slices.Sorted(maps.Keys(r.Measures)) {
		cell.Measures = append(cell.Measures, measureView{Name: k, Value: formatMeasure(r.Measures[k])})
	}
	for _, e := range r.Wire {
		w := wireView{At: fmt.Sprintf("+%.3f ms", float64(e.At)/float64(time.Millisecond)), Dir: e.Dir, DirClass: dirClass(e.Dir),
			Kind: e.Kind, Conn: e.Conn, Data: e.Data}
		// Size is the frame's size before truncation (and redaction, which
		// changes the length): only a cut frame needs it shown.
		if e.Size > wirelog.MaxData {
			w.Size = fmt.Sprintf("%d bytes, truncated", e.Size)
		}
		cell.Wire = append(cell.Wire, w)
	}
}

// counts lists, in legend order, the verdicts present in rs.
func counts(rs []suite.Result) []countView {
	t := totals(rs)
	var out []countView
	for _, v := range verdictOrder() {
		if t[v] > 0 {
			out = append(out, countView{Verdict: v, Class: verdictClass(v), N: t[v]})
		}
		delete(t, v)
	}
	for _, v := range slices.Sorted(maps.Keys(t)) { // verdicts of a newer harness
		out = append(out, countView{Verdict: v, Class: "v-unknown", N: t[v]})
	}
	return out
}

func formatMeasure(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func verdictClass(v suite.Verdict) string {
	for _, l := range suite.Verdicts {
		if l.Verdict == v {
			return "v-" + strings.ToLower(nonWord.ReplaceAllString(string(v), "-"))
		}
	}
	return "v-unknown"
}

func dirClass(dir string) string {
	switch dir {
	case wirelog.Out:
		return "out"
	case wirelog.In:
		return "in"
	}
	return "note"
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// anchorSet makes unique, attribute-safe anchors from case IDs.
type anchorSet map[string]bool

func (s anchorSet) make(base string) string {
	a := nonWord.ReplaceAllString(base, "_")
	for i := 2; s[a]; i++ {
		a = fmt.Sprintf("%s_%d", nonWord.ReplaceAllString(base, "_"), i)
	}
	s[a] = true
	return a
}
