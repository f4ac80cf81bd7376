package client_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socketlab/reference/socketio/client"
)

// scenarioServer is a server with testee.mjs's behaviour: the official
// one in Node, or newGoTestee.
type scenarioServer struct {
	url      string     // a server without flags
	tokenURL string     // a server started with --auth-token secret
	sessions func() int // open Engine.IO sessions on url's server; nil when unknown
}

func ptr[T any](v T) *T { return &v }

// fastOptions are client options for tests: short reconnection delays,
// no jitter.
func fastOptions(transports []string) client.Options {
	return client.Options{
		Transports:           transports,
		ReconnectionDelay:    10 * time.Millisecond,
		ReconnectionDelayMax: 50 * time.Millisecond,
		RandomizationFactor:  ptr(0.0),
	}
}

// dial is Connect with the handlers installed by setup before the socket
// starts connecting (AutoConnect false, then Connect), so that no event
// can slip by. The socket disconnects when the test ends.
func dial(t *testing.T, url string, opts client.Options, setup func(s *client.Socket)) *client.Socket {
	t.Helper()
	opts.AutoConnect = ptr(false)
	s := client.Connect(url, opts)
	if setup != nil {
		setup(s)
	}
	s.Connect()
	t.Cleanup(s.Disconnect)
	return s
}

// runScenarios runs the client scenarios against srv, with each transport
// configuration.
func runScenarios(t *testing.T, srv scenarioServer) {
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			opts := func() client.Options { return fastOptions(tc.transports) }
			t.Run("auth", func(t *testing.T) { scenarioAuth(t, srv, opts()) })
			t.Run("events", func(t *testing.T) { scenarioEvents(t, srv, opts()) })
			t.Run("acks", func(t *testing.T) { scenarioAcks(t, srv, opts()) })
			t.Run("binary", func(t *testing.T) { scenarioBinary(t, srv, opts()) })
			t.Run("namespaces", func(t *testing.T) { scenarioNamespaces(t, srv, opts()) })
			t.Run("connect_error", func(t *testing.T) { scenarioConnectError(t, srv, opts()) })
			t.Run("disconnect", func(t *testing.T) { scenarioClientDisconnect(t, srv, opts()) })
		})
	}
}

func scenarioAuth(t *testing.T, srv scenarioServer, opts client.Options) {
	opts.Auth = map[string]any{"token": "abc", "n": 1}
	var auth chan *client.Event
	s := dial(t, srv.url, opts, func(s *client.Socket) { auth = events(s, "auth") })
	e := recv(t, auth)
	require.JSONEq(t, `{"token":"abc","n":1}`, jsonOf(t, e.Args[0]))
	require.True(t, s.Connected())
	require.Len(t, s.ID(), 20)
	require.False(t, s.Recovered())
	require.NotNil(t, s.Manager().Engine())
}

func scenarioEvents(t *testing.T, srv scenarioServer, opts client.Options) {
	var back chan *client.Event
	s := dial(t, srv.url, opts, func(s *client.Socket) { back = events(s, "message-back") })
	args := []any{1, "two", map[string]any{"three": true}, nil, []any{1.5, "x"}}
	require.NoError(t, s.Emit("message", args...))
	e := recv(t, back)
	require.Equal(t, "message-back", e.Name)
	require.Equal(t, jsonOf(t, args), jsonOf(t, e.Args))
	require.False(t, e.HasAck())

	// OnAny sees every event, before the specific handlers.
	anyCh := make(chan string, 8)
	s.OnAny(func(e *client.Event) { anyCh <- e.Name })
	require.NoError(t, s.Emit("message", "again"))
	require.Equal(t, "message-back", recv(t, anyCh))
	require.Equal(t, `["again"]`, jsonOf(t, recv(t, back).Args))

	require.ErrorIs(t, s.Emit("disconnect"), client.ErrReservedEvent)
	require.Error(t, s.Emit("message", func() {}))
}

