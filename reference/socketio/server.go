package socketio

import (
	"net/http"
	"sync"

	"socketlab/reference/engineio"
	"socketlab/reference/socketio/parser"
)

// Server is a Socket.IO v5 server on top of an Engine.IO v4 server. It is
// an http.Handler: mount it on its path (Options.Engine.Path, by default
// "/socket.io/").
//
// Namespaces are static: they exist once Of has been called, and a client
// asking for any other namespace gets CONNECT_ERROR "Invalid namespace".
// The main namespace "/" always exists.
type Server struct {
	opts   Options
	engine *engineio.Server

	mu         sync.RWMutex
	namespaces map[string]*Namespace
	closed     bool

	hooksMu         sync.RWMutex
	onProtocolError []func(*ProtocolError)
}

// NewServer returns a server with opts (zero fields take socket.io's
// defaults) and its main namespace "/".
func NewServer(opts Options) *Server {
	s := &Server{
		opts:       opts.withDefaults(),
		namespaces: make(map[string]*Namespace),
	}
	s.namespaces["/"] = newNamespace(s, "/")
	s.engine = engineio.NewServer(s.opts.Engine, s.accept)
	s.opts.Engine = s.engine.Options()
	return s
}

// ServeHTTP serves both Engine.IO transports.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.engine.ServeHTTP(w, r)
}

// Options returns the effective options, defaults filled in.
func (s *Server) Options() Options { return s.opts }

// Engine gives access to the underlying Engine.IO server (for metrics such
// as SessionCount).
func (s *Server) Engine() *engineio.Server { return s.engine }

// Of returns the namespace called name, creating it on first use. Names
// start with "/"; one without is prefixed.
func (s *Server) Of(name string) *Namespace {
	if name == "" || name[0] != '/' {
		name = "/" + name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nsp := s.namespaces[name]
	if nsp == nil {
		nsp = newNamespace(s, name)
		s.namespaces[name] = nsp
	}
	return nsp
}

func (s *Server) namespace(name string) *Namespace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.namespaces[name]
}

// Sockets is the main namespace "/".
func (s *Server) Sockets() *Namespace { return s.Of("/") }

// Use adds a connection middleware to the main namespace.
func (s *Server) Use(m Middleware) { s.Sockets().Use(m) }

// OnConnection registers a handler for sockets joining the main namespace.
func (s *Server) OnConnection(h func(*Socket)) { s.Sockets().OnConnection(h) }

// To selects rooms of the main namespace for a broadcast.
func (s *Server) To(rooms ...string) *BroadcastOperator { return s.Sockets().To(rooms...) }

// Except excludes rooms of the main namespace from a broadcast.
func (s *Server) Except(rooms ...string) *BroadcastOperator { return s.Sockets().Except(rooms...) }

// Emit sends an event to every socket of the main namespace.
func (s *Server) Emit(event string, args ...any) error { return s.Sockets().Emit(event, args...) }

// OnProtocolError registers a hook called whenever a connection is closed
// for breaking the protocol. Hooks run on the connection's goroutine and
// must not block.
func (s *Server) OnProtocolError(h func(*ProtocolError)) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	s.onProtocolError = append(s.onProtocolError, h)
}

func (s *Server) protocolError(e *ProtocolError) {
	s.hooksMu.RLock()
	hooks := s.onProtocolError
	s.hooksMu.RUnlock()
	for _, h := range hooks {
		h(e)
	}
}

// Close disconnects every socket with reason "server shutting down" and
// closes every Engine.IO session. The server refuses new sessions
// afterwards.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.engine.Close()
}

// accept is called by the Engine.IO server for every new session.
func (s *Server) accept(session *engineio.Session) engineio.Handler {
	return newConn(s, session)
}

func (s *Server) newDecoder() *parser.Decoder {
	return &parser.Decoder{MaxAttachments: s.opts.MaxAttachments}
}
