package client_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socketlab/reference/engineio"
	"socketlab/reference/socketio"
	"socketlab/reference/socketio/client"
)

// wait bounds every wait for something that should happen.
const wait = 10 * time.Second

// slowPing is the heartbeat (interval and timeout) of the test servers
// whose heartbeat is not under test.
const slowPing = 2 * time.Second

// slowPingFlags are testee.mjs's flags for that heartbeat.
var slowPingFlags = []string{"--ping-interval", "2000", "--ping-timeout", "2000"}

// transportCases are the client configurations every scenario runs with:
// long-polling only, WebSocket only, and the default (polling, upgraded
// to WebSocket).
var transportCases = []struct {
	name       string
	transports []string
}{
	{"polling", []string{"polling"}},
	{"websocket", []string{"websocket"}},
	{"default", nil},
}

// ----------------------------------------------------------- Go testee

// newGoTestee is a socketlab Go server behaving like conformance/targets/node/testee.mjs
// (same events, same flags), so that the same scenarios run against both.
// Its heartbeat is slower than the testee's (2s + 2s): the tests that do
// not test the heartbeat should not fail because a loaded machine (the
// race detector, two CPUs shared with other test runs) delayed a pong.
func newGoTestee(authToken string, opts socketio.Options) *socketio.Server {
	if opts.Engine.PingInterval == 0 {
		opts.Engine.PingInterval = slowPing
		opts.Engine.PingTimeout = slowPing
	}
	opts.Engine.CORS = engineio.CORS{AllowAnyOrigin: true}
	srv := socketio.NewServer(opts)
	if authToken != "" {
		srv.Use(func(s *socketio.Socket) error {
			if tok, _ := s.Handshake().Auth["token"].(string); tok == authToken {
				return nil
			}
			return socketio.NewConnectError("not authorized", map[string]any{"reason": "bad token"})
		})
	}
	echo := func(s *socketio.Socket) {
		_ = s.Emit("auth", s.Handshake().Auth)
		s.On("message", func(e *socketio.Event) { _ = s.Emit("message-back", e.Args...) })
		s.On("message-with-ack", func(e *socketio.Event) { _ = e.Ack(e.Args...) })
	}
	srv.OnConnection(func(s *socketio.Socket) {
		echo(s)
		s.On("join", func(e *socketio.Event) {
			if room, ok := e.Args[0].(string); ok {
				s.Join(room)
			}
		})
		s.On("broadcast", func(e *socketio.Event) {
			if room, ok := e.Args[0].(string); ok {
				_ = s.To(room).Emit("broadcast", e.Args[1:]...)
			}
		})
		s.On("emit-to-room", func(e *socketio.Event) {
			if room, ok := e.Args[0].(string); ok {
				_ = srv.To(room).Emit("emit-to-room", e.Args[1:]...)
			}
		})
		s.On("server-ack", func(e *socketio.Event) {
			args := append(append([]any{}, e.Args...), socketio.AckFunc(func(res []any, err error) {
				if err == nil {
					_ = s.Emit("server-ack-result", res...)
				}
			}))
			_ = s.Emit("server-ack-request", args...)
		})
	})
	srv.Of("/custom").OnConnection(echo)
	return srv
}

// serveGo starts srv on 127.0.0.1 and returns its http:// URL.
func serveGo(t *testing.T, srv *socketio.Server) string {
	t.Helper()
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	return ts.URL
}

// restartable is a Go server that can be stopped and started again on the
// same port.
type restartable struct {
	t    *testing.T
	addr string
	mk   func() *socketio.Server

	mu   sync.Mutex
	srv  *socketio.Server
	http *http.Server
}

func newRestartable(t *testing.T, mk func() *socketio.Server) *restartable {
	r := &restartable{t: t, addr: freeAddr(t), mk: mk}
	t.Cleanup(r.stop)
	return r
}

func (r *restartable) url() string { return "http://" + r.addr }

func (r *restartable) server() *socketio.Server {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.srv
}

func (r *restartable) start() {
	r.t.Helper()
	ln := listenRetry(r.t, r.addr)
	srv := r.mk()
	hs := &http.Server{Handler: srv}
	go func() { _ = hs.Serve(ln) }()
	r.mu.Lock()
	r.srv, r.http = srv, hs
	r.mu.Unlock()
}

// stop closes every session ("server shutting down"), the listener and
// every connection.
func (r *restartable) stop() {
	r.mu.Lock()
	srv, hs := r.srv, r.http
	r.srv, r.http = nil, nil
	r.mu.Unlock()
	if srv != nil {
		srv.Close()
		_ = hs.Close()
	}
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago (nothing listens on it).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// listenRetry listens on addr, retrying for a while if the port is still
// held (a previous server's connections closing).
func listenRetry(t *testing.T, addr string) net.Listener {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln
		}
		if time.Now().After(deadline) {
			t.Fatalf("listen %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond) // polling for the port, bounded by the deadline
	}
}

// ------------------------------------------------------------ recorder

// recorder collects what handlers see, as strings, in order.
type recorder struct{ ch chan string }

func newRecorder() *recorder { return &recorder{ch: make(chan string, 4096)} }

func (r *recorder) add(format string, args ...any) { r.ch <- fmt.Sprintf(format, args...) }

// next returns the next entry, failing the test after wait.
func (r *recorder) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-r.ch:
		return s
	case <-time.After(wait):
		t.Fatalf("no event within %v", wait)
		return ""
	}
}

