package wire

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wirelog"
)

// Transport names of Engine.IO v4.
const (
	Polling   = "polling"
	WebSocket = "websocket"
)

// Paths of the testee's two endpoints.
const (
	EnginePath = "/engine.io/"
	SocketPath = "/socket.io/"
)

// SessionOptions tune an Engine.IO session.
type SessionOptions struct {
	// Path is the endpoint (EnginePath when empty).
	Path string
	// ManualPing hands the server's pings to the case instead of answering
	// them with a pong at once (heartbeat cases).
	ManualPing bool
	// Header adds headers to every request of the session.
	Header http.Header
	// Name labels the session's connections in the wire log.
	Name string
}

// Session is an Engine.IO v4 client session over polling, WebSocket, or
// polling upgraded to WebSocket. Every packet the target sends lands in an
// unbounded inbox, read with Recv; server pings are answered at once unless
// ManualPing. Over polling a background poller keeps a GET pending, as a
// real client does, once Recv or StartPolling is first called — cases that
// drive the GETs themselves use HTTP() and never call them.
type Session struct {
	Open codec.Open

	base  string
	opts  SessionOptions
	log   *wirelog.Log
	http  *HTTP
	inbox *queue[codec.EIOPacket]

	ctx    context.Context // the session's life: cancelled by Close
	cancel context.CancelFunc

	postMu sync.Mutex // one POST at a time (engine.io-protocol: "MUST NOT have more than one active POST")

	mu        sync.Mutex
	transport string
	ws        *WS
	polling   bool          // the poller was started
	paused    bool          // an upgrade asked the poller to stop
	pollDone  chan struct{} // closed when the poller returns
	noops     int
}

func newSession(base string, log *wirelog.Log, opts SessionOptions) *Session {
	if opts.Path == "" {
		opts.Path = EnginePath
	}
	if opts.Name == "" {
		opts.Name = "eio"
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Session{base: base, opts: opts, log: log, http: NewHTTP(base, log, opts.Name+"/polling"),
		inbox: newQueue[codec.EIOPacket](), ctx: ctx, cancel: cancel}
}

// OpenPolling performs the polling handshake (GET ?EIO=4&transport=polling)
// and checks the open packet.
func OpenPolling(ctx context.Context, base string, log *wirelog.Log, opts SessionOptions) (*Session, error) {
	s := newSession(base, log, opts)
	resp, err := s.http.Do(ctx, Request{Path: s.opts.Path, Query: EIOQuery(Polling, ""), Header: opts.Header})
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, &StatusError{Op: "polling handshake", Status: resp.Status, Header: resp.Header, Body: resp.Body}
	}
	packets, err := resp.Packets()
	if err != nil {
		return nil, &ProtocolError{What: "handshake response", Err: err}
	}
	if packets[0].Type != codec.EIOOpen {
		return nil, &UnexpectedError{Want: "an open packet first", Got: string(resp.Body)}
	}
	if s.Open, err = codec.DecodeOpen(packets[0].Data); err != nil {
		return nil, &ProtocolError{What: "open packet", Err: err}
	}
	s.transport = Polling
	for _, p := range packets[1:] {
		s.accept(p)
	}
	return s, nil
}

// OpenWebSocket opens a WebSocket-only session (?EIO=4&transport=websocket):
// the first message must be the open packet.
func OpenWebSocket(ctx context.Context, base string, log *wirelog.Log, opts SessionOptions) (*Session, error) {
	s := newSession(base, log, opts)
	ws, err := DialWS(ctx, base, s.opts.Path+"?"+EIOQuery(WebSocket, ""), log, WSOptions{Header: opts.Header, Name: s.opts.Name + "/ws"})
	if err != nil {
		return nil, err
	}
	ev, err := ws.Next(ctx)
	if err != nil {
		ws.Close()
		return nil, err
	}
	if ev.Op != OpText || len(ev.Data) == 0 || ev.Data[0] != byte(codec.EIOOpen) {
		ws.Close()
		return nil, &UnexpectedError{Want: "the open packet as the first text message", Got: string(printable(ev.Data))}
	}
	if s.Open, err = codec.DecodeOpen(ev.Data[1:]); err != nil {
		ws.Close()
		return nil, &ProtocolError{What: "open packet", Err: err}
	}
	s.transport, s.ws = WebSocket, ws
	go s.pump(ws)
	return s, nil
}

