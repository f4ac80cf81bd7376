package report

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"time"

	"socketlab/conformance/internal/suite"
)

// The JUnit XML schema CI servers read (the Ant/Jenkins dialect): one
// testsuite per agent × level, one testcase per case.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure"`
	Skipped   *junitSkipped `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr,omitempty"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func renderJUnit(idx *Index) ([]byte, error) {
	all := junitSuites{Name: "socketlab conformance"}
	var total time.Duration
	for _, run := range idx.Agents {
		total += run.Duration
		props := []junitProperty{{"agent", run.Agent}, {"target", run.Target}, {"testee", run.Testee}, {"strict", fmt.Sprint(run.Strict)}}
		byLevel := map[suite.Level]*junitSuite{}
		var levels []suite.Level
		for _, r := range run.Results {
			s := byLevel[r.Level]
			if s == nil {
				s = &junitSuite{Name: run.Agent + "/" + string(r.Level), Timestamp: run.Started.UTC().Format("2006-01-02T15:04:05"), Properties: props}
				byLevel[r.Level] = s
				levels = append(levels, r.Level)
			}
			tc := junitCase{Classname: string(r.Level), Name: r.ID, Time: seconds(r.Duration), SystemOut: systemOut(r)}
			switch {
			case suite.Failing(r.Verdict, run.Strict):
				tc.Failure = &junitFailure{Message: string(r.Verdict) + ": " + oneLine(r.Reason, 300), Type: string(r.Verdict), Text: failureText(r)}
				s.Failures++
			case r.Verdict == suite.Skipped || r.Verdict == suite.Unimpl:
				tc.Skipped = &junitSkipped{Message: string(r.Verdict) + ": " + oneLine(r.Reason, 300)}
				s.Skipped++
			}
			s.Tests++
			s.Cases = append(s.Cases, tc)
		}
		slices.SortStableFunc(levels, func(a, b suite.Level) int { return levelRank(a) - levelRank(b) })
		for _, l := range levels {
			s := byLevel[l]
			var d time.Duration
			for _, r := range run.Results {
				if r.Level == l {
					d += r.Duration
				}
			}
			s.Time = seconds(d)
			all.Tests += s.Tests
			all.Failures += s.Failures
			all.Skipped += s.Skipped
			all.Suites = append(all.Suites, *s)
		}
	}
	all.Time = seconds(total)
	b, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(append([]byte(xml.Header), b...), '\n'), nil
}

// systemOut is the verdict and its reason, as a CI page shows it.
func systemOut(r suite.Result) string {
	s := string(r.Verdict)
	if r.Reason != "" {
		s += ": " + r.Reason
	}
	return s
}

// failureText gives a CI reader what they need without opening report.html.
func failureText(r suite.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\nrequirement (%s, %s): %s\n", r.ID, r.Title, r.Strength, r.Source, r.Requirement)
	if r.Expected != "" {
		fmt.Fprintf(&b, "expected: %s\n", r.Expected)
	}
	if r.Actual != "" {
		fmt.Fprintf(&b, "actual:   %s\n", r.Actual)
	}
	if r.Reason != "" {
		fmt.Fprintf(&b, "reason:   %s\n", r.Reason)
	}
	return b.String()
}

// oneLine flattens s for an attribute and bounds it (in runes).
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
