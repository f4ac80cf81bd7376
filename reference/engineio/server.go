package engineio

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Handler receives a session's traffic. HandleMessage is called serially
// for one session (never concurrently with itself); HandleClose exactly once.
type Handler interface {
	HandleMessage(data []byte, binary bool)
	HandleClose(reason string, cause error)
}

// Server is an Engine.IO v4 server: an http.Handler serving the polling
// and WebSocket transports on Options.Path.
type Server struct {
	opts         Options
	path         string // normalized: leading slash, no trailing slash
	polling      bool
	websocket    bool
	cors         corsPolicy
	onConnection func(*Session) Handler
	upgrader     websocket.Upgrader
	openTail     string // the end of every open packet, after the upgrades
	flushWatch   flushWatch

	mu        sync.RWMutex
	sessions  map[string]*Session
	probeHold time.Duration // probeHold, a field so tests can widen the window
	closed    bool
}

// writeBufferPool lends write buffers to every WebSocket connection of
// every server: a connection holds one only while it writes a frame, so
// idle connections cost no write buffer.
var writeBufferPool sync.Pool

// readBufferSize is the bufio.Reader of each WebSocket connection, held
// for the connection's life. Small frames (socket.io packets) are parsed
// from it; larger payloads are read straight into the message buffer.
const readBufferSize = 512

// NewServer returns a server with opts (zero fields take their defaults).
// onConnection is called for each new session, before the handshake
// response is written, and returns the session's handler (nil discards
// the session's messages).
func NewServer(opts Options, onConnection func(s *Session) Handler) *Server {
	opts = opts.withDefaults()
	srv := &Server{
		probeHold:    probeHold,
		opts:         opts,
		path:         normalizePath(opts.Path),
		polling:      slices.Contains(opts.Transports, TransportPolling),
		websocket:    slices.Contains(opts.Transports, TransportWebSocket),
		cors:         newCORSPolicy(opts.CORS),
		onConnection: onConnection,
		sessions:     make(map[string]*Session),
	}
	srv.upgrader = websocket.Upgrader{
		ReadBufferSize:    readBufferSize,
		WriteBufferPool:   &writeBufferPool,
		EnableCompression: false,
		// The origin is checked before Upgrade, with the CORS policy.
		CheckOrigin: func(*http.Request) bool { return true },
		Error: func(w http.ResponseWriter, _ *http.Request, status int, _ error) {
			// RFC 6455 §4.2.2: a refused handshake names the versions the
			// server speaks, so a client asking for another can retry.
			w.Header().Set("Sec-WebSocket-Version", "13")
			writeHTTPError(w, &HTTPError{Status: status, Code: CodeBadRequest, Message: "Bad request"})
		},
	}
	srv.openTail = srv.buildOpenTail()
	return srv
}

// buildOpenTail renders the part of the open packet after the upgrades
// list, which is the same for every session.
func (srv *Server) buildOpenTail() string {
	b := []byte(`,"pingInterval":`)
	b = strconv.AppendInt(b, srv.opts.PingInterval.Milliseconds(), 10)
	b = append(b, `,"pingTimeout":`...)
	b = strconv.AppendInt(b, srv.opts.PingTimeout.Milliseconds(), 10)
	b = append(b, `,"maxPayload":`...)
	b = strconv.AppendInt(b, srv.opts.MaxPayload, 10)
	return string(append(b, '}'))
}

// openPacket returns the open packet of a new session, e.g.
// 0{"sid":"...","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}
// The only possible upgrade is polling to websocket; a session opened over
// WebSocket has none. The sid is base64url and needs no JSON escaping.
func (srv *Server) openPacket(sid, transport string) *Message {
	upgrades := `[]`
	if transport == TransportPolling && srv.websocket {
		upgrades = `["websocket"]`
	}
	return newControlMessage(PacketOpen, `{"sid":"`+sid+`","upgrades":`+upgrades+srv.openTail, false)
}

// Options returns the effective options (defaults filled).
func (srv *Server) Options() Options {
	o := srv.opts
	o.Transports = slices.Clone(o.Transports)
	o.CORS.AllowedOrigins = slices.Clone(o.CORS.AllowedOrigins)
	return o
}

// SessionCount returns the number of open sessions.
func (srv *Server) SessionCount() int {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return len(srv.sessions)
}

