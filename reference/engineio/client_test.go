package engineio

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// clientRecorder is a client Handler that records what it gets.
type clientRecorder struct {
	messages chan received
	closes   chan closed
	closeN   atomic.Int32
	onMsg    func(data []byte, binary bool) // optional hook, runs first
	inMsg    atomic.Bool                    // set while HandleMessage runs
	overlap  atomic.Bool                    // HandleMessage or HandleClose ran concurrently with it
}

func newClientRecorder() *clientRecorder {
	return &clientRecorder{messages: make(chan received, 4096), closes: make(chan closed, 4)}
}

func (r *clientRecorder) HandleMessage(data []byte, binary bool) {
	if !r.inMsg.CompareAndSwap(false, true) {
		r.overlap.Store(true)
	}
	if r.onMsg != nil {
		r.onMsg(data, binary)
	}
	r.messages <- received{string(data), binary}
	r.inMsg.Store(false)
}

func (r *clientRecorder) HandleClose(reason string, cause error) {
	if r.inMsg.Load() {
		r.overlap.Store(true)
	}
	r.closeN.Add(1)
	r.closes <- closed{reason, cause}
}

func (r *clientRecorder) next(t testing.TB) received {
	t.Helper()
	select {
	case m := <-r.messages:
		return m
	case c := <-r.closes:
		// Messages are recorded before the close: one may be waiting.
		r.closes <- c
		select {
		case m := <-r.messages:
			return m
		default:
		}
		t.Fatalf("client closed while waiting for a message: %s (%v)", c.reason, c.cause)
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for a client message")
	}
	return received{}
}

func (r *clientRecorder) waitClose(t testing.TB) closed {
	t.Helper()
	select {
	case c := <-r.closes:
		require.EqualValues(t, 1, r.closeN.Load())
		require.False(t, r.overlap.Load(), "handler calls overlapped")
		return c
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for the client's HandleClose")
		return closed{}
	}
}

// clientMode is a way to connect: the transports option and the
// transport the client ends up on.
type clientMode struct {
	name       string
	transports []string
	final      string
}

var clientModes = []clientMode{
	{"polling", []string{TransportPolling}, TransportPolling},
	{"websocket", []string{TransportWebSocket}, TransportWebSocket},
	{"upgrade", nil, TransportWebSocket},
}

// dialClient dials url with opts and closes the client at the end of the
// test.
func dialClient(t testing.TB, url string, opts DialOptions) (*Client, *clientRecorder) {
	t.Helper()
	rec := newClientRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := Dial(ctx, url, opts, rec)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c, rec
}

// waitUpgrade waits for the client's upgrade to complete.
func waitUpgrade(t testing.TB, c *Client) {
	t.Helper()
	done := make(chan string, 1)
	c.OnUpgrade(func(tr string) { done <- tr })
	select {
	case tr := <-done:
		require.Equal(t, TransportWebSocket, tr)
	case <-time.After(waitTimeout):
		c.mu.Lock()
		err := c.lastWSError
		c.mu.Unlock()
		t.Fatalf("timed out waiting for the upgrade (last error: %v)", err)
	}
	require.Equal(t, TransportWebSocket, c.Transport())
}

// connect dials ts in mode and returns the client, its recorder and the
// server side's recorder; an "upgrade" client has completed its upgrade.
func connect(t testing.TB, ts *testServer, mode clientMode, opts DialOptions) (*Client, *clientRecorder, *recorder) {
	t.Helper()
	opts.Transports = mode.transports
	c, rec := dialClient(t, ts.http.URL, opts)
	srv := ts.nextSession(t)
	require.Equal(t, srv.session.ID(), c.ID())
	if mode.name == "upgrade" {
		waitUpgrade(t, c)
	}
	require.Equal(t, mode.final, c.Transport())
	return c, rec, srv
}

