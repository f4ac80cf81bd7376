package suite

import (
	"errors"
	"fmt"
)

// Verdict is the outcome of a case.
type Verdict string

const (
	Pass       Verdict = "PASS"
	NonStrictV Verdict = "NON-STRICT"
	InfoV      Verdict = "INFO"
	Unimpl     Verdict = "UNIMPLEMENTED"
	Fail       Verdict = "FAIL"
	Skipped    Verdict = "SKIP"
	ErrorV     Verdict = "ERROR"
)

// Verdicts lists every verdict, best first, with the meaning the reports show.
var Verdicts = []struct {
	Verdict Verdict
	Meaning string
}{
	{Pass, "the requirement is met"},
	{NonStrictV, "a SHOULD is not met, or a MUST only late or partly (fails only with -strict)"},
	{InfoV, "unspecified behaviour or a measured figure, recorded"},
	{Unimpl, "an optional feature is absent"},
	{Skipped, "the level is off, or the case does not apply"},
	{Fail, "a MUST is broken"},
	{ErrorV, "the harness could not run the case"},
}

// Violation reports that the target broke the case's requirement.
type Violation struct {
	Expected string
	Actual   string
}

func (v *Violation) Error() string {
	return fmt.Sprintf("expected %s; got %s", v.Expected, v.Actual)
}

// Violationf returns a *Violation.
func Violationf(expected, actualFormat string, args ...any) error {
	return &Violation{Expected: expected, Actual: fmt.Sprintf(actualFormat, args...)}
}

// outcome is a verdict a case chose itself, with its reason.
type outcome struct {
	verdict Verdict
	reason  string
}

func (o *outcome) Error() string { return string(o.verdict) + ": " + o.reason }

// NonStrict: the requirement is met late or partly, or a SHOULD-level
// expectation inside a MUST case is not met; the reason carries the figure.
func NonStrict(format string, args ...any) error {
	return &outcome{NonStrictV, fmt.Sprintf(format, args...)}
}

// Informational ends a case with INFO and a recorded observation.
func Informational(format string, args ...any) error {
	return &outcome{InfoV, fmt.Sprintf(format, args...)}
}

// Unimplemented: the target lacks an optional feature.
func Unimplemented(format string, args ...any) error {
	return &outcome{Unimpl, fmt.Sprintf(format, args...)}
}

// Skip: the case does not apply to this target or configuration.
func Skip(format string, args ...any) error {
	return &outcome{Skipped, fmt.Sprintf(format, args...)}
}

// Decide maps a case's returned error to its verdict and reason.
func Decide(strength Strength, err error) (Verdict, string) {
	if err == nil {
		if strength == Info {
			return InfoV, ""
		}
		return Pass, ""
	}
	var o *outcome
	if errors.As(err, &o) {
		return o.verdict, o.reason
	}
	var v *Violation
	if errors.As(err, &v) {
		switch strength {
		case Should:
			return NonStrictV, v.Error()
		case Info:
			return InfoV, v.Error()
		}
		return Fail, v.Error()
	}
	return ErrorV, err.Error()
}

// Failing reports whether v fails the Go subtest.
func Failing(v Verdict, strict bool) bool {
	return v == Fail || v == ErrorV || (strict && v == NonStrictV)
}