func scenarioAcks(t *testing.T, srv scenarioServer, opts client.Options) {
	var req, res chan *client.Event
	s := dial(t, srv.url, opts, func(s *client.Socket) {
		req = events(s, "server-ack-request")
		res = events(s, "server-ack-result")
	})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()

	// client → server, with EmitWithAck (most likely emitted before the
	// socket is connected: buffered, then sent).
	reply, err := s.EmitWithAck(ctx, "message-with-ack", "a", 2)
	require.NoError(t, err)
	require.Equal(t, `["a",2]`, jsonOf(t, reply))

	// with an AckFunc and a timeout that does not expire
	type ackResult struct {
		args []any
		err  error
	}
	acked := make(chan ackResult, 1)
	require.NoError(t, s.Timeout(wait).Emit("message-with-ack", "b", client.AckFunc(func(args []any, err error) {
		acked <- ackResult{args, err}
	})))
	got := recv(t, acked)
	require.NoError(t, got.err)
	require.Equal(t, `["b"]`, jsonOf(t, got.args))

	// no acknowledgement: the timeout expires
	timedOut := make(chan error, 1)
	require.NoError(t, s.Timeout(50*time.Millisecond).Emit("nobody-acks", func(args []any, err error) { timedOut <- err }))
	require.ErrorIs(t, recv(t, timedOut), client.ErrAckTimeout)
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	_, err = s.EmitWithAck(short, "nobody-acks")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	_, err = s.Timeout(50*time.Millisecond).EmitWithAck(ctx, "nobody-acks")
	require.ErrorIs(t, err, client.ErrAckTimeout)

	// server → client
	require.NoError(t, s.Emit("server-ack", "x", 1))
	e := recv(t, req)
	require.True(t, e.HasAck())
	require.Equal(t, `["x",1]`, jsonOf(t, e.Args))
	require.NoError(t, e.Ack("r", 3))
	require.ErrorIs(t, e.Ack("again"), client.ErrAlreadyAcked)
	require.Equal(t, `["r",3]`, jsonOf(t, recv(t, res).Args))
}

func scenarioBinary(t *testing.T, srv scenarioServer, opts client.Options) {
	var back, req, res chan *client.Event
	s := dial(t, srv.url, opts, func(s *client.Socket) {
		back = events(s, "message-back")
		req = events(s, "server-ack-request")
		res = events(s, "server-ack-result")
	})
	require.NoError(t, s.Emit("message", []byte{1, 2, 3}, map[string]any{"nested": []any{[]byte{4, 5}, "s"}}))
	e := recv(t, back)
	require.Equal(t, []byte{1, 2, 3}, e.Args[0])
	nested := e.Args[1].(map[string]any)["nested"].([]any)
	require.Equal(t, []byte{4, 5}, nested[0])
	require.Equal(t, "s", nested[1])
	var b []byte
	require.NoError(t, e.Bind(0, &b))
	require.Equal(t, []byte{1, 2, 3}, b)

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	reply, err := s.EmitWithAck(ctx, "message-with-ack", []byte{9}, "t")
	require.NoError(t, err)
	require.Equal(t, []any{[]byte{9}, "t"}, reply)

	require.NoError(t, s.Emit("server-ack", []byte{7}))
	e = recv(t, req)
	require.Equal(t, []any{[]byte{7}}, e.Args)
	require.NoError(t, e.Ack([]byte{8}, map[string]any{"b": []byte{6}}))
	e = recv(t, res)
	require.Equal(t, []byte{8}, e.Args[0])
	require.Equal(t, []byte{6}, e.Args[1].(map[string]any)["b"])
}

