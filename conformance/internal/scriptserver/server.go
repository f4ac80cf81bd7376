package scriptserver

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"socketlab/conformance/internal/wirelog"
)

// Path is where the server answers: socket.io's default path.
const Path = "/socket.io/"

// Options configure a Server. Zero fields take the defaults below.
type Options struct {
	// Log receives every exchange; Conn labels them (the client's name).
	Log  *wirelog.Log
	Conn string
	// PingInterval and PingTimeout go into the open packet and drive the
	// heartbeat (default 300 ms and 500 ms: short, so cases stay short).
	PingInterval, PingTimeout time.Duration
	// NoPings announces the heartbeat but never pings: the client is then
	// expected to give up after pingInterval + pingTimeout.
	NoPings bool
	// NoUpgrade announces no upgrade ("upgrades": []): the session stays on
	// the transport it opened with.
	NoUpgrade bool
	// MaxPayload goes into the open packet (default 1,000,000) and bounds a
	// POST body.
	MaxPayload int
	// Policy decides each handshake (attempt counts from 1); nil accepts
	// every one.
	Policy func(attempt int) Refusal
}

// Server is a running scripted server.
type Server struct {
	// URL is the base URL the client is given: http://127.0.0.1:PORT.
	URL string

	opts     Options
	ln       net.Listener
	http     *http.Server
	upgrader websocket.Upgrader

	mu         sync.Mutex
	changed    chan struct{} // closed and replaced on every state change
	attempts   []Attempt
	sessions   []*Session
	byID       map[string]*Session
	violations []Violation
	closed     bool
}

// Start listens on 127.0.0.1:0 and serves until Close.
func Start(o Options) (*Server, error) {
	if o.PingInterval <= 0 {
		o.PingInterval = 300 * time.Millisecond
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = 500 * time.Millisecond
	}
	if o.MaxPayload <= 0 {
		o.MaxPayload = 1_000_000
	}
	if o.Conn == "" {
		o.Conn = "client"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), opts: o, ln: ln, changed: make(chan struct{}), byID: map[string]*Session{}}
	s.upgrader = websocket.Upgrader{
		// Browser clients are served from another origin: any is welcome.
		CheckOrigin:     func(*http.Request) bool { return true },
		ReadBufferSize:  4096,
		WriteBufferSize: 4096,
	}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// Each request on its own connection: a refused or cut connection
		// is then never one the client reuses (and silently retries on).
		ConnContext: func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) },
		ErrorLog:    log.New(io.Discard, "", 0),
	}
	s.http.SetKeepAlivesEnabled(false)
	go func() { _ = s.http.Serve(ln) }()
	o.Log.Notef("%s: scripted server listening on %s (pingInterval %v, pingTimeout %v%s%s)", o.Conn, s.URL,
		o.PingInterval, o.PingTimeout, cond(o.NoPings, ", never pings", ""), cond(o.NoUpgrade, ", no upgrade", ""))
	return s, nil
}

// Close cuts every session and stops serving.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	sessions := append([]*Session(nil), s.sessions...)
	s.mu.Unlock()
	for _, sess := range sessions {
		sess.end("server closed", true)
	}
	_ = s.http.Close()
}

// Heartbeat is pingInterval + pingTimeout: the longest a healthy client
// stays silent once connected, the base of every wait of a script.
func (s *Server) Heartbeat() time.Duration { return s.opts.PingInterval + s.opts.PingTimeout }

// Options returns the options the server runs with (defaults applied).
func (s *Server) Options() Options { return s.opts }

type connKey struct{}

// connOf is the TCP connection a request came on.
func connOf(r *http.Request) net.Conn {
	c, _ := r.Context().Value(connKey{}).(net.Conn)
	return c
}

// wake tells every waiter that something changed; s.mu must be held.
func (s *Server) wake() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// await waits until cond (called with s.mu held) is true.
func (s *Server) await(ctx context.Context, what string, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return &TimeoutError{Waiting: what, Err: ctx.Err()}
		}
	}
}

// Violation is a breach of a rule that binds the client, seen on the wire.
type Violation struct {
	At   time.Time
	SID  string // "" before a session exists
	Rule string // the rule, quoted from the spec
	What string // what the client did
}

func (v Violation) String() string { return v.What + " (" + v.Rule + ")" }

// violate records a violation; s.mu must be held.
func (s *Server) violate(sid, rule, format string, args ...any) {
	v := Violation{At: time.Now(), SID: sid, Rule: rule, What: fmt.Sprintf(format, args...)}
	s.violations = append(s.violations, v)
	s.opts.Log.Add(wirelog.Note, "note", s.opts.Conn, []byte("client breaks a rule: "+v.String()))
	s.wake()
}

