package report

import "socketlab/conformance/internal/suite"

// ANSI colors of the verdicts on a terminal, matching report.html's.
var verdictColors = map[suite.Verdict]string{
	suite.Pass:       "32",      // green
	suite.NonStrictV: "33",      // yellow
	suite.InfoV:      "36",      // cyan
	suite.Unimpl:     "35",      // magenta
	suite.Skipped:    "90",      // grey
	suite.Fail:       "1;31",    // bold red
	suite.ErrorV:     "1;37;45", // bold white on magenta
}

// Paint wraps s in v's terminal color. Pad s before painting: the escape
// sequences have no width but count as bytes.
func Paint(v suite.Verdict, s string) string {
	c, ok := verdictColors[v]
	if !ok {
		return s
	}
	return "\x1b[" + c + "m" + s + "\x1b[0m"
}