func scenarioNamespaces(t *testing.T, srv scenarioServer, opts client.Options) {
	opts.AutoConnect = ptr(false)
	m := client.NewManager(srv.url, opts)
	a := m.Socket("/", client.SocketOptions{})
	b := m.Socket("/custom", client.SocketOptions{Auth: map[string]any{"ns": "custom"}})
	require.Same(t, b, m.Socket("/custom", client.SocketOptions{}))
	aAuth, bAuth := events(a, "auth"), events(b, "auth")
	aBack, bBack := events(a, "message-back"), events(b, "message-back")
	a.Connect()
	b.Connect()
	t.Cleanup(a.Disconnect)
	t.Cleanup(b.Disconnect)
	require.JSONEq(t, `{}`, jsonOf(t, recv(t, aAuth).Args[0]))
	require.JSONEq(t, `{"ns":"custom"}`, jsonOf(t, recv(t, bAuth).Args[0]))
	connected(t, a)
	connected(t, b)
	require.NotEqual(t, a.ID(), b.ID())
	require.Same(t, a.Manager(), b.Manager())
	if srv.sessions != nil {
		// One Engine.IO session carries both namespaces (the sessions of
		// earlier scenarios may still be closing).
		require.Eventually(t, func() bool { return srv.sessions() == 1 }, wait, 5*time.Millisecond)
	}

	require.NoError(t, b.Emit("message", "to-b"))
	require.Equal(t, `["to-b"]`, jsonOf(t, recv(t, bBack).Args))
	require.NoError(t, a.Emit("message", "to-a"))
	require.Equal(t, `["to-a"]`, jsonOf(t, recv(t, aBack).Args))
	require.Empty(t, aBack)
	require.Empty(t, bBack)

	// Leaving one namespace keeps the connection for the other.
	eng := m.Engine()
	b.Disconnect()
	require.False(t, b.Connected())
	require.NoError(t, a.Emit("message", "still"))
	require.Equal(t, `["still"]`, jsonOf(t, recv(t, aBack).Args))
	require.Same(t, eng, m.Engine())
}

func scenarioConnectError(t *testing.T, srv scenarioServer, opts client.Options) {
	var token atomic.Value
	token.Store("wrong")
	// auth as a callback: evaluated at every connection attempt.
	opts.Auth = func() any { return map[string]any{"token": token.Load()} }
	errs := make(chan *client.ConnectError, 4)
	var auth chan *client.Event
	r := newRecorder()
	s := dial(t, srv.tokenURL, opts, func(s *client.Socket) {
		s.OnConnectError(func(err *client.ConnectError) { errs <- err })
		auth = events(s, "auth")
		watch(r, s)
	})
	ce := recv(t, errs)
	require.Equal(t, "not authorized", ce.Message)
	require.JSONEq(t, `{"reason":"bad token"}`, jsonOf(t, ce.Data))
	require.Nil(t, ce.Cause)
	require.EqualError(t, ce, "not authorized")
	// A refused namespace is not retried by itself.
	require.False(t, s.Active())
	require.False(t, s.Connected())
	require.Equal(t, "connect_error", r.next(t))

	token.Store("secret")
	s.Connect()
	require.JSONEq(t, `{"token":"secret"}`, jsonOf(t, recv(t, auth).Args[0]))
	r.expect(t, "connect")
	require.True(t, s.Active())
	require.Empty(t, errs)
}

func scenarioClientDisconnect(t *testing.T, srv scenarioServer, opts client.Options) {
	r := newRecorder()
	closes := make(chan string, 4)
	s := dial(t, srv.url, opts, func(s *client.Socket) {
		watch(r, s)
		s.Manager().OnClose(func(reason string) { closes <- reason })
	})
	r.expect(t, "connect")
	s.Disconnect()
	r.expect(t, "disconnect:io client disconnect")
	require.Equal(t, "forced close", recv(t, closes))
	require.False(t, s.Connected())
	require.Equal(t, "", s.ID())
	require.Nil(t, s.Manager().Engine())

	// Emits while disconnected are buffered, then sent on Connect.
	back := events(s, "message-back")
	require.NoError(t, s.Emit("message", 1))
	require.NoError(t, s.Emit("message", 2))
	s.Connect()
	r.expect(t, "connect")
	require.Equal(t, `[1]`, jsonOf(t, recv(t, back).Args))
	require.Equal(t, `[2]`, jsonOf(t, recv(t, back).Args))
}