// Violations returns the breaches seen so far.
func (s *Server) Violations() []Violation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Violation(nil), s.violations...)
}

// Sessions returns the accepted sessions so far, oldest first.
func (s *Server) Sessions() []*Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Session(nil), s.sessions...)
}

// AwaitSession waits for the n-th accepted session (from 1).
func (s *Server) AwaitSession(ctx context.Context, n int) (*Session, error) {
	var sess *Session
	err := s.await(ctx, fmt.Sprintf("session #%d", n), func() bool {
		if len(s.sessions) >= n {
			sess = s.sessions[n-1]
			return true
		}
		return false
	})
	return sess, err
}

// Attempts returns the handshakes so far, accepted or refused.
func (s *Server) Attempts() []Attempt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Attempt(nil), s.attempts...)
}

// AwaitAttempts waits until n handshakes have been answered (or dropped)
// and returns them all.
func (s *Server) AwaitAttempts(ctx context.Context, n int) ([]Attempt, error) {
	var out []Attempt
	err := s.await(ctx, fmt.Sprintf("%d handshake attempts", n), func() bool {
		done := 0
		for _, a := range s.attempts {
			if !a.Answered.IsZero() {
				done++
			}
		}
		if done >= n {
			out = append([]Attempt(nil), s.attempts...)
			return true
		}
		return false
	})
	return out, err
}

// ServeHTTP dispatches an Engine.IO request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	allowCORS(w, r)
	if r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.URL.Path != Path {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	if v := q.Get("EIO"); v != "4" {
		s.mu.Lock()
		s.violate(q.Get("sid"), `engine.io-protocol v4 §Query parameters: EIO “4”, “Mandatory, the version of the protocol”`, "%s %s without EIO=4", r.Method, r.URL.RequestURI())
		s.mu.Unlock()
		s.refuse(w, r, http.StatusBadRequest, `{"code":5,"message":"Unsupported protocol version"}`)
		return
	}
	transport := q.Get("transport")
	if transport != "polling" && transport != "websocket" {
		s.refuse(w, r, http.StatusBadRequest, `{"code":0,"message":"Transport unknown"}`)
		return
	}
	sid := q.Get("sid")
	if sid == "" {
		if r.Method != http.MethodGet {
			s.mu.Lock()
			s.violate("", `engine.io-protocol v4 §Handshake: “The client MUST send the sid value in the query parameters of all subsequent requests.”`, "%s %s without a sid", r.Method, r.URL.RequestURI())
			s.mu.Unlock()
			s.refuse(w, r, http.StatusBadRequest, `{"code":2,"message":"Bad handshake method"}`)
			return
		}
		s.handshake(w, r, transport)
		return
	}
	s.mu.Lock()
	sess := s.byID[sid]
	s.mu.Unlock()
	if sess == nil {
		s.refuse(w, r, http.StatusBadRequest, `{"code":1,"message":"Session ID unknown"}`)
		return
	}
	switch {
	case transport == "websocket":
		s.probe(w, r, sess)
	case r.Method == http.MethodGet:
		s.pollGET(w, r, sess)
	case r.Method == http.MethodPost:
		s.pollPOST(w, r, sess)
	default:
		s.refuse(w, r, http.StatusBadRequest, `{"code":2,"message":"Bad handshake method"}`)
	}
}

// allowCORS answers any origin, with credentials: a browser client is
// loaded from another origin than this server's.
func allowCORS(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Add("Vary", "Origin")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
		h.Set("Access-Control-Max-Age", "600")
	}
}

// refuse answers a request with an error status and logs both.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, body string) {
	s.logRequest(r, nil)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
	s.opts.Log.Add(wirelog.Out, "http-response", s.opts.Conn, fmt.Appendf(nil, "%d %s\n\n%s", status, http.StatusText(status), body))
}

func (s *Server) logRequest(r *http.Request, body []byte) {
	head := r.Method + " " + r.URL.RequestURI()
	if o := r.Header.Get("Origin"); o != "" {
		head += "\norigin: " + o
	}
	if len(body) > 0 {
		head += "\n\n"
	}
	s.opts.Log.Add(wirelog.In, "http-request", s.opts.Conn, append([]byte(head), body...))
}

// newSID is a random Engine.IO session id (20 URL-safe characters, like
// socket.io's).
func newSID() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func cond(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}
