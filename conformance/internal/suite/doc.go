// Package suite is the conformance harness's case model: what a case is
// (an ID, a level, the requirement it checks quoted with its source, its
// steps), how its verdict is decided (from the typed error its Run returns,
// never from message text), and how the results of a run are kept for the
// reports.
//
// Verdicts follow Autobahn and the OCI conformance suites:
//
//	PASS           the requirement is met
//	NON-STRICT     a SHOULD is not met, or a MUST is met only late or partly
//	INFO           unspecified behaviour, recorded (perf figures, choices)
//	UNIMPLEMENTED  an optional feature is absent
//	FAIL           a MUST is broken
//	SKIP           the case's level is off, or it does not apply
//	ERROR          the harness could not run the case
//
// A case's Run returns nil for PASS (INFO for an Info-strength case), a
// *Violation when the target broke the requirement (FAIL for a MUST,
// NON-STRICT for a SHOULD), or one of the errors made by NonStrict,
// Informational, Unimplemented and Skip. Any other error is ERROR: the
// harness, not the target, failed — for example it could not build a
// request.
package suite