func TestClientEcho(t *testing.T) {
	for _, mode := range clientModes {
		t.Run(mode.name, func(t *testing.T) {
			ts := newTestServer(t, Options{})
			c, rec, srv := connect(t, ts, mode, DialOptions{})

			hs := c.Handshake()
			require.Equal(t, c.ID(), hs.SID)
			require.Equal(t, DefaultPingInterval, hs.PingInterval)
			require.Equal(t, DefaultPingTimeout, hs.PingTimeout)
			require.EqualValues(t, DefaultMaxPayload, hs.MaxPayload)
			if mode.transports == nil {
				require.Equal(t, []string{TransportWebSocket}, hs.Upgrades)
			}

			require.NoError(t, c.Send(NewTextMessage("héllo")))
			require.Equal(t, received{"héllo", false}, srv.nextMessage(t))
			require.Equal(t, received{"héllo", false}, rec.next(t))

			bin := []byte{0, 1, 2, 0x1e, 0xff}
			require.NoError(t, c.Send(NewBinaryMessage(bin)))
			require.Equal(t, received{string(bin), true}, srv.nextMessage(t))
			require.Equal(t, received{string(bin), true}, rec.next(t))

			require.NoError(t, c.Send(NewTextMessage("")))
			require.Equal(t, received{"", false}, srv.nextMessage(t))
			require.Equal(t, received{"", false}, rec.next(t))

			require.NoError(t, srv.session.Send(NewTextMessage("push"), NewBinaryMessage([]byte{9})))
			require.Equal(t, received{"push", false}, rec.next(t))
			require.Equal(t, received{"\x09", true}, rec.next(t))

			require.Equal(t, mode.final, c.Transport())
			require.Equal(t, mode.final, srv.session.Transport())
		})
	}
}

func TestClientUpgrade(t *testing.T) {
	ts := newTestServer(t, Options{})
	upgraded := make(chan string, 1)
	var cl *Client
	rec := newClientRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := Dial(ctx, ts.http.URL, DialOptions{OnOpen: func(c *Client) {
		cl = c
		require.Equal(t, TransportPolling, c.Transport())
		c.OnUpgrade(func(tr string) { upgraded <- tr })
	}}, rec)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	require.Same(t, c, cl)
	srv := ts.nextSession(t)

	select {
	case tr := <-upgraded:
		require.Equal(t, TransportWebSocket, tr)
	case <-time.After(waitTimeout):
		t.Fatal("no upgrade")
	}
	require.Equal(t, TransportWebSocket, c.Transport())
	// The server switches when it reads "5", which the client sends
	// just before it announces the upgrade.
	require.Eventually(t, func() bool { return srv.session.Transport() == TransportWebSocket }, waitTimeout, time.Millisecond)

	// A hook set after the upgrade runs at once.
	late := make(chan string, 1)
	c.OnUpgrade(func(tr string) { late <- tr })
	require.Equal(t, TransportWebSocket, <-late)

	require.NoError(t, c.Send(NewTextMessage("after")))
	require.Equal(t, received{"after", false}, rec.next(t))
}

// TestClientUpgradeWhileSending sends all along the upgrade: nothing is
// lost or reordered when polling pauses and the queue moves to the
// WebSocket.
func TestClientUpgradeWhileSending(t *testing.T) {
	for range 5 {
		ts := newTestServer(t, Options{})
		c, rec := dialClient(t, ts.http.URL, DialOptions{})
		srv := ts.nextSession(t)
		const n = 300
		go func() {
			for i := range n {
				if c.Send(NewTextMessage("c"+strconv.Itoa(i))) != nil {
					return
				}
				if i%10 == 0 {
					_ = srv.session.Send(NewTextMessage("s" + strconv.Itoa(i/10)))
				}
			}
		}()
		ci, si := 0, 0
		for ci < n || si < n/10 {
			m := rec.next(t)
			if strings.HasPrefix(m.data, "c") {
				require.Equal(t, "c"+strconv.Itoa(ci), m.data)
				ci++
			} else {
				require.Equal(t, "s"+strconv.Itoa(si), m.data)
				si++
			}
		}
		waitUpgrade(t, c)
		c.Close()
		require.Equal(t, ReasonTransportClose, srv.waitClose(t).reason)
	}
}

// countingHandler counts the polling POSTs reaching next.
type countingHandler struct {
	next  http.Handler
	posts atomic.Int64
}

