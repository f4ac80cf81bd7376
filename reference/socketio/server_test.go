package socketio_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socketlab/reference/socketio"
)

func TestConnectMainNamespace(t *testing.T) {
	io := newServer(socketio.Options{})
	engineIDs := make(chan string, 1)
	io.OnConnection(func(s *socketio.Socket) { engineIDs <- s.EngineID() })
	c := dial(t, newTestServer(t, io))

	sid := c.connect("/", "")
	assert.Len(t, sid, 20)
	select {
	case engineID := <-engineIDs:
		assert.NotEqual(t, engineID, sid, "socket id must differ from the engine session id")
	case <-time.After(within):
		t.Fatal("no connection handler call")
	}
}

func TestConnectCustomNamespaceWithoutTrailingComma(t *testing.T) {
	io := newServer(socketio.Options{})
	io.Of("/custom")
	c := dial(t, newTestServer(t, io))
	c.send("40/custom")
	c.expectPrefix(`40/custom,{"sid":"`)
}

func TestInvalidNamespaceKeepsConnectionOpen(t *testing.T) {
	io := newServer(socketio.Options{})
	c := dial(t, newTestServer(t, io))
	c.send("40/nope,")
	c.expect(`44/nope,{"message":"Invalid namespace"}`)
	c.connect("/", "") // the connection is still usable
}

func TestMiddlewareSeesAuthAndRefusesWithData(t *testing.T) {
	io := newServer(socketio.Options{})
	io.Use(func(s *socketio.Socket) error {
		if s.Handshake().Auth["token"] != "good" {
			return socketio.NewConnectError("not authorized", map[string]any{"reason": "bad token"})
		}
		s.Data = "alice"
		return nil
	})
	users := make(chan any, 1)
	io.OnConnection(func(s *socketio.Socket) { users <- s.Data })
	c := dial(t, newTestServer(t, io))

	c.send(`40{"token":"bad"}`)
	c.expect(`44{"message":"not authorized","data":{"reason":"bad token"}}`)
	c.send(`40`)
	c.expect(`44{"message":"not authorized","data":{"reason":"bad token"}}`)

	c.connect("/", `{"token":"good"}`)
	assert.Equal(t, "alice", <-users)
}

func TestPlainErrorFromMiddlewareHasNoData(t *testing.T) {
	io := newServer(socketio.Options{})
	io.Use(func(*socketio.Socket) error { return errors.New("nope") })
	c := dial(t, newTestServer(t, io))
	c.send(`40`)
	c.expect(`44{"message":"nope"}`)
}

func TestEventsBothWays(t *testing.T) {
	io := newServer(socketio.Options{})
	got := make(chan *socketio.Event, 1)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("hello", func(e *socketio.Event) {
			got <- e
			require.NoError(t, s.Emit("world", "ünï <&>", 1.5, map[string]any{"a": []any{true, nil}}))
		})
	})
	c := dial(t, newTestServer(t, io))
	c.connect("/", "")
	c.send(`42["hello",1,{"x":"y"}]`)
	e := <-got
	assert.Equal(t, "hello", e.Name)
	assert.Equal(t, []any{json.Number("1"), map[string]any{"x": "y"}}, e.Args)
	assert.False(t, e.HasAck())
	c.expect(`42["world","ünï <&>",1.5,{"a":[true,null]}]`)
}

func TestBindDecodesArguments(t *testing.T) {
	io := newServer(socketio.Options{})
	type message struct {
		Text string `json:"text"`
		N    int    `json:"n"`
	}
	got := make(chan message, 1)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("msg", func(e *socketio.Event) {
			var m message
			require.NoError(t, e.Bind(0, &m))
			got <- m
			assert.Error(t, e.Bind(1, &m), "no argument 1")
		})
	})
	c := dial(t, newTestServer(t, io))
	c.connect("/", "")
	c.send(`42["msg",{"text":"hi","n":3}]`)
	assert.Equal(t, message{"hi", 3}, <-got)
}

