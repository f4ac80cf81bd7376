package client_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socketlab/internal/syncbuf"
	"socketlab/reference/engineio"
	"socketlab/reference/socketio"
	"socketlab/reference/socketio/backoff"
	"socketlab/reference/socketio/client"
)

// The scenarios of the interop tests, against socketlab's Go server.
func TestGoServerScenarios(t *testing.T) {
	srv := newGoTestee("", socketio.Options{})
	url := serveGo(t, srv)
	tokenURL := serveGo(t, newGoTestee("secret", socketio.Options{}))
	runScenarios(t, scenarioServer{
		url:      url,
		tokenURL: tokenURL,
		sessions: srv.Engine().SessionCount,
	})
}

// A server-side disconnect ends the socket for good: "io server
// disconnect", the connection closes ("forced close", the client closing
// it as no socket is left) and no reconnection is scheduled.
func TestServerDisconnectDoesNotReconnect(t *testing.T) {
	srv := newGoTestee("", socketio.Options{})
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("kick", func(*socketio.Event) { s.Disconnect(false) })
	})
	url := serveGo(t, srv)
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			opts := client.Options{Transports: tc.transports, Clock: clk, Timeout: -1}
			r := newRecorder()
			closes := make(chan string, 4)
			s := dial(t, url, opts, func(s *client.Socket) {
				watch(r, s)
				s.Manager().OnClose(func(reason string) { closes <- reason })
			})
			r.expect(t, "connect")
			require.NoError(t, s.Emit("kick"))
			r.expect(t, "disconnect:io server disconnect")
			require.Equal(t, "forced close", recv(t, closes))
			require.False(t, s.Active())
			require.Zero(t, clk.pending(), "no timer: no reconnection")
			require.Nil(t, s.Manager().Engine())

			// Connect brings it back.
			s.Connect()
			r.expect(t, "connect")
		})
	}
}

// The server goes away and comes back on the same port: the Manager
// reconnects with its backoff (reconnect_attempt, reconnect_error while
// the port is closed, reconnect), the socket connects again by itself,
// and what was emitted meanwhile is delivered.
func TestServerRestart(t *testing.T) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			rs := newRestartable(t, func() *socketio.Server { return newGoTestee("", socketio.Options{}) })
			rs.start()
			r := newRecorder()
			var back chan *client.Event
			s := dial(t, rs.url(), fastOptions(tc.transports), func(s *client.Socket) {
				watch(r, s)
				back = events(s, "message-back")
			})
			r.expect(t, "connect")
			id := s.ID()

			rs.stop()
			reason := r.next(t)
			require.Contains(t, []string{"disconnect:transport close", "disconnect:transport error"}, reason)
			require.False(t, s.Connected())
			require.True(t, s.Active())
			require.NoError(t, s.Emit("message", "sent while down")) // buffered
			r.waitFor(t, "reconnect_error")
			rs.start()
			r.waitFor(t, "connect")
			require.Equal(t, `["sent while down"]`, jsonOf(t, recv(t, back).Args))
			require.NotEqual(t, id, s.ID())
			require.True(t, s.Connected())
		})
	}
}

// The exact sequence of events while reconnecting, as socket.io-client's
// Manager emits them.
func TestReconnectEventSequence(t *testing.T) {
	rs := newRestartable(t, func() *socketio.Server { return newGoTestee("", socketio.Options{}) })
	rs.start()
	r := newRecorder()
	s := dial(t, rs.url(), fastOptions([]string{"websocket"}), func(s *client.Socket) { watch(r, s) })
	r.expect(t, "connect")
	rs.stop()
	r.expect(t, "disconnect:transport close")
	var seq []string
	for {
		ev := r.next(t)
		seq = append(seq, ev)
		if ev == "reconnect_error" && len(seq) >= 6 {
			break
		}
	}
	// Each failed attempt: the attempt, the socket's connect_error (the
	// Manager's "error"), then reconnect_error.
	require.Equal(t, []string{
		"reconnect_attempt:1", "connect_error", "reconnect_error",
		"reconnect_attempt:2", "connect_error", "reconnect_error",
	}, seq)
	rs.start()
	seq = r.waitFor(t, "connect")
	// ... then the attempt that works: open, reconnect(n), CONNECT reply.
	require.Regexp(t, `^reconnect_attempt:(\d+) reconnect:(\d+)$`, seq[len(seq)-2]+" "+seq[len(seq)-1])
	require.Equal(t, strings.TrimPrefix(seq[len(seq)-2], "reconnect_attempt:"), strings.TrimPrefix(seq[len(seq)-1], "reconnect:"))
	require.True(t, s.Connected())
}