func (h *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		h.posts.Add(1)
	}
	h.next.ServeHTTP(w, r)
}

func TestClientBurst(t *testing.T) {
	const n = 1000
	for _, mode := range clientModes {
		t.Run(mode.name, func(t *testing.T) {
			ts := newTestServer(t, Options{})
			counter := &countingHandler{next: ts.Server}
			ts.http.Config.Handler = counter
			c, rec, srv := connect(t, ts, mode, DialOptions{})
			postsBefore := counter.posts.Load()

			// Client to server, echoed back.
			for i := range n {
				require.NoError(t, c.Send(NewTextMessage("m"+strconv.Itoa(i))))
			}
			for i := range n {
				require.Equal(t, "m"+strconv.Itoa(i), srv.nextMessage(t).data)
			}
			for i := range n {
				require.Equal(t, "m"+strconv.Itoa(i), rec.next(t).data)
			}
			if mode.final == TransportPolling {
				// Batched: far fewer POSTs than messages.
				posts := counter.posts.Load() - postsBefore
				require.Less(t, posts, int64(n/10), "POSTs for %d messages", n)
			}

			// Server to client, binary and text interleaved.
			for i := range n {
				m := NewTextMessage("s" + strconv.Itoa(i))
				if i%2 == 1 {
					m = NewBinaryMessage([]byte("s" + strconv.Itoa(i)))
				}
				require.NoError(t, srv.session.Send(m))
			}
			for i := range n {
				require.Equal(t, received{"s" + strconv.Itoa(i), i%2 == 1}, rec.next(t))
			}
		})
	}
}

// TestClientPostRespectsMaxPayload: over polling, a POST never exceeds the
// server's maxPayload (the server would answer 413).
func TestClientPostRespectsMaxPayload(t *testing.T) {
	ts := newTestServer(t, Options{MaxPayload: 200})
	ts.echo = false
	counter := &countingHandler{next: ts.Server}
	ts.http.Config.Handler = counter
	c, _, srv := connect(t, ts, clientModes[0], DialOptions{})
	require.EqualValues(t, 200, c.Handshake().MaxPayload)
	msg := strings.Repeat("x", 30)
	for i := range 100 {
		require.NoError(t, c.Send(NewTextMessage(fmt.Sprintf("%02d%s", i, msg))))
	}
	for i := range 100 {
		require.Equal(t, fmt.Sprintf("%02d%s", i, msg), srv.nextMessage(t).data)
	}
	require.GreaterOrEqual(t, counter.posts.Load(), int64(100*33/200))
	// A message over maxPayload is sent alone; the server refuses it.
	require.NoError(t, c.Send(NewTextMessage(strings.Repeat("y", 300))))
	require.Equal(t, ReasonTransportError, srv.waitClose(t).reason)
}

func TestClientHeartbeat(t *testing.T) {
	for _, mode := range clientModes {
		t.Run(mode.name, func(t *testing.T) {
			// A generous pingTimeout: the test machine may be busy.
			ts := newTestServer(t, Options{PingInterval: 50 * time.Millisecond, PingTimeout: 2 * time.Second})
			c, rec, srv := connect(t, ts, mode, DialOptions{})
			deadline := time.After(waitTimeout)
			for c.pings.Load() < 6 {
				select {
				case cl := <-rec.closes:
					t.Fatalf("client closed: %s (%v)", cl.reason, cl.cause)
				case cl := <-srv.closes:
					t.Fatalf("server session closed: %s (%v)", cl.reason, cl.cause)
				case <-deadline:
					t.Fatalf("only %d pings", c.pings.Load())
				case <-time.After(5 * time.Millisecond):
				}
			}
			require.NoError(t, c.Send(NewTextMessage("alive")))
			require.Equal(t, "alive", rec.next(t).data)
		})
	}
}

