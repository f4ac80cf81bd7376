// Package codec is the conformance harness's own strict codec for Engine.IO
// v4 and Socket.IO v5 packets. It is written from the protocol specs
// (docs/protocol.md), independently of socketlab/reference, so the harness
// judges every implementation — ours included — with code it does not share.
//
// Strict means: a decoder returns an error for anything the spec does not
// allow (unknown packet types, trailing garbage, bad attachment counts),
// because in the harness a lenient decoder would hide a target's bugs. The
// errors are typed (*Error with a Kind) so that cases decide verdicts with
// errors.As, never by matching strings.
package codec
