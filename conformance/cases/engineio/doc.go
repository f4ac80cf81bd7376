// Package engineio registers the conformance level "engineio": the
// Engine.IO v4 protocol, checked on the testee's bare Engine.IO echo
// endpoint (/engine.io/) the way the official socketio/engine.io-protocol
// test-suite checks it, plus RFC 6455 framing and the regressions of
// engine.io's and ws's security history. One file per spec section.
package engineio
