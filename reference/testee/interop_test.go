package testee_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socketlab/interop"
	"socketlab/reference/testee"
)

// interopOptions are the testee defaults with a pingTimeout long enough
// that a busy CI machine (go test runs packages in parallel on 2 cores)
// does not turn a late pong into a failed scenario: these tests are about
// interoperability, heartbeat timing has its own tests.
func interopOptions() testee.Options {
	opts := testee.DefaultOptions
	opts.PingTimeout = 2 * time.Second
	return opts
}

// serve starts a testee on 127.0.0.1:0 and returns its http:// URL.
func serve(t *testing.T, opts testee.Options) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := testee.New(opts)
	httpServer := &http.Server{Handler: srv}
	go func() { _ = httpServer.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		_ = httpServer.Close()
	})
	return "http://" + ln.Addr().String()
}

// TestOfficialClientAgainstGoServer runs the official socket.io-client 4.8
// (Node) against our server over polling only, WebSocket only and the
// default (polling, then upgrade): handshake, auth payload, events, acks
// both ways, binary both ways, a custom namespace, rooms with the sender
// excluded, disconnect and heartbeats. The same scenarios pass against the
// official Node server (package interop's own tests), so a failure here is
// ours.
func TestOfficialClientAgainstGoServer(t *testing.T) {
	interop.Require(t)
	url := serve(t, interopOptions())
	for _, transports := range interop.Transports {
		t.Run(transports, func(t *testing.T) {
			results := interop.RunClientScenarios(t, url, transports)
			interop.AssertScenarios(t, results, interop.AllScenarios)
		})
	}
}

// TestOfficialClientRecovery: the official client's connection state
// recovery works against our server: after its engine connection drops, it
// reconnects with {pid, offset}, keeps its socket id, gets
// socket.recovered === true and the room event it missed exactly once.
func TestOfficialClientRecovery(t *testing.T) {
	interop.Require(t)
	opts := interopOptions()
	opts.Recovery = true
	url := serve(t, opts)
	for _, transports := range interop.Transports {
		t.Run(transports, func(t *testing.T) {
			results := interop.RunClientScenarios(t, url, transports, "--scenario", "recovery")
			interop.AssertScenarios(t, results, []string{"recovery"})
		})
	}
}

// TestOfficialClientConnectErrorWithData: a middleware's refusal reaches
// the official client as connect_error with its message and data, and the
// right token connects.
func TestOfficialClientConnectErrorWithData(t *testing.T) {
	interop.Require(t)
	opts := interopOptions()
	opts.AuthToken = "secret"
	url := serve(t, opts)
	want := []string{"connect_error", "auth", "events", "namespace"}
	for _, transports := range interop.Transports {
		t.Run(transports, func(t *testing.T) {
			results := interop.RunClientScenarios(t, url, transports,
				"--expect-token", "secret", "--scenario", strings.Join(want, ","))
			interop.AssertScenarios(t, results, want)
		})
	}
}