// Close closes all sessions with reason "server shutting down": pending
// polling requests get a close packet, WebSockets a close frame (1001),
// and every handler's HandleClose has run (or, for a session inside
// HandleMessage, runs as soon as that returns) when Close returns. Later
// handshakes are refused with 400 (code 3).
func (srv *Server) Close() {
	srv.mu.Lock()
	srv.closed = true
	sessions := make([]*Session, 0, len(srv.sessions))
	for _, s := range srv.sessions {
		sessions = append(sessions, s)
	}
	srv.mu.Unlock()
	for _, s := range sessions {
		s.finish(ReasonServerShutdown, nil, websocket.CloseGoingAway)
	}
}

// ServeHTTP serves requests for Options.Path (with or without the
// trailing slash); any other path gets 404, so the server can be mounted
// on a mux or used as the whole handler.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; p != srv.path && p != srv.path+"/" && !(srv.path == "/" && p == "/") {
		http.NotFound(w, r)
		return
	}
	srv.cors.setHeaders(w.Header(), r)
	if r.Method == http.MethodOptions {
		srv.cors.preflight(w, r)
		return
	}

	q := r.URL.Query()
	transport := q.Get("transport")
	if !(transport == TransportPolling && srv.polling) && !(transport == TransportWebSocket && srv.websocket) {
		writeHTTPError(w, errUnknownTransport)
		return
	}
	if q.Get("EIO") != "4" {
		writeHTTPError(w, errUnsupportedEIO)
		return
	}
	sid := q.Get("sid")
	if sid == "" {
		srv.handshake(w, r, transport)
		return
	}
	s := srv.session(sid)
	if s == nil {
		writeHTTPError(w, errUnknownSID)
		return
	}
	if s.pongOverdue() {
		s.finish(ReasonPingTimeout, nil, websocket.CloseNormalClosure)
		writeHTTPError(w, errUnknownSID)
		return
	}
	if transport == TransportWebSocket {
		srv.serveUpgrade(w, r, s)
		return
	}
	s.servePolling(w, r)
}

func (srv *Server) session(sid string) *Session {
	srv.mu.RLock()
	defer srv.mu.RUnlock()
	return srv.sessions[sid]
}

// handshake opens a new session, after socket.io's checks in its order:
// the method, the WebSocket handshake itself, the origin, AllowRequest.
func (srv *Server) handshake(w http.ResponseWriter, r *http.Request, transport string) {
	if r.Method != http.MethodGet {
		writeHTTPError(w, errBadHandshake)
		return
	}
	if transport == TransportWebSocket {
		if !websocket.IsWebSocketUpgrade(r) {
			writeHTTPError(w, errBadRequest)
			return
		}
		if !srv.cors.originAllowed(r) {
			writeHTTPError(w, errForbidden)
			return
		}
	}
	if srv.opts.AllowRequest != nil {
		if err := srv.opts.AllowRequest(r); err != nil {
			var he *HTTPError
			if !errors.As(err, &he) {
				he = errForbidden
			}
			writeHTTPError(w, he)
			return
		}
	}
	srv.mu.RLock()
	closed := srv.closed
	srv.mu.RUnlock()
	if closed {
		writeHTTPError(w, errBadRequest)
		return
	}

	if transport == TransportPolling {
		s := srv.open(r, transport, nil)
		if s == nil {
			writeHTTPError(w, errBadRequest)
			return
		}
		s.servePoll(w, r)
		return
	}
	conn, err := srv.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	s := srv.open(r, transport, conn)
	if s == nil {
		closeConn(conn, websocket.CloseGoingAway, srv.opts.WriteTimeout)
		return
	}
	// The session's reader runs on a goroutine of its own and this handler
	// returns: a hijacked connection's handler goroutine keeps net/http's
	// per-connection buffers (8 KiB of bufio plus the response's) alive,
	// more than an idle session should cost. Still one goroutine per
	// session.
	go s.runWebSocket(conn)
}

// open creates, registers and announces a session, with its open packet
// queued. It returns nil if the server closed meanwhile.
func (srv *Server) open(r *http.Request, transport string, conn *websocket.Conn) *Session {
	s := newSession(srv, r, transport, conn)
	srv.mu.Lock()
	if srv.closed {
		srv.mu.Unlock()
		return nil
	}
	for srv.sessions[s.id] != nil { // 120 random bits: never in practice
		s.id = newSessionID()
	}
	s.queue = append(s.queue, srv.openPacket(s.id, transport))
	srv.sessions[s.id] = s
	srv.mu.Unlock()

	s.startHeartbeat()
	s.connect(srv.onConnection)
	return s
}

// remove unregisters a finished session: from now on its sid is unknown
// (HTTP 400, code 1), as the spec requires — also for a GET that raced the
// client's own close packet.
func (srv *Server) remove(s *Session) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.sessions[s.id] == s {
		delete(srv.sessions, s.id)
	}
}