func seqRand(vals ...float64) func() float64 {
	var mu sync.Mutex
	i := 0
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		v := vals[i%len(vals)]
		i++
		return v
	}
}

var randValues = []float64{0.1, 0.35, 0.6, 0.85, 0.22, 0.97, 0.5, 0.05}

// The delays the Manager asks its Clock for are the backoff's, attempt
// after attempt, and start over after a successful reconnection. The
// numbers were computed by socket.io-client 4.8.4's own backo2 in Node
// with Math.random returning randValues.
func TestReconnectionSchedule(t *testing.T) {
	rs := newRestartable(t, func() *socketio.Server { return newGoTestee("", socketio.Options{}) })
	clk := newFakeClock()
	opts := client.Options{
		Transports: []string{"websocket"},
		Clock:      clk,
		Rand:       seqRand(randValues...),
		Timeout:    -1, // the Clock sees reconnection timers only
	}
	ref := backoff.New(client.DefaultReconnectionDelay, client.DefaultReconnectionDelayMax, client.DefaultRandomizationFactor)
	ref.Rand = seqRand(randValues...)
	r := newRecorder()
	s := dial(t, rs.url(), opts, func(s *client.Socket) { watch(r, s) })

	// socket.io-client retries the first connection too.
	r.expect(t, "connect_error")
	for i, want := range []time.Duration{1050, 2350, 2800} {
		tm := clk.next(t)
		require.Equal(t, want*time.Millisecond, tm.d, "delay %d", i+1)
		require.Equal(t, ref.Duration(), tm.d)
		if i == 2 {
			rs.start()
		}
		tm.fire()
		if i < 2 {
			r.expect(t, "reconnect_attempt:"+strconv.Itoa(i+1), "connect_error", "reconnect_error")
		}
	}
	r.expect(t, "reconnect_attempt:3", "reconnect:3", "connect")

	// After a success the attempts start over.
	ref.Reset()
	rs.stop()
	r.expect(t, "disconnect:transport close")
	tm := clk.next(t)
	require.Equal(t, 575*time.Millisecond, tm.d)
	require.Equal(t, ref.Duration(), tm.d)
	rs.start()
	tm.fire()
	r.expect(t, "reconnect_attempt:1", "reconnect:1", "connect")
	require.True(t, s.Connected())
	require.Zero(t, clk.pending())
}

// ReconnectionAttempts 2: after two failed attempts, reconnect_failed, in
// socket.io-client's order (reconnect_failed comes before the last
// reconnect_error: Manager.reconnect runs before emitting it).
func TestReconnectFailed(t *testing.T) {
	clk := newFakeClock()
	opts := client.Options{
		Transports:           []string{"polling"},
		Clock:                clk,
		Timeout:              -1,
		ReconnectionAttempts: 2,
		RandomizationFactor:  ptr(0.0),
	}
	r := newRecorder()
	errs := make(chan error, 8)
	s := dial(t, "http://"+freeAddr(t), opts, func(s *client.Socket) {
		watch(r, s)
		s.Manager().OnError(func(err error) { errs <- err })
	})
	r.expect(t, "connect_error")
	require.Error(t, recv(t, errs))
	tm := clk.next(t)
	require.Equal(t, time.Second, tm.d)
	tm.fire()
	r.expect(t, "reconnect_attempt:1", "connect_error", "reconnect_error")
	tm = clk.next(t)
	require.Equal(t, 2*time.Second, tm.d)
	tm.fire()
	r.expect(t, "reconnect_attempt:2", "connect_error", "reconnect_failed", "reconnect_error")
	require.Zero(t, clk.pending())
	require.False(t, s.Connected())
	require.True(t, s.Active())
}

// Options.Timeout: an open that does not complete in time fails with
// ErrTimeout ("timeout", like socket.io-client's).
func TestOpenTimeout(t *testing.T) {
	block := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(block) })

	errs := make(chan *client.ConnectError, 4)
	merrs := make(chan error, 4)
	dial(t, ts.URL, client.Options{Timeout: 100 * time.Millisecond, Reconnection: ptr(false)}, func(s *client.Socket) {
		s.OnConnectError(func(err *client.ConnectError) { errs <- err })
		s.Manager().OnError(func(err error) { merrs <- err })
	})
	ce := recv(t, errs)
	require.Equal(t, "timeout", ce.Message)
	require.ErrorIs(t, ce, client.ErrTimeout)
	require.ErrorIs(t, recv(t, merrs), client.ErrTimeout)
}