// silentServer answers the handshake (pingInterval and pingTimeout 50ms)
// and then never pings: polling GETs hang, the WebSocket stays quiet.
func silentServer(t testing.TB, open string) *httptest.Server {
	upgrader := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("transport") == TransportWebSocket {
			conn, err := upgrader.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer conn.Close()
			_ = conn.WriteMessage(websocket.TextMessage, []byte(open))
			for {
				if _, _, err := conn.ReadMessage(); err != nil {
					return
				}
			}
		}
		switch {
		case q.Get("sid") == "":
			_, _ = io.WriteString(w, open)
		case r.Method == http.MethodGet:
			<-r.Context().Done()
		default:
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = io.WriteString(w, "ok")
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestClientPingTimeout(t *testing.T) {
	const open = `0{"sid":"silent","upgrades":[],"pingInterval":50,"pingTimeout":50,"maxPayload":1000}`
	for _, mode := range clientModes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			srv := silentServer(t, open)
			start := time.Now()
			c, rec := dialClient(t, srv.URL, DialOptions{Transports: mode.transports})
			require.Equal(t, "silent", c.ID())
			cl := rec.waitClose(t)
			elapsed := time.Since(start)
			require.Equal(t, ReasonPingTimeout, cl.reason)
			require.NoError(t, cl.cause)
			require.GreaterOrEqual(t, elapsed, 100*time.Millisecond)
			require.Less(t, elapsed, 100*time.Millisecond+2*time.Second)
			require.ErrorIs(t, c.Send(NewTextMessage("x")), ErrSessionClosed)
			select {
			case <-c.Done():
			default:
				t.Fatal("Done not closed")
			}
		})
	}
}

func TestClientServerClosesSession(t *testing.T) {
	for _, mode := range clientModes {
		t.Run(mode.name, func(t *testing.T) {
			ts := newTestServer(t, Options{})
			c, rec, srv := connect(t, ts, mode, DialOptions{})
			require.NoError(t, srv.session.Send(NewTextMessage("last")))
			srv.session.Close(ReasonForcedClose)
			require.Equal(t, received{"last", false}, rec.next(t))
			cl := rec.waitClose(t)
			require.Equal(t, ReasonTransportClose, cl.reason)
			require.Equal(t, ReasonForcedClose, srv.waitClose(t).reason)
			require.ErrorIs(t, c.Send(NewTextMessage("x")), ErrSessionClosed)
		})
	}
}

func TestClientServerShutdown(t *testing.T) {
	for _, mode := range clientModes {
		t.Run(mode.name, func(t *testing.T) {
			ts := newTestServer(t, Options{})
			_, rec, _ := connect(t, ts, mode, DialOptions{})
			ts.Server.Close()
			reason := rec.waitClose(t).reason
			if mode.final == TransportPolling && reason == ReasonTransportError {
				// The GET was not pending when the server closed: the next
				// one got 400 (engine.io-client: "xhr poll error").
				return
			}
			require.Equal(t, ReasonTransportClose, reason)
		})
	}
}

func TestClientClose(t *testing.T) {
	for _, mode := range clientModes {
		t.Run(mode.name, func(t *testing.T) {
			ts := newTestServer(t, Options{})
			ts.echo = false
			c, rec, srv := connect(t, ts, mode, DialOptions{})
			// Queued packets go out before the close.
			require.NoError(t, c.Send(NewTextMessage("one"), NewTextMessage("two")))
			start := time.Now()
			c.Close()
			// HandleClose ran on the calling goroutine.
			require.Len(t, rec.closes, 1)
			cl := rec.waitClose(t)
			require.Equal(t, ReasonForcedClose, cl.reason)
			require.NoError(t, cl.cause)
			require.Equal(t, "one", srv.nextMessage(t).data)
			require.Equal(t, "two", srv.nextMessage(t).data)
			require.Equal(t, ReasonTransportClose, srv.waitClose(t).reason)
			require.Less(t, time.Since(start), time.Second)
			require.ErrorIs(t, c.Send(NewTextMessage("x")), ErrSessionClosed)
			c.Close() // no-op
			require.EqualValues(t, 1, rec.closeN.Load())
			require.Eventually(t, func() bool { return ts.SessionCount() == 0 }, waitTimeout, time.Millisecond)
		})
	}
}