// Open opens a session over the named transport.
func Open(ctx context.Context, transport, base string, log *wirelog.Log, opts SessionOptions) (*Session, error) {
	if transport == WebSocket {
		return OpenWebSocket(ctx, base, log, opts)
	}
	return OpenPolling(ctx, base, log, opts)
}

// SID is the session id.
func (s *Session) SID() string { return s.Open.SID }

// Transport is the transport in use now.
func (s *Session) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transport
}

// NoopCount is how many noop packets the session received (they are not
// queued: a noop carries nothing).
func (s *Session) NoopCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.noops
}

// HTTP is the session's polling driver, for cases that send their own
// requests with the session's sid.
func (s *Session) HTTP() *HTTP { return s.http }

// WS is the session's WebSocket, nil while on polling.
func (s *Session) WS() *WS {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ws
}

// PollRequest is a GET (or, with a body, a POST) for this session.
func (s *Session) PollRequest(body []byte) Request {
	r := Request{Path: s.opts.Path, Query: EIOQuery(Polling, s.Open.SID), Header: s.opts.Header}
	if body != nil {
		r.Method, r.Body = http.MethodPost, body
	}
	return r
}

// accept queues one received packet, answering pings unless ManualPing.
// It reports false when the packet ends the session (a close packet).
func (s *Session) accept(p codec.EIOPacket) bool {
	switch {
	case p.Type == codec.EIOPing && !p.Binary && !s.opts.ManualPing:
		if err := s.Send(s.ctx, codec.Text(codec.EIOPong, string(p.Data))); err != nil && s.ctx.Err() == nil {
			s.inbox.finish(err)
			return false
		}
	case p.Type == codec.EIONoop && !p.Binary:
		s.mu.Lock()
		s.noops++
		s.mu.Unlock()
	case p.Type == codec.EIOClose && !p.Binary:
		s.inbox.finish(&ClosedError{Via: ViaClosePacket, At: time.Now()})
		return false
	default:
		s.inbox.push(p)
	}
	return true
}

// pump moves packets from a WebSocket to the inbox until it ends.
func (s *Session) pump(ws *WS) {
	for {
		ev, err := ws.Next(s.ctx)
		if err != nil {
			if s.ctx.Err() != nil {
				s.inbox.finish(&ClosedError{Via: ViaHarness, At: time.Now()})
			} else {
				s.inbox.finish(err)
			}
			return
		}
		p := codec.Bin(ev.Data)
		if ev.Op == OpText {
			if p, err = codec.DecodeText(ev.Data); err != nil {
				s.inbox.finish(&ProtocolError{What: "Engine.IO packet in a text frame", Err: err})
				return
			}
		}
		if !s.accept(p) {
			return
		}
	}
}

// StartPolling starts the background poller (once).
func (s *Session) StartPolling() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.polling || s.transport != Polling {
		return
	}
	s.polling = true
	s.pollDone = make(chan struct{})
	go s.poll()
}

// poll keeps one GET pending until the session ends or an upgrade pauses it.
func (s *Session) poll() {
	defer close(s.pollDone)
	for {
		s.mu.Lock()
		paused := s.paused
		s.mu.Unlock()
		if paused || s.ctx.Err() != nil {
			return
		}
		resp, err := s.http.Do(s.ctx, s.PollRequest(nil))
		if err != nil {
			if s.ctx.Err() == nil {
				s.inbox.finish(err)
			}
			return
		}
		if resp.Status != http.StatusOK {
			s.inbox.finish(&ClosedError{Via: ViaHTTPStatus, Status: resp.Status, Body: string(resp.Body), At: time.Now()})
			return
		}
		packets, err := resp.Packets()
		if err != nil {
			s.inbox.finish(&ProtocolError{What: "polling response", Err: err})
			return
		}
		for _, p := range packets {
			if !s.accept(p) {
				return
			}
		}
	}
}

// Recv returns the next packet from the target (pings excluded unless
// ManualPing, noops never); the *ClosedError (or other error) that ended
// the session once drained; a *TimeoutError when ctx ends first.
func (s *Session) Recv(ctx context.Context) (codec.EIOPacket, error) {
	s.StartPolling()
	started := time.Now()
	p, err := s.inbox.pop(ctx)
	if err != nil && ctx.Err() != nil {
		return p, &TimeoutError{Waiting: "an Engine.IO packet", After: time.Since(started)}
	}
	return p, err
}