// A Socket.IO packet that does not parse closes the connection with
// "parse error", which is not a client-initiated close: the Manager
// reconnects.
func TestParseError(t *testing.T) {
	rs := newRawServer(t)
	clk := newFakeClock()
	r := newRecorder()
	closes := make(chan string, 4)
	opts := client.Options{Transports: []string{"websocket"}, Clock: clk, Timeout: -1, RandomizationFactor: ptr(0.0)}
	dial(t, rs.url, opts, func(s *client.Socket) {
		watch(r, s)
		s.Manager().OnClose(func(reason string) { closes <- reason })
	})
	sess := rs.next(t)
	require.Equal(t, "0", sess.read(t))
	sess.send(`0{"sid":"abc"}`, `9nonsense`)
	r.expect(t, "connect", "disconnect:parse error")
	require.Equal(t, "parse error", recv(t, closes))
	require.Equal(t, time.Second, clk.next(t).d) // a reconnection is scheduled
}

// A Ping timeout (the server, behind a proxy, goes silent) is reported
// with engine.io-client's reason, and the client reconnects.
func TestPingTimeout(t *testing.T) {
	srv := newGoTestee("", socketio.Options{Engine: engineio.Options{PingInterval: 100 * time.Millisecond, PingTimeout: 100 * time.Millisecond}})
	url := serveGo(t, srv)
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProxy(t, strings.TrimPrefix(url, "http://"))
			r := newRecorder()
			dial(t, p.url(), fastOptions(tc.transports), func(s *client.Socket) { watch(r, s) })
			r.expect(t, "connect")
			p.setFrozen(true)
			r.expect(t, "disconnect:ping timeout")
			p.setFrozen(false)
			p.cut() // a reconnection attempt may be stuck in the frozen proxy
			r.waitFor(t, "connect")
		})
	}
}

// A panicking handler is logged and the next events are still delivered.
func TestHandlerPanicIsContained(t *testing.T) {
	url := serveGo(t, newGoTestee("", socketio.Options{}))
	var logs syncbuf.Buffer
	opts := fastOptions(nil)
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	var back chan *client.Event
	s := dial(t, url, opts, func(s *client.Socket) {
		s.On("message-back", func(e *client.Event) {
			if e.Args[0] == "boom" {
				panic("boom")
			}
		})
		back = events(s, "message-back")
	})
	require.NoError(t, s.Emit("message", "boom"))
	require.NoError(t, s.Emit("message", "fine"))
	require.Equal(t, "boom", recv(t, back).Args[0])
	require.Equal(t, "fine", recv(t, back).Args[0])
	require.Contains(t, logs.String(), "panic in handler")
	require.True(t, s.Connected())
}

// ------------------------------------------------------- wire-level tests

// rawServer is an Engine.IO server at /socket.io/ whose Socket.IO side is
// played by the test, message by message.
type rawServer struct {
	url      string
	sessions chan *rawSession
}

type rawSession struct {
	s    *engineio.Session
	msgs chan string // text messages, binary ones as "<bin:hex>"
}

func (rs *rawSession) HandleMessage(data []byte, binary bool) {
	if binary {
		rs.msgs <- "<bin:" + hexOf(data) + ">"
		return
	}
	rs.msgs <- string(data)
}

func (rs *rawSession) HandleClose(string, error) {}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func newRawServer(t *testing.T) *rawServer {
	rs := &rawServer{sessions: make(chan *rawSession, 16)}
	eng := engineio.NewServer(engineio.Options{Path: "/socket.io/"}, func(s *engineio.Session) engineio.Handler {
		sess := &rawSession{s: s, msgs: make(chan string, 256)}
		rs.sessions <- sess
		return sess
	})
	ts := httptest.NewServer(eng)
	t.Cleanup(func() {
		eng.Close()
		ts.Close()
	})
	rs.url = ts.URL
	return rs
}

func (rs *rawServer) next(t *testing.T) *rawSession {
	t.Helper()
	return recv(t, rs.sessions)
}

func (rs *rawSession) read(t *testing.T) string {
	t.Helper()
	return recv(t, rs.msgs)
}

func (rs *rawSession) send(texts ...string) {
	msgs := make([]*engineio.Message, len(texts))
	for i, s := range texts {
		msgs[i] = engineio.NewTextMessage(s)
	}
	_ = rs.s.Send(msgs...)
}