func TestClientAckIsAnsweredOnce(t *testing.T) {
	io := newServer(socketio.Options{})
	second := make(chan error, 1)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("with-ack", func(e *socketio.Event) {
			require.True(t, e.HasAck())
			require.NoError(t, e.Ack(e.Args...))
			second <- e.Ack("again")
		})
		s.On("no-ack", func(e *socketio.Event) { second <- e.Ack() })
	})
	c := dial(t, newTestServer(t, io))
	c.connect("/", "")
	c.send(`4212["with-ack",1,"two"]`)
	c.expect(`4312[1,"two"]`)
	assert.ErrorIs(t, <-second, socketio.ErrAlreadyAcked)
	c.send(`42["no-ack"]`)
	assert.ErrorIs(t, <-second, socketio.ErrNoAck)
}

func TestServerAckRoundTripAndTimeout(t *testing.T) {
	io := newServer(socketio.Options{})
	sockets := make(chan *socketio.Socket, 1)
	io.OnConnection(func(s *socketio.Socket) { sockets <- s })
	c := dial(t, newTestServer(t, io))
	c.connect("/", "")
	s := <-sockets

	result := make(chan []any, 1)
	go func() {
		args, err := s.EmitWithAck(context.Background(), "question", 42)
		assert.NoError(t, err)
		result <- args
	}()
	c.expect(`420["question",42]`)
	c.send(`430["answer",{"n":1}]`)
	select {
	case args := <-result:
		assert.Equal(t, []any{"answer", map[string]any{"n": json.Number("1")}}, args)
	case <-time.After(within):
		t.Fatal("no ack result")
	}

	timedOut := make(chan error, 1)
	require.NoError(t, s.Timeout(50*time.Millisecond).Emit("slow", socketio.AckFunc(func(_ []any, err error) { timedOut <- err })))
	c.expect(`421["slow"]`)
	select {
	case err := <-timedOut:
		assert.ErrorIs(t, err, socketio.ErrAckTimeout)
	case <-time.After(within):
		t.Fatal("ack did not time out")
	}
	c.send(`431["late"]`) // a late reply is ignored, not a protocol error
	c.send(`42["still-open"]`)
	require.True(t, s.Connected())
}

func TestPendingAcksFailOnDisconnect(t *testing.T) {
	io := newServer(socketio.Options{})
	sockets := make(chan *socketio.Socket, 1)
	io.OnConnection(func(s *socketio.Socket) { sockets <- s })
	c := dial(t, newTestServer(t, io))
	c.connect("/", "")
	s := <-sockets
	failed := make(chan error, 1)
	require.NoError(t, s.Emit("q", socketio.AckFunc(func(_ []any, err error) { failed <- err })))
	c.expect(`420["q"]`)
	c.send(`41`)
	select {
	case err := <-failed:
		assert.ErrorIs(t, err, socketio.ErrDisconnected)
	case <-time.After(within):
		t.Fatal("pending ack not failed")
	}
}

func TestBinaryBothWays(t *testing.T) {
	io := newServer(socketio.Options{})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("message", func(e *socketio.Event) { _ = s.Emit("message-back", e.Args...) })
		s.On("message-with-ack", func(e *socketio.Event) { _ = e.Ack(e.Args...) })
	})
	c := dial(t, newTestServer(t, io))
	c.connect("/", "")

	c.send(`451-["message",{"_placeholder":true,"num":0}]`)
	c.sendBinary([]byte{1, 2, 3})
	c.expect(`451-["message-back",{"_placeholder":true,"num":0}]`)
	assert.Equal(t, []byte{1, 2, 3}, c.next().binary)

	c.send(`452-7["message-with-ack",{"a":{"_placeholder":true,"num":1}},{"_placeholder":true,"num":0}]`)
	c.sendBinary([]byte{9})
	c.sendBinary([]byte{8, 8})
	c.expect(`462-7[{"a":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]`)
	assert.Equal(t, []byte{8, 8}, c.next().binary)
	assert.Equal(t, []byte{9}, c.next().binary)
}

func TestReservedEventNamesCannotBeEmitted(t *testing.T) {
	io := newServer(socketio.Options{})
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		assert.ErrorIs(t, io.Emit(name), socketio.ErrReservedEvent, name)
	}
	assert.NoError(t, io.Emit("error"))
}