// expect checks that the next entries are want, in order.
func (r *recorder) expect(t *testing.T, want ...string) {
	t.Helper()
	for i, w := range want {
		got := r.next(t)
		require.Equal(t, w, got, "entry %d of %q", i, want)
	}
}

// waitFor skips entries until want and returns the skipped ones.
func (r *recorder) waitFor(t *testing.T, want string) []string {
	t.Helper()
	var skipped []string
	for {
		got := r.next(t)
		if got == want {
			return skipped
		}
		skipped = append(skipped, got)
	}
}

// empty reports whether nothing is recorded (now).
func (r *recorder) empty() bool { return len(r.ch) == 0 }

// watch records the lifecycle events of s and of its Manager.
func watch(r *recorder, s *client.Socket) {
	s.OnConnect(func() { r.add("connect") })
	s.OnDisconnect(func(reason string) { r.add("disconnect:%s", reason) })
	s.OnConnectError(func(err *client.ConnectError) { r.add("connect_error") })
	m := s.Manager()
	m.OnReconnectAttempt(func(n int) { r.add("reconnect_attempt:%d", n) })
	m.OnReconnect(func(n int) { r.add("reconnect:%d", n) })
	m.OnReconnectError(func(error) { r.add("reconnect_error") })
	m.OnReconnectFailed(func() { r.add("reconnect_failed") })
}

// events returns a channel receiving every event called name on s.
func events(s *client.Socket, name string) chan *client.Event {
	ch := make(chan *client.Event, 256)
	s.On(name, func(e *client.Event) { ch <- e })
	return ch
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("nothing received within %v", wait)
		var zero T
		return zero
	}
}

// connected waits until s is connected.
func connected(t *testing.T, s *client.Socket) {
	t.Helper()
	require.Eventually(t, s.Connected, wait, 5*time.Millisecond, "socket %s not connected", s.Namespace())
}

// jsonOf is v as JSON, to compare decoded values (json.Number...) with
// what was sent.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// ---------------------------------------------------------- fake clock

// fakeClock is a Clock whose timers fire only when the test says so.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers chan *fakeTimer // every AfterFunc, in order
}

type fakeTimer struct {
	clock *fakeClock
	d     time.Duration
	f     func()
	done  bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Unix(1_700_000_000, 0), timers: make(chan *fakeTimer, 1024)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) client.Timer {
	t := &fakeTimer{clock: c, d: d, f: f}
	c.timers <- t
	return t
}

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	was := !t.done
	t.done = true
	return was
}

// fire runs the timer's function as if its delay had elapsed.
func (t *fakeTimer) fire() {
	t.clock.mu.Lock()
	if t.done {
		t.clock.mu.Unlock()
		return
	}
	t.done = true
	t.clock.now = t.clock.now.Add(t.d)
	t.clock.mu.Unlock()
	go t.f()
}

// next waits for the next timer requested.
func (c *fakeClock) next(t *testing.T) *fakeTimer {
	t.Helper()
	return recv(t, c.timers)
}

// pending reports whether a timer was requested and not consumed by next.
func (c *fakeClock) pending() int { return len(c.timers) }

// ------------------------------------------------------------ TCP proxy

// proxy forwards TCP connections to a server. The test can cut every
// connection at once (the client sees its transport break), refuse new
// connections (closed at once), freeze traffic (bytes are read and
// dropped: the connection looks alive but silent) or drop only what the
// client sends (the server stops hearing the client, which still hears
// the server).
type proxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	refuse bool
	frozen bool
	dropUp bool
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	go p.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		p.cut()
	})
	return p
}

func (p *proxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse
		p.mu.Unlock()
		if refuse {
			_ = c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go p.pipe(c, s, false)
		go p.pipe(s, c, true)
	}
}

// dropping reports whether traffic in a direction is being dropped.
func (p *proxy) dropping(up bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.frozen || (up && p.dropUp)
}

// pipe copies src to dst; up is the client → server direction.
func (p *proxy) pipe(dst, src net.Conn, up bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.dropping(up) {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				err = werr
			}
		}
		if err != nil {
			if p.dropping(up) {
				// Silent: the other side does not see this one go away
				// (cut closes it).
				return
			}
			_ = dst.Close()
			_ = src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
			return
		}
	}
}

// cut closes every connection going through the proxy.
func (p *proxy) cut() {
	p.mu.Lock()
	conns := p.conns
	p.conns = map[net.Conn]struct{}{}
	p.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

func (p *proxy) setRefuse(v bool) {
	p.mu.Lock()
	p.refuse = v
	p.mu.Unlock()
}

func (p *proxy) setDropUp(v bool) {
	p.mu.Lock()
	p.dropUp = v
	p.mu.Unlock()
}

func (p *proxy) setFrozen(v bool) {
	p.mu.Lock()
	p.frozen = v
	p.mu.Unlock()
}