// WaitClosed discards packets until the session ends and returns how.
func (s *Session) WaitClosed(ctx context.Context) (*ClosedError, error) {
	s.StartPolling()
	started := time.Now()
	err, done := s.inbox.waitDone(ctx)
	if !done {
		return nil, &TimeoutError{Waiting: "the session to close", After: time.Since(started)}
	}
	var ce *ClosedError
	if errors.As(err, &ce) {
		return ce, nil
	}
	return nil, err
}

// Send sends packets: over WebSocket one frame each (binary packets as
// binary frames), over polling one POST carrying the payload, which must be
// answered 200 "ok".
func (s *Session) Send(ctx context.Context, packets ...codec.EIOPacket) error {
	if ws := s.WS(); ws != nil {
		for _, p := range packets {
			var err error
			if p.Binary {
				err = ws.SendBinary(p.Data)
			} else {
				err = ws.Send(OpText, codec.EncodeText(p))
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	return s.Post(ctx, codec.EncodePayload(packets...))
}

// Post sends body as one polling POST and expects 200 "ok".
func (s *Session) Post(ctx context.Context, body []byte) error {
	s.postMu.Lock()
	defer s.postMu.Unlock()
	resp, err := s.http.Do(ctx, s.PollRequest(body))
	if err != nil {
		return err
	}
	if resp.Status != http.StatusOK {
		return &StatusError{Op: "polling POST", Status: resp.Status, Header: resp.Header, Body: resp.Body}
	}
	if !bytes.Equal(resp.Body, []byte("ok")) {
		return &UnexpectedError{Want: `the POST answered "ok" (engine.io-protocol v4 §Sending data)`, Got: string(printable(resp.Body))}
	}
	return nil
}

// BeginUpgrade starts the upgrade to WebSocket: it pauses the poller (the
// client "MUST pause the HTTP long-polling transport"), opens a WebSocket
// with the session id and exchanges the probe ("2probe" → "3probe").
func (s *Session) BeginUpgrade(ctx context.Context) (*WS, error) {
	s.mu.Lock()
	s.paused = true
	s.mu.Unlock()
	ws, err := DialWS(ctx, s.base, s.opts.Path+"?"+EIOQuery(WebSocket, s.Open.SID), s.log,
		WSOptions{Header: s.opts.Header, Name: s.opts.Name + "/ws"})
	if err != nil {
		return nil, err
	}
	if err := ws.SendText("2probe"); err != nil {
		ws.Close()
		return nil, err
	}
	ev, err := ws.Next(ctx)
	if err != nil {
		ws.Close()
		return nil, err
	}
	if ev.Op != OpText || string(ev.Data) != "3probe" {
		ws.Close()
		return nil, &UnexpectedError{Want: `"3probe" in answer to "2probe"`, Got: fmt.Sprintf("%s %q", ev.Op, printable(ev.Data))}
	}
	return ws, nil
}

// CompleteUpgrade waits for the poller's pending GET to end (the server
// "MUST send a noop packet to any pending GET"), then sends the upgrade
// packet "5" and moves the session to ws.
func (s *Session) CompleteUpgrade(ctx context.Context, ws *WS) error {
	s.mu.Lock()
	done := s.pollDone
	s.mu.Unlock()
	if done != nil {
		started := time.Now()
		select {
		case <-done:
		case <-ctx.Done():
			return &TimeoutError{Waiting: "the pending GET to be released with a noop during the upgrade", After: time.Since(started)}
		}
	}
	if err, ended := s.inbox.finished(); ended {
		return err
	}
	if err := ws.SendText("5"); err != nil {
		return err
	}
	s.mu.Lock()
	s.ws, s.transport = ws, WebSocket
	s.mu.Unlock()
	go s.pump(ws)
	return nil
}

// Upgrade performs the whole polling → WebSocket upgrade.
func (s *Session) Upgrade(ctx context.Context) error {
	ws, err := s.BeginUpgrade(ctx)
	if err != nil {
		return err
	}
	if err := s.CompleteUpgrade(ctx, ws); err != nil {
		ws.Close()
		return err
	}
	return nil
}

// Close ends the session on the harness's side: pending requests are
// cancelled and the WebSocket is closed (no close packet is sent).
func (s *Session) Close() {
	s.cancel()
	if ws := s.WS(); ws != nil {
		ws.Close()
	}
}
