// Package client holds the cases of level "client": the harness turns
// around and plays the server (internal/scriptserver, a scripted Engine.IO
// v4 + Socket.IO v5 server) to judge Socket.IO clients, the way Autobahn's
// fuzzingserver judges WebSocket clients.
//
// A client under test is a program (-client-cmd NAME=CMD) or a page
// (-client-page NAME=URL) that follows the client testee contract of
// docs/conformance.md ("Client conformance"): it connects where the harness
// says with the auth and reconnection options it gives, answers "echo",
// and reports its lifecycle events as JSON lines to the harness. Each case
// judges it from both ends: what it sends on the wire, and what it tells
// its application.
//
// Each case runs once per client under test, one after the other, each
// with its own scripted server, report sink and deadline; the case's
// verdict is the worst of the clients' (a client that cannot run here, a
// page without Chromium, is left out with its reason, except in CI), and
// the report shows every client's own outcome under "Observed" and its
// figures under "Measures", prefixed by its name.
package client