func TestPerPacketMiddleware(t *testing.T) {
	io := newServer(socketio.Options{})
	errs := make(chan error, 1)
	handled := make(chan string, 2)
	io.OnConnection(func(s *socketio.Socket) {
		s.Use(func(e *socketio.Event) error {
			if e.Name == "forbidden" {
				return errors.New("not allowed")
			}
			return nil
		})
		s.OnError(func(err error) { errs <- err })
		s.OnAny(func(e *socketio.Event) { handled <- "any:" + e.Name })
		s.On("ok", func(e *socketio.Event) { handled <- e.Name })
	})
	c := dial(t, newTestServer(t, io))
	c.connect("/", "")
	c.send(`42["forbidden"]`)
	assert.EqualError(t, <-errs, "not allowed")
	c.send(`42["ok"]`)
	assert.Equal(t, "any:ok", <-handled)
	assert.Equal(t, "ok", <-handled)
}

func TestTwoNamespacesOnOneConnection(t *testing.T) {
	io := newServer(socketio.Options{})
	io.Of("/admin").OnConnection(func(s *socketio.Socket) {
		s.On("ping", func(e *socketio.Event) { _ = s.Emit("pong", "admin") })
	})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("ping", func(e *socketio.Event) { _ = s.Emit("pong", "main") })
	})
	c := dial(t, newTestServer(t, io))
	mainID := c.connect("/", "")
	adminID := c.connect("/admin", "")
	assert.NotEqual(t, mainID, adminID)
	c.send(`42/admin,["ping"]`)
	c.expect(`42/admin,["pong","admin"]`)
	c.send(`42["ping"]`)
	c.expect(`42["pong","main"]`)
}

func TestDisconnectReasons(t *testing.T) {
	type observed struct {
		reason string
		rooms  int
	}
	setup := func(t *testing.T) (*socketio.Server, *rawClient, chan *socketio.Socket, chan observed) {
		io := newServer(socketio.Options{})
		sockets := make(chan *socketio.Socket, 2)
		reasons := make(chan observed, 2)
		io.OnConnection(func(s *socketio.Socket) {
			s.Join("room")
			s.OnDisconnecting(func(string) { assert.True(t, s.InRoom("room"), "rooms are still there while disconnecting") })
			s.OnDisconnect(func(reason string) { reasons <- observed{reason, io.Sockets().RoomSize("room")} })
			sockets <- s
		})
		c := dial(t, newTestServer(t, io))
		c.connect("/", "")
		return io, c, sockets, reasons
	}
	wait := func(t *testing.T, reasons chan observed) observed {
		select {
		case o := <-reasons:
			return o
		case <-time.After(within):
			t.Fatal("no disconnect")
			return observed{}
		}
	}

	t.Run("client namespace disconnect", func(t *testing.T) {
		_, c, _, reasons := setup(t)
		c.send("41")
		assert.Equal(t, observed{socketio.ReasonClientNamespaceDisconnect, 0}, wait(t, reasons))
		c.connect("/", "") // the engine connection stays open
	})
	t.Run("server namespace disconnect", func(t *testing.T) {
		_, c, sockets, reasons := setup(t)
		(<-sockets).Disconnect(false)
		c.expect("41")
		assert.Equal(t, observed{socketio.ReasonServerNamespaceDisconnect, 0}, wait(t, reasons))
		c.connect("/", "")
	})
	t.Run("server disconnect with close", func(t *testing.T) {
		_, c, sockets, reasons := setup(t)
		(<-sockets).Disconnect(true)
		c.expect("41")
		assert.Equal(t, socketio.ReasonServerNamespaceDisconnect, wait(t, reasons).reason)
		c.expectClosed()
	})
	t.Run("transport close", func(t *testing.T) {
		_, c, _, reasons := setup(t)
		require.NoError(t, c.conn.Close())
		assert.Equal(t, observed{socketio.ReasonTransportClose, 0}, wait(t, reasons))
	})
	t.Run("server shutting down", func(t *testing.T) {
		io, c, _, reasons := setup(t)
		io.Close()
		assert.Equal(t, socketio.ReasonServerShuttingDown, wait(t, reasons).reason)
		c.expectClosed()
	})
	t.Run("parse error", func(t *testing.T) {
		_, c, _, reasons := setup(t)
		c.send(`42{"not":"an array"}`)
		assert.Equal(t, socketio.ReasonParseError, wait(t, reasons).reason)
		c.expectClosed()
	})
}