// What the client writes, packet by packet: CONNECT with auth, buffered
// emits flushed in order after the CONNECT reply with ack ids from 0,
// binary attachments, ACKs, a second namespace, DISCONNECT.
func TestWireFormat(t *testing.T) {
	rs := newRawServer(t)
	opts := client.Options{Transports: []string{"websocket"}, Auth: map[string]any{"token": "x"}, AutoConnect: ptr(false)}
	m := client.NewManager(rs.url, opts)
	s := m.Socket("/", client.SocketOptions{})
	r := newRecorder()
	watch(r, s)
	var acked []string
	var mu sync.Mutex
	ack := func(name string) client.AckFunc {
		return func(args []any, err error) {
			mu.Lock()
			acked = append(acked, name+":"+jsonOf(t, args))
			mu.Unlock()
			r.add("ack:%s", name)
		}
	}
	require.NoError(t, s.Emit("a"))
	require.NoError(t, s.Emit("b", 1, ack("b")))
	require.NoError(t, s.Emit("c", ack("c")))
	require.NoError(t, s.Emit("bin", []byte{0xca, 0xfe}))
	s.Connect()

	sess := rs.next(t)
	require.Equal(t, `0{"token":"x"}`, sess.read(t))
	// An event sent before the CONNECT reply waits in the receive buffer:
	// delivered after the reply, before the connect handlers.
	early := events(s, "early")
	sess.send(`2["early",1]`, `0{"sid":"s1"}`)
	require.Equal(t, `[1]`, jsonOf(t, recv(t, early).Args))
	r.expect(t, "connect")
	require.Equal(t, "s1", s.ID())
	require.Equal(t, `2["a"]`, sess.read(t))
	require.Equal(t, `20["b",1]`, sess.read(t))
	require.Equal(t, `21["c"]`, sess.read(t))
	require.Equal(t, `51-["bin",{"_placeholder":true,"num":0}]`, sess.read(t))
	require.Equal(t, `<bin:cafe>`, sess.read(t))

	sess.send(`31[]`, `30["ok"]`, `39["unknown id"]`)
	r.expect(t, "ack:c", "ack:b")
	require.Equal(t, []string{"c:[]", `b:["ok"]`}, acked)

	// Server emits asking for acks, binary included.
	q := events(s, "q")
	sess.send(`2/nope,["other namespace"]`, `27["q"]`)
	require.NoError(t, recv(t, q).Ack("plain"))
	require.Equal(t, `37["plain"]`, sess.read(t))
	sess.send(`28["q"]`)
	require.NoError(t, recv(t, q).Ack([]byte{1}))
	require.Equal(t, `61-8[{"_placeholder":true,"num":0}]`, sess.read(t))
	require.Equal(t, `<bin:01>`, sess.read(t))

	// A second namespace on the same connection.
	admin := m.Socket("/admin", client.SocketOptions{})
	admin.Connect()
	require.Equal(t, `0/admin,{"token":"x"}`, sess.read(t))
	adminErr := make(chan *client.ConnectError, 1)
	admin.OnConnectError(func(e *client.ConnectError) { adminErr <- e })
	sess.send(`4/admin,{"message":"Invalid namespace"}`)
	require.Equal(t, "Invalid namespace", recv(t, adminErr).Message)
	require.True(t, s.Connected())

	s.Disconnect()
	require.Equal(t, `1`, sess.read(t))
	r.expect(t, "disconnect:io client disconnect")
}