// TestClientCloseDuringUpgrade closes while the upgrade may be anywhere in
// progress: the client ends with "forced close", the session on the server
// ends too.
func TestClientCloseDuringUpgrade(t *testing.T) {
	for i := range 20 {
		ts := newTestServer(t, Options{})
		c, rec := dialClient(t, ts.http.URL, DialOptions{})
		srv := ts.nextSession(t)
		if i%2 == 1 {
			require.NoError(t, c.Send(NewTextMessage("x")))
		}
		time.AfterFunc(time.Duration(i)*time.Millisecond/2, c.Close)
		require.Equal(t, ReasonForcedClose, rec.waitClose(t).reason)
		require.Equal(t, ReasonTransportClose, srv.waitClose(t).reason)
	}
}

func TestClientCloseInsideHandleMessage(t *testing.T) {
	for _, mode := range clientModes {
		t.Run(mode.name, func(t *testing.T) {
			ts := newTestServer(t, Options{})
			c, rec, srv := connect(t, ts, mode, DialOptions{})
			rec.onMsg = func(data []byte, _ bool) {
				if string(data) == "bye" {
					c.Close()
					require.Empty(t, rec.closes, "HandleClose ran inside HandleMessage")
				}
			}
			require.NoError(t, c.Send(NewTextMessage("bye")))
			require.Equal(t, "bye", rec.next(t).data)
			require.Equal(t, ReasonForcedClose, rec.waitClose(t).reason)
			require.Equal(t, ReasonTransportClose, srv.waitClose(t).reason)
		})
	}
}

// TestClientOnOpen: OnOpen runs before any message, even one the server
// sends with the open packet.
func TestClientOnOpen(t *testing.T) {
	srv := NewServer(Options{}, func(s *Session) Handler {
		_ = s.Send(NewTextMessage("welcome"))
		return nil
	})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	for _, mode := range clientModes {
		t.Run(mode.name, func(t *testing.T) {
			var opened atomic.Pointer[Client]
			rec := newClientRecorder()
			rec.onMsg = func([]byte, bool) {
				require.NotNil(t, opened.Load(), "message before OnOpen")
			}
			c, err := Dial(context.Background(), hs.URL, DialOptions{
				Transports: mode.transports,
				OnOpen:     func(c *Client) { opened.Store(c) },
			}, rec)
			require.NoError(t, err)
			defer c.Close()
			require.Same(t, c, opened.Load())
			require.Equal(t, "welcome", rec.next(t).data)
		})
	}
}