func TestConnectTimeoutClosesIdleConnection(t *testing.T) {
	io := newServer(socketio.Options{ConnectTimeout: 100 * time.Millisecond})
	base := newTestServer(t, io)
	idle := dial(t, base)
	joined := dial(t, base)
	joined.connect("/", "")
	idle.expectClosed()
	joined.expectNothing(200 * time.Millisecond)
}

// Every malformed or out-of-state packet closes the connection.
func TestMalformedPacketsCloseTheConnection(t *testing.T) {
	cases := map[string][]string{
		"payload not an array":         {`42{"a":1}`},
		"empty array":                  {`42[]`},
		"event name not a string":      {`42[1,2]`},
		"reserved connect":             {`42["connect"]`},
		"reserved connect_error":       {`42["connect_error"]`},
		"reserved disconnect":          {`42["disconnect"]`},
		"reserved disconnecting":       {`42["disconnecting"]`},
		"reserved newListener":         {`42["newListener"]`},
		"reserved removeListener":      {`42["removeListener"]`},
		"too many attachments":         {`4511-["message"]`},
		"placeholder out of range":     {`451-["message",{"_placeholder":true,"num":1}]`, "\x01"},
		"placeholder not integer":      {`451-["message",{"_placeholder":true,"num":0.5}]`, "\x01"},
		"placeholder splice":           {`451-["message",{"_placeholder":true,"num":"splice"}]`, "\x01"},
		"bad ack id":                   {`4299999999999999999999999["message"]`},
		"client CONNECT_ERROR":         {`44{"message":"x"}`},
		"namespace not joined":         {`42/other,["message"]`},
		"second CONNECT":               {`40`},
		"unknown type":                 {`49`},
		"invalid json":                 {`42["message"`},
		"binary without pending":       {"\x00bin"},
		"ack without id":               {`43[1]`},
		"disconnect with payload":      {`41{"a":1}`},
		"connect with array payload":   {`40/custom,[1]`},
		"text while awaiting binaries": {`451-["message",{"_placeholder":true,"num":0}]`, `42["message"]`},
	}
	io := newServer(socketio.Options{})
	io.Of("/custom")
	var mu sync.Mutex
	var protocolErrors []*socketio.ProtocolError
	io.OnProtocolError(func(e *socketio.ProtocolError) {
		mu.Lock()
		defer mu.Unlock()
		protocolErrors = append(protocolErrors, e)
	})
	base := newTestServer(t, io)
	for name, frames := range cases {
		t.Run(name, func(t *testing.T) {
			c := dial(t, base)
			c.connect("/", "")
			// The server may close as soon as it sees the first frame is bad,
			// so later frames may fail to send: only the close matters.
			for _, f := range frames {
				typ := websocket.TextMessage
				if !strings.HasPrefix(f, "4") {
					typ = websocket.BinaryMessage
				}
				c.mu.Lock()
				_ = c.conn.WriteMessage(typ, []byte(f))
				c.mu.Unlock()
			}
			c.expectClosed()
		})
	}
	mu.Lock()
	assert.Len(t, protocolErrors, len(cases))
	mu.Unlock()

	t.Run("an event named error is just an event", func(t *testing.T) {
		got := make(chan string, 1)
		io.OnConnection(func(s *socketio.Socket) { s.On("error", func(e *socketio.Event) { got <- e.Name }) })
		c := dial(t, base)
		c.connect("/", "")
		c.send(`42["error","x"]`)
		assert.Equal(t, "error", <-got)
	})
}

// A panicking handler costs its own connection, never the server.
func TestHandlerPanicClosesOnlyThatConnection(t *testing.T) {
	var logs strings.Builder
	var logMu sync.Mutex
	io := newServer(socketio.Options{Logger: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil))})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("boom", func(*socketio.Event) { panic("handler bug") })
		s.On("ping", func(*socketio.Event) { _ = s.Emit("pong") })
	})
	base := newTestServer(t, io)
	victim, bystander := dial(t, base), dial(t, base)
	victim.connect("/", "")
	bystander.connect("/", "")
	victim.send(`42["boom"]`)
	victim.expectClosed()
	bystander.send(`42["ping"]`)
	bystander.expect(`42["pong"]`)
	logMu.Lock()
	assert.Contains(t, logs.String(), "handler bug")
	logMu.Unlock()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
