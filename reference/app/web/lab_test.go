package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"socketlab/reference/app/web"
	"socketlab/reference/testee"
)

// The bench of client_test.go: lab.html and socketlab's browser client
// (static/client/) served next to the Go Socket.IO server (the testee echo
// server), all behind a proxy that can break connections, plus helpers
// that read what the client saw through testdata/lab.js.

// pingInterval and pingTimeout are short so that heartbeats can be
// watched in a second; the timeout leaves room for a slow CI machine.
const (
	pingInterval = 300 * time.Millisecond
	pingTimeout  = time.Second
)

// gate sits in front of the Socket.IO server and can refuse its requests:
// all of them (down: every reconnection attempt fails) or the WebSocket
// ones only (a proxy that breaks WebSockets).
type gate struct {
	next        http.Handler
	down        atomic.Bool
	noWebSocket atomic.Bool
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case g.down.Load():
		http.Error(w, "down for the test", http.StatusServiceUnavailable)
	case g.noWebSocket.Load() && r.URL.Query().Get("transport") == "websocket":
		http.Error(w, "no WebSocket in this test", http.StatusForbidden)
	default:
		g.next.ServeHTTP(w, r)
	}
}

// lab is the test bench: lab.html and the client's files, the testee
// behind a gate, all behind a cutProxy whose URL the browser opens.
type lab struct {
	io    *testee.Server
	gate  *gate
	proxy *cutProxy
}

func startLab(t *testing.T, opts testee.Options) *lab {
	t.Helper()
	srv := testee.New(opts)
	g := &gate{next: srv}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", g)
	mux.Handle("GET /static/", web.Handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "testdata/lab.html")
	})
	mux.HandleFunc("GET /lab.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "testdata/lab.js")
	})
	mux.HandleFunc("GET /backoff-table.json", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "../../socketio/backoff/testdata/socketio-client-backoff.json")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		_ = hs.Close()
	})
	proxy := listenProxy(t)
	proxy.forward(ln.Addr().String())
	return &lab{io: srv, gate: g, proxy: proxy}
}

func labOptions() testee.Options {
	opts := testee.DefaultOptions
	opts.PingInterval = pingInterval
	opts.PingTimeout = pingTimeout
	opts.ConnectTimeout = 5 * time.Second
	return opts
}

// page opens lab.html in a new tab.
func (l *lab) page(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	l.gate.down.Store(false)
	l.gate.noWebSocket.Store(false)
	tb := tab(t, browser, t.Name())
	run(t, tb, "open lab.html", chromedp.Navigate(l.proxy.URL()+"/"))
	waitFor(t, tb, "lab.js loaded", `window.lab !== undefined`, 10*time.Second)
	return tb
}

// js quotes Go values as JavaScript literals.
func js(args ...any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		b, _ := json.Marshal(a)
		parts[i] = string(b)
	}
	return strings.Join(parts, ", ")
}

type logEntry struct {
	Kind string `json:"kind"`
	At   int    `json:"at"` // ms since the page started
	Args []any  `json:"args"`
}

func events(t *testing.T, tb context.Context, name, kind string) []logEntry {
	t.Helper()
	return eval[[]logEntry](t, tb, fmt.Sprintf("lab.events(%s)", js(name, kind)))
}

func count(name, kind string) string { return fmt.Sprintf("lab.count(%s)", js(name, kind)) }

// openSocket opens a socket in the page and waits until it is connected
// on the given transport.
func openSocket(t *testing.T, tb context.Context, name string, opts map[string]any, transport string) {
	t.Helper()
	if opts == nil {
		opts = map[string]any{} // not null: io() takes an object
	}
	eval[chromedp.Void](t, tb, fmt.Sprintf("lab.open(%s)", js(name, opts)))
	waitFor(t, tb, name+" connected", fmt.Sprintf("lab.connected(%s)", js(name)), 10*time.Second)
	waitFor(t, tb, name+" on "+transport, fmt.Sprintf("lab.transport(%s) === %s", js(name), js(transport)), 10*time.Second)
}

// echo checks a round trip with an acknowledgement: the testee answers
// message-with-ack with the same arguments.
func echo(t *testing.T, tb context.Context, name string) {
	t.Helper()
	args := []any{1.0, "two", map[string]any{"three": []any{3.0, true, nil}}}
	got := eval[[]any](t, tb, fmt.Sprintf("lab.emitWithAck(%s, %s)", js(name, "message-with-ack"), js(args...)))
	require.Equal(t, args, got)
}

// heartbeats waits for n more pings and checks that the socket stayed
// connected meanwhile.
func heartbeats(t *testing.T, tb context.Context, name string, n int) {
	t.Helper()
	before := eval[int](t, tb, count(name, "io:ping"))
	waitFor(t, tb, fmt.Sprintf("%d pings", n), fmt.Sprintf("%s >= %d", count(name, "io:ping"), before+n),
		time.Duration(n+2)*pingInterval+5*time.Second)
	require.Zero(t, eval[int](t, tb, count(name, "disconnect")), "disconnected during heartbeats")
}

func argsOf(entries []logEntry) []any {
	out := make([]any, len(entries))
	for i, e := range entries {
		if len(e.Args) > 0 {
			out[i] = e.Args[0]
		}
	}
	return out
}

// managerState is what lab.state reports: whether the socket wants a
// connection and whether its Manager has a reconnection pending.
type managerState struct {
	Active       bool   `json:"active"`
	Reconnecting bool   `json:"reconnecting"`
	ReadyState   string `json:"readyState"`
}

func state(t *testing.T, tb context.Context, name string) managerState {
	t.Helper()
	return eval[managerState](t, tb, fmt.Sprintf("lab.state(%s)", js(name)))
}