func TestClientSendQueueFull(t *testing.T) {
	// A server whose POSTs never complete: the queue only grows.
	const open = `0{"sid":"stuck","upgrades":[],"pingInterval":10000,"pingTimeout":10000,"maxPayload":1000}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("sid") == "" {
			_, _ = io.WriteString(w, open)
			return
		}
		// With the body read, net/http notices the client going away.
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	c, rec := dialClient(t, srv.URL, DialOptions{Transports: []string{TransportPolling}, SendQueueLimit: 10})
	require.NoError(t, c.Send(NewTextMessage("in flight")))
	var err error
	for range 20 {
		if err = c.Send(NewTextMessage("x")); err != nil {
			break
		}
	}
	require.ErrorIs(t, err, ErrQueueFull)
	cl := rec.waitClose(t)
	require.Equal(t, ReasonTransportError, cl.reason)
	require.ErrorIs(t, cl.cause, ErrQueueFull)
}

func TestClientDialErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("polling disabled", func(t *testing.T) {
		ts := newTestServer(t, Options{Transports: []string{TransportWebSocket}})
		_, err := Dial(ctx, ts.http.URL, DialOptions{Transports: []string{TransportPolling}}, nil)
		var he *HTTPError
		require.ErrorAs(t, err, &he)
		require.Equal(t, HTTPError{http.StatusBadRequest, CodeUnknownTransport, "Transport unknown"}, *he)
	})
	t.Run("websocket disabled", func(t *testing.T) {
		ts := newTestServer(t, Options{Transports: []string{TransportPolling}})
		_, err := Dial(ctx, ts.http.URL, DialOptions{Transports: []string{TransportWebSocket}}, nil)
		var he *HTTPError
		require.ErrorAs(t, err, &he)
		require.Equal(t, CodeUnknownTransport, he.Code)
		require.Equal(t, http.StatusBadRequest, he.Status)
	})
	t.Run("allowRequest", func(t *testing.T) {
		ts := newTestServer(t, Options{AllowRequest: func(r *http.Request) error {
			if r.Header.Get("Authorization") == "Bearer ok" && r.URL.Query().Get("token") == "t1" {
				return nil
			}
			return &HTTPError{Status: http.StatusUnauthorized, Code: 42, Message: "no entry"}
		}})
		for _, mode := range clientModes[:2] {
			_, err := Dial(ctx, ts.http.URL, DialOptions{Transports: mode.transports}, nil)
			var he *HTTPError
			require.ErrorAs(t, err, &he, mode.name)
			require.Equal(t, HTTPError{http.StatusUnauthorized, 42, "no entry"}, *he)

			c, err := Dial(ctx, ts.http.URL+"/ignored/path?token=t1", DialOptions{
				Transports: mode.transports,
				Header:     http.Header{"Authorization": {"Bearer ok"}},
			}, nil)
			require.NoError(t, err, mode.name)
			c.Close()
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		require.NoError(t, l.Close())
		for _, mode := range clientModes[:2] {
			_, err := Dial(ctx, "http://"+addr, DialOptions{Transports: mode.transports}, nil)
			require.Error(t, err, mode.name)
			var oe *net.OpError
			require.ErrorAs(t, err, &oe, mode.name)
		}
	})
	t.Run("context timeout", func(t *testing.T) {
		// Accepts connections and never answers.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		var mu sync.Mutex
		var conns []net.Conn
		t.Cleanup(func() {
			_ = l.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				_ = c.Close()
			}
		})
		go func() {
			for {
				conn, err := l.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				conns = append(conns, conn)
				mu.Unlock()
			}
		}()
		for _, mode := range clientModes[:2] {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			start := time.Now()
			_, err := Dial(ctx, "http://"+l.Addr().String(), DialOptions{Transports: mode.transports}, nil)
			cancel()
			require.ErrorIs(t, err, context.DeadlineExceeded, mode.name)
			require.Less(t, time.Since(start), 2*time.Second)
		}
	})
	t.Run("bad URL", func(t *testing.T) {
		for _, u := range []string{"ftp://x", "http://", "://", "localhost:80"} {
			_, err := Dial(ctx, u, DialOptions{}, nil)
			require.Error(t, err, u)
		}
		_, err := Dial(ctx, "http://127.0.0.1:1", DialOptions{Transports: []string{"webtransport"}}, nil)
		require.ErrorContains(t, err, "unknown transport")
		_, err = Dial(ctx, "http://127.0.0.1:1", DialOptions{Transports: []string{}}, nil)
		require.ErrorContains(t, err, "no transports")
	})
}

// TestClientRequests checks the requests the client sends: path, query,
// headers, Content-Type, the cache buster.
func TestClientRequests(t *testing.T) {
	var mu sync.Mutex
	var reqs []*http.Request
	ts := newTestServer(t, Options{Path: "/socket.io/"})
	ts.http.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		reqs = append(reqs, r.Clone(context.Background()))
		mu.Unlock()
		ts.Server.ServeHTTP(w, r)
	})
	c, _ := dialClient(t, strings.Replace(ts.http.URL, "http", "ws", 1)+"/other?x=1", DialOptions{
		Path:   "/socket.io",
		Query:  map[string][]string{"token": {"abc"}, "EIO": {"3"}},
		Header: http.Header{"X-Test": {"yes"}},
	})
	srv := ts.nextSession(t)
	waitUpgrade(t, c)
	require.NoError(t, c.Send(NewTextMessage("hi")))
	require.Equal(t, "hi", srv.nextMessage(t).data)

	mu.Lock()
	defer mu.Unlock()
	busters := map[string]bool{}
	sawPost, sawWS := false, false
	for i, r := range reqs {
		q := r.URL.Query()
		require.Equal(t, "/socket.io/", r.URL.Path)
		require.Equal(t, "4", q.Get("EIO"))
		require.Equal(t, "abc", q.Get("token"))
		require.Equal(t, "1", q.Get("x"))
		require.Equal(t, "yes", r.Header.Get("X-Test"))
		if i == 0 {
			require.Empty(t, q.Get("sid"))
		} else {
			require.Equal(t, c.ID(), q.Get("sid"))
		}
		switch q.Get("transport") {
		case TransportPolling:
			require.NotEmpty(t, q.Get("t"))
			require.False(t, busters[q.Get("t")], "cache buster reused")
			busters[q.Get("t")] = true
			if r.Method == http.MethodPost {
				sawPost = true
				require.Equal(t, "text/plain;charset=UTF-8", r.Header.Get("Content-Type"))
			}
		case TransportWebSocket:
			sawWS = true
			require.Empty(t, q.Get("t"))
		default:
			t.Fatalf("transport %q", q.Get("transport"))
		}
	}
	require.True(t, sawWS)
	_ = sawPost // the first packets may all have gone over the WebSocket
}

func TestClientUpgradeFailure(t *testing.T) {
	t.Run("no upgrades offered", func(t *testing.T) {
		ts := newTestServer(t, Options{Transports: []string{TransportPolling}})
		c, rec := dialClient(t, ts.http.URL, DialOptions{})
		require.Empty(t, c.Handshake().Upgrades)
		require.NoError(t, c.Send(NewTextMessage("x")))
		require.Equal(t, "x", rec.next(t).data)
		require.Equal(t, TransportPolling, c.Transport())
	})
	t.Run("upgrade disabled", func(t *testing.T) {
		ts := newTestServer(t, Options{})
		no := false
		c, rec := dialClient(t, ts.http.URL, DialOptions{Upgrade: &no})
		require.NoError(t, c.Send(NewTextMessage("x")))
		require.Equal(t, "x", rec.next(t).data)
		require.Equal(t, TransportPolling, c.Transport())
	})
	// The server offers websocket but the WebSocket fails: refused, or a
	// wrong answer to the probe, or no answer and a close.
	failures := map[string]http.HandlerFunc{
		"refused": func(w http.ResponseWriter, _ *http.Request) {
			writeHTTPError(w, errUnknownTransport)
		},
		"bad probe answer": func(w http.ResponseWriter, r *http.Request) {
			conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
			if err != nil {
				return
			}
			_, _, _ = conn.ReadMessage()
			_ = conn.WriteMessage(websocket.TextMessage, []byte("3nope"))
			_, _, _ = conn.ReadMessage()
			_ = conn.Close()
		},
		"closed": func(w http.ResponseWriter, r *http.Request) {
			conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
			if err != nil {
				return
			}
			_ = conn.Close()
		},
	}
	for name, fail := range failures {
		t.Run(name, func(t *testing.T) {
			ts := newTestServer(t, Options{})
			ts.http.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("transport") == TransportWebSocket {
					fail(w, r)
					return
				}
				ts.Server.ServeHTTP(w, r)
			})
			c, rec := dialClient(t, ts.http.URL, DialOptions{})
			srv := ts.nextSession(t)
			require.Eventually(t, func() bool {
				c.mu.Lock()
				defer c.mu.Unlock()
				return c.lastWSError != nil && c.probe == nil
			}, waitTimeout, time.Millisecond)
			require.Equal(t, TransportPolling, c.Transport())
			for i := range 50 {
				require.NoError(t, c.Send(NewTextMessage(strconv.Itoa(i))))
			}
			for i := range 50 {
				require.Equal(t, strconv.Itoa(i), rec.next(t).data)
			}
			require.Equal(t, TransportPolling, c.Transport())
			require.Equal(t, TransportPolling, srv.session.Transport())
		})
	}
}

// scriptedServer answers the polling handshake with open, then every GET
// with the next of answers (then hangs); over WebSocket it sends open then
// the answers as text frames.
func scriptedServer(t testing.TB, open string, answers ...string) *httptest.Server {
	var next atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("transport") == TransportWebSocket {
			conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer conn.Close()
			_ = conn.WriteMessage(websocket.TextMessage, []byte(open))
			for _, a := range answers {
				_ = conn.WriteMessage(websocket.TextMessage, []byte(a))
			}
			for {
				if _, _, err := conn.ReadMessage(); err != nil {
					return
				}
			}
		}
		switch {
		case q.Get("sid") == "":
			_, _ = io.WriteString(w, open)
		case r.Method == http.MethodGet:
			if i := int(next.Add(1)) - 1; i < len(answers) {
				_, _ = io.WriteString(w, answers[i])
				return
			}
			<-r.Context().Done()
		default:
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = io.WriteString(w, "ok")
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

const scriptedOpen = `0{"sid":"s1","upgrades":[],"pingInterval":10000,"pingTimeout":10000,"maxPayload":100000}`

func TestClientParseError(t *testing.T) {
	bad := map[string][]string{
		// Polling: GET bodies that are not valid payloads.
		"polling": {"x", "4ok\x1e9", "b!!!", "\xff", "4a\x1e\x1e4b", "4a\x1e"},
		// WebSocket: text frames that are not valid packets.
		"websocket": {"x", "b!!!", "\xff", "", "9", "bA"},
	}
	for _, mode := range clientModes[:2] {
		for _, answer := range bad[mode.name] {
			t.Run(mode.name+"/"+strconv.Quote(answer), func(t *testing.T) {
				srv := scriptedServer(t, scriptedOpen, "4before", answer)
				_, rec := dialClient(t, srv.URL, DialOptions{Transports: mode.transports})
				require.Equal(t, "before", rec.next(t).data)
				cl := rec.waitClose(t)
				require.Equal(t, ReasonParseError, cl.reason)
				require.Error(t, cl.cause)
			})
		}
	}
}

func TestClientServerClosePacket(t *testing.T) {
	for _, mode := range clientModes[:2] {
		t.Run(mode.name, func(t *testing.T) {
			srv := scriptedServer(t, scriptedOpen, "4a", "6", "1")
			_, rec := dialClient(t, srv.URL, DialOptions{Transports: mode.transports})
			require.Equal(t, "a", rec.next(t).data)
			cl := rec.waitClose(t)
			require.Equal(t, ReasonTransportClose, cl.reason)
		})
	}
}

// TestClientHostileHandshakes: a server that answers the handshake with
// anything else than a valid open packet makes Dial fail, never panic.
func TestClientHostileHandshakes(t *testing.T) {
	bad := []string{
		"", "0", "0{}", "0null", `0{"sid":""}`, `0{"sid":"a"}`,
		`0{"sid":"a","pingInterval":-1,"pingTimeout":1}`,
		`0{"sid":"a","pingInterval":1,"pingTimeout":1e300}`,
		`0{"sid":"a","pingInterval":1,"pingTimeout":1,"maxPayload":-5}`,
		`0{"sid":"a","pingInterval":1,"pingTimeout":1,"upgrades":[1]}`,
		`0{"sid":7,"pingInterval":1,"pingTimeout":1}`,
		`4{"sid":"a","pingInterval":1,"pingTimeout":1}`,
		"bAAAA", "\x1e", "0{\xff}", `0{"sid":"a","pingInterval":"1","pingTimeout":1}`,
	}
	for _, mode := range clientModes[:2] {
		for _, open := range bad {
			srv := scriptedServer(t, open)
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			_, err := Dial(ctx, srv.URL, DialOptions{Transports: mode.transports}, nil)
			cancel()
			require.ErrorIs(t, err, ErrInvalidHandshake, "%s %q", mode.name, open)
		}
	}
}

// TestClientHandleMessageSerial: messages from both transports during an
// upgrade never reach the handler concurrently (the recorder checks).
func TestClientHandleMessageSerial(t *testing.T) {
	ts := newTestServer(t, Options{})
	c, rec := dialClient(t, ts.http.URL, DialOptions{})
	srv := ts.nextSession(t)
	rec.onMsg = func([]byte, bool) { runtime.Gosched() }
	for i := range 200 {
		require.NoError(t, srv.session.Send(NewTextMessage(strconv.Itoa(i))))
	}
	for i := range 200 {
		require.Equal(t, strconv.Itoa(i), rec.next(t).data)
	}
	waitUpgrade(t, c)
	c.Close()
	rec.waitClose(t)
}
