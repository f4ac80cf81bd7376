// Package testee is the echo server that protocol conformance runs
// against: the same behaviour as the test servers of the official
// Engine.IO and Socket.IO protocol suites, with short heartbeats so that
// timeouts can be tested in a second.
//
// Socket.IO at /socket.io/:
//   - on connection to "/" or "/custom" it emits "auth" with the
//     handshake's auth payload;
//   - "message" is echoed back as "message-back" with the same arguments
//     (binary included);
//   - "message-with-ack" is acknowledged with the same arguments;
//   - every other namespace is refused ("Invalid namespace").
//
// Extras used by the interop tests (the Node testee in interop/node has the
// same): "join" (room) joins a room; "broadcast" (room, args...) emits
// "broadcast" with args to the room, sender excluded; "emit-to-room"
// (room, args...) emits "emit-to-room" to the whole room; "server-ack"
// (args...) emits "server-ack-request" with args and an acknowledgement,
// then emits "server-ack-result" with what the client acknowledged.
//
// Engine.IO at /engine.io/: every message is echoed back.
package testee

import (
	"net/http"
	"time"

	"socketlab/reference/engineio"
	"socketlab/reference/socketio"
)

// Options are the testee's protocol settings, exposed so that tests can
// shorten or lengthen them.
type Options struct {
	PingInterval   time.Duration
	PingTimeout    time.Duration
	MaxPayload     int64
	ConnectTimeout time.Duration
	// AuthToken, when set, makes "/" refuse every CONNECT whose auth
	// payload lacks {"token": AuthToken}, with the error "not authorized"
	// and data {"reason":"bad token"} (as the Node testee's --auth-token).
	AuthToken string
	// Recovery turns on connection state recovery with socket.io's
	// defaults (as the Node testee's --recovery).
	Recovery bool
}

// DefaultOptions are the settings the conformance suites expect.
var DefaultOptions = Options{
	PingInterval:   300 * time.Millisecond,
	PingTimeout:    200 * time.Millisecond,
	MaxPayload:     1_000_000,
	ConnectTimeout: 1000 * time.Millisecond,
}

// Server is the testee: an http.Handler serving both endpoints.
type Server struct {
	mux      *http.ServeMux
	SocketIO *socketio.Server
	EngineIO *engineio.Server
}

// New builds a testee with opts.
func New(opts Options) *Server {
	engine := engineio.Options{
		PingInterval: opts.PingInterval,
		PingTimeout:  opts.PingTimeout,
		MaxPayload:   opts.MaxPayload,
		CORS:         engineio.CORS{AllowAnyOrigin: true, AllowCredentials: true},
	}

	sio := socketio.Options{Engine: engine, ConnectTimeout: opts.ConnectTimeout}
	if opts.Recovery {
		sio.Recovery = &socketio.RecoveryOptions{}
	}
	io := socketio.NewServer(sio)
	if opts.AuthToken != "" {
		io.Use(func(s *socketio.Socket) error {
			if s.Handshake().Auth["token"] != opts.AuthToken {
				return socketio.NewConnectError("not authorized", map[string]any{"reason": "bad token"})
			}
			return nil
		})
	}
	for _, name := range []string{"/", "/custom"} {
		io.Of(name).OnConnection(onConnection)
	}

	echoOpts := engine
	echoOpts.Path = "/engine.io/"
	eio := engineio.NewServer(echoOpts, func(s *engineio.Session) engineio.Handler { return &echo{s} })

	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.Handle("/engine.io/", eio)
	return &Server{mux: mux, SocketIO: io, EngineIO: eio}
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close disconnects everyone.
func (s *Server) Close() {
	s.SocketIO.Close()
	s.EngineIO.Close()
}

func onConnection(s *socketio.Socket) {
	_ = s.Emit("auth", s.Handshake().Auth)
	s.On("message", func(e *socketio.Event) {
		_ = s.Emit("message-back", e.Args...)
	})
	s.On("message-with-ack", func(e *socketio.Event) {
		_ = e.Ack(e.Args...)
	})

	s.On("join", func(e *socketio.Event) {
		if room, ok := firstString(e); ok {
			s.Join(room)
		}
	})
	s.On("broadcast", func(e *socketio.Event) {
		if room, ok := firstString(e); ok {
			_ = s.To(room).Emit("broadcast", e.Args[1:]...)
		}
	})
	s.On("emit-to-room", func(e *socketio.Event) {
		if room, ok := firstString(e); ok {
			_ = s.Namespace().To(room).Emit("emit-to-room", e.Args[1:]...)
		}
	})
	s.On("server-ack", func(e *socketio.Event) {
		args := append(e.Args[:len(e.Args):len(e.Args)], socketio.AckFunc(func(reply []any, err error) {
			if err == nil {
				_ = s.Emit("server-ack-result", reply...)
			}
		}))
		_ = s.Emit("server-ack-request", args...)
	})
}

func firstString(e *socketio.Event) (string, bool) {
	if len(e.Args) == 0 {
		return "", false
	}
	s, ok := e.Args[0].(string)
	return s, ok
}

// echo sends every Engine.IO message back as it came (text or binary).
type echo struct{ session *engineio.Session }

func (e *echo) HandleMessage(data []byte, binary bool) {
	if binary {
		_ = e.session.Send(engineio.NewBinaryMessage(append([]byte(nil), data...)))
		return
	}
	_ = e.session.Send(engineio.NewTextMessage(string(data)))
}

func (e *echo) HandleClose(string, error) {}