// Connection state recovery, on the wire: the pid of the CONNECT reply is
// kept, the last string argument of events is the offset, the next
// CONNECT carries both (auth keys win), and Recovered is true when the
// reply has the same pid.
func TestRecoveryHandshake(t *testing.T) {
	rs := newRawServer(t)
	clk := newFakeClock()
	opts := client.Options{Transports: []string{"websocket"}, Clock: clk, Timeout: -1,
		Auth: func() any { return map[string]any{"user": "u1"} }}
	r := newRecorder()
	var evs chan *client.Event
	s := dial(t, rs.url, opts, func(s *client.Socket) {
		watch(r, s)
		evs = events(s, "ev")
	})

	sess := rs.next(t)
	require.Equal(t, `0{"user":"u1"}`, sess.read(t))
	sess.send(`0{"sid":"s1","pid":"p1"}`, `2["ev","a","off1"]`, `2["ev",{"x":1},"off2"]`, `23["ev","not an offset"]`, `2["ev",5]`)
	r.expect(t, "connect")
	require.False(t, s.Recovered())
	// The offset is not stripped from the arguments.
	require.Equal(t, `["a","off1"]`, jsonOf(t, recv(t, evs).Args))
	require.Equal(t, `[{"x":1},"off2"]`, jsonOf(t, recv(t, evs).Args))
	recv(t, evs)
	recv(t, evs)

	// The server restarts the transport: reconnection, CONNECT with the pid
	// and the last offset (the event with an ack id and the one whose last
	// argument is not a string left it at off2).
	sess.s.Close("test")
	r.expect(t, "disconnect:transport close")
	clk.next(t).fire()
	r.expect(t, "reconnect_attempt:1")
	sess = rs.next(t)
	require.Equal(t, `0{"offset":"off2","pid":"p1","user":"u1"}`, sess.read(t))
	// Missed packets come before the CONNECT reply: buffered, delivered
	// before the connect handlers.
	sess.send(`2["ev","missed","off3"]`, `0{"sid":"s1","pid":"p1"}`)
	require.Equal(t, `["missed","off3"]`, jsonOf(t, recv(t, evs).Args))
	r.expect(t, "reconnect:1", "connect")
	require.True(t, s.Recovered())
	require.Equal(t, "s1", s.ID())

	// Not recovered: a new pid.
	sess.s.Close("test")
	r.expect(t, "disconnect:transport close")
	clk.next(t).fire()
	r.expect(t, "reconnect_attempt:1")
	sess = rs.next(t)
	require.Equal(t, `0{"offset":"off3","pid":"p1","user":"u1"}`, sess.read(t))
	sess.send(`0{"sid":"s2","pid":"p2"}`)
	r.expect(t, "reconnect:1", "connect")
	require.False(t, s.Recovered())
	require.Equal(t, "s2", s.ID())

	// A server without recovery: no pid, the next CONNECT has none either.
	sess.s.Close("test")
	r.expect(t, "disconnect:transport close")
	clk.next(t).fire()
	sess = rs.next(t)
	require.Equal(t, `0{"offset":"off3","pid":"p2","user":"u1"}`, sess.read(t))
	sess.send(`0{"sid":"s3"}`)
	r.expect(t, "reconnect_attempt:1", "reconnect:1", "connect")
	require.False(t, s.Recovered())
	sess.s.Close("test")
	r.expect(t, "disconnect:transport close")
	clk.next(t).fire()
	sess = rs.next(t)
	require.Equal(t, `0{"user":"u1"}`, sess.read(t))
}

// Acks still awaited fail with ErrDisconnected when the socket
// disconnects, except those of packets still buffered (sent on
// reconnection); an ack timeout also removes a buffered packet.
func TestAcksOnDisconnect(t *testing.T) {
	rs := newRawServer(t)
	clk := newFakeClock()
	s := dial(t, rs.url, client.Options{Transports: []string{"websocket"}, Clock: clk, Timeout: -1}, nil)
	sess := rs.next(t)
	require.Equal(t, "0", sess.read(t))
	sess.send(`0{"sid":"s1"}`)
	connected(t, s)
	errs := make(chan string, 8)
	require.NoError(t, s.Emit("x", client.AckFunc(func(_ []any, err error) { errs <- "x:" + err.Error() })))
	require.Equal(t, `20["x"]`, sess.read(t))
	sess.s.Close("test")
	require.Equal(t, "x:"+client.ErrDisconnected.Error(), recv(t, errs))

	// Disconnected: buffered, with a timeout armed at the emit.
	require.NoError(t, s.Timeout(time.Minute).Emit("y", client.AckFunc(func(_ []any, err error) { errs <- "y:" + err.Error() })))
	require.NoError(t, s.Emit("z", client.AckFunc(func(args []any, err error) { errs <- "z:" + jsonOf(t, args) })))
	reconnect := clk.next(t)
	ackTimer := clk.next(t)
	require.Equal(t, time.Minute, ackTimer.d)
	ackTimer.fire()
	require.Equal(t, "y:"+client.ErrAckTimeout.Error(), recv(t, errs))
	reconnect.fire()
	sess = rs.next(t)
	require.Equal(t, "0", sess.read(t))
	sess.send(`0{"sid":"s2"}`)
	require.Equal(t, `22["z"]`, sess.read(t)) // y was dropped from the buffer
	sess.send(`32[true]`)
	require.Equal(t, "z:[true]", recv(t, errs))
}

func TestURLs(t *testing.T) {
	// The URL's path is the namespace; its query goes to the server.
	srv := socketio.NewServer(socketio.Options{})
	got := make(chan string, 1)
	srv.Of("/admin").OnConnection(func(s *socketio.Socket) { got <- s.Handshake().Query().Get("room") })
	url := serveGo(t, srv)
	s := dial(t, url+"/admin?room=42", client.Options{}, nil)
	require.Equal(t, "42", recv(t, got))
	require.Equal(t, "/admin", s.Namespace())
	connected(t, s)
}
