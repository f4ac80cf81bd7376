package engineio

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// sessionState is the life of a session: open, then closing while a
// server-initiated Close delivers what is queued, then closed for good.
type sessionState uint32

const (
	stateOpen sessionState = iota
	stateClosing
	stateClosed
)

// Session is one client connection, over polling or WebSocket. Its
// methods are safe for concurrent use, including from inside the
// session's own Handler callbacks.
type Session struct {
	srv *Server
	id  string
	req *http.Request

	// mu guards everything below up to the delivery fields. It is never
	// held while calling a Handler or doing network I/O.
	mu          sync.Mutex
	state       atomic.Uint32 // sessionState; written under mu, read by deliver without it
	transport   string        // TransportPolling or TransportWebSocket
	queue       []*Message    // packets not yet handed to a transport
	queueBytes  int64         // payload bytes in queue, bounded by SendQueueBytes
	closeReason string        // the reason given to Close or finish
	closeCode   int           // once closed: the WebSocket close status, 0 for none
	finalPacket *Message      // once closed: the answer of a GET pending then

	ws       *websocket.Conn // the WebSocket transport, once it is the active one
	flushing bool            // a goroutine is writing the queue to ws

	// While the WebSocket reader runs HandleMessage, a Send does not start
	// a flush goroutine: the reader writes the queue itself when the
	// handler returns (see kickLocked).
	readerBusy    atomic.Bool // set by the reader without mu, cleared with it
	flushDeferred bool        // a flush waits for the reader
	deferredEpoch uint32      // the flushWatch epoch when it started waiting
	watched       bool        // the session is in its server's flushWatch

	pollWake   chan struct{} // wakes the pending GET; made by the first one that waits
	pollActive bool          // a GET is waiting for packets
	postActive bool          // a POST is being read and delivered

	probe        *websocket.Conn // an upgrade in progress
	probed       bool            // ... whose probe was answered (GETs then wait briefly)
	pollRelease  bool            // the GET pending at the probe must return a noop
	upgradeTimer *time.Timer

	hbTimer *time.Timer
	hbPhase heartbeatPhase
	hbDue   time.Time // when hbTimer is due; an earlier firing is stale

	// Handler delivery. deliverMu serializes HandleMessage calls and
	// HandleClose, which runs once closeEvent is set, by whichever
	// goroutine holds or next releases deliverMu (see notifyClosed).
	delivery delivery
}

type closeEvent struct {
	reason string
	cause  error
}

// maxIdleQueueCap bounds the queue capacity a session keeps between
// bursts, so that an idle session does not hold a large empty slice.
const maxIdleQueueCap = 16

func newSession(srv *Server, r *http.Request, transport string, conn *websocket.Conn) *Session {
	s := &Session{
		srv: srv,
		id:  newSessionID(),
		// The handshake request outlives its handler; its context must
		// not be canceled under the user's feet.
		req:       r.WithContext(context.WithoutCancel(r.Context())),
		transport: transport,
	}
	if conn != nil {
		// The session's reader goroutine writes the open packet itself
		// before it starts reading, so it takes the writer role from the
		// start (see runWebSocket).
		s.ws = conn
		s.flushing = true
	}
	return s
}

// ID returns the session ID (the "sid" of the protocol).
func (s *Session) ID() string { return s.id }

// Request returns the handshake request (headers, query, RemoteAddr). It
// must be treated as read-only. Its context is never canceled.
func (s *Session) Request() *http.Request { return s.req }

// Transport returns the current transport: "polling" or "websocket".
func (s *Session) Transport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transport
}

func (s *Session) stateLocked() sessionState { return sessionState(s.state.Load()) }

// Send queues msgs, atomically and in order, for delivery to the client.
// It never blocks on the network. nil messages are skipped. It returns
// ErrSessionClosed once the session is closed or closing; if the queue
// would exceed Options.SendQueueLimit or SendQueueBytes it queues nothing, closes the
// session ("transport error", cause ErrQueueFull) and returns ErrQueueFull.
func (s *Session) Send(msgs ...*Message) error {
	s.mu.Lock()
	if s.stateLocked() != stateOpen {
		s.mu.Unlock()
		return ErrSessionClosed
	}
	if !enqueue(&s.queue, &s.queueBytes, msgs, s.srv.opts.SendQueueLimit, s.srv.opts.SendQueueBytes) {
		s.mu.Unlock()
		s.finish(ReasonTransportError, ErrQueueFull, 0)
		return ErrQueueFull
	}
	conn := s.kickLocked(true)
	s.mu.Unlock()
	if conn != nil {
		go s.flushLoop(conn)
	}
	return nil
}

// enqueueControlLocked queues a control packet (ping). Control packets do
// not count against the queue limit: there is at most one per interval.
func (s *Session) enqueueControlLocked(m *Message) *websocket.Conn {
	s.queue = append(s.queue, m)
	return s.kickLocked(false)
}

// maxDeferredQueued bounds the packets a deferred flush may hold back
// (see kickLocked).
const maxDeferredQueued = 64

// kickLocked makes the active transport take the queue: over polling it
// wakes the pending GET; over WebSocket it claims the writer role and
// returns the connection for which the caller must start flushLoop (nil
// when a flush already runs).
//
// When the session's reader is inside HandleMessage, a deferrable kick
// (a message, not a ping) leaves the flush to the reader, which writes
// the queue as soon as the handler returns: a reply then costs no
// goroutine hand-off (which doubles the latency of a round trip), and the
// packets sent by one handler go out in one batch. So that a slow handler
// cannot hold back what other goroutines send, the wait is bounded: the
// server's flushWatch flushes a queue deferred for more than about a
// millisecond, and 64 queued packets flush at once.
func (s *Session) kickLocked(deferrable bool) *websocket.Conn {
	if s.ws == nil {
		s.wakePollLocked()
		return nil
	}
	if s.flushing {
		return nil
	}
	if deferrable && s.readerBusy.Load() && len(s.queue) < maxDeferredQueued {
		if !s.flushDeferred {
			s.flushDeferred = true
			s.deferredEpoch = s.srv.flushWatch.epoch.Load()
			if !s.watched {
				s.watched = true
				s.srv.flushWatch.add(s)
			}
		}
		return nil
	}
	s.flushDeferred = false
	s.flushing = true
	return s.ws
}

// checkDeferredFlush is called by the flushWatch at each tick. It flushes
// a queue deferred since before the previous tick and reports whether the
// session must stay watched (a deferral that is not yet due).
func (s *Session) checkDeferredFlush(epoch uint32) (keep bool) {
	s.mu.Lock()
	if !s.flushDeferred || s.stateLocked() == stateClosed {
		s.watched = false
		s.mu.Unlock()
		return false
	}
	if epoch-s.deferredEpoch < 2 {
		s.mu.Unlock()
		return true
	}
	s.watched = false
	s.flushDeferred = false
	var conn *websocket.Conn
	if !s.flushing {
		s.flushing = true
		conn = s.ws
	}
	s.mu.Unlock()
	if conn != nil {
		go s.flushLoop(conn)
	}
	return false
}

// endReaderDelivery is called by the reader when HandleMessage returns;
// it returns the connection to flush inline if a flush was deferred.
func (s *Session) endReaderDelivery() *websocket.Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readerBusy.Store(false)
	if !s.flushDeferred {
		return nil
	}
	s.flushDeferred = false
	if s.flushing || s.stateLocked() == stateClosed {
		return nil
	}
	s.flushing = true
	return s.ws
}

func (s *Session) wakePollLocked() {
	if s.pollWake != nil {
		select {
		case s.pollWake <- struct{}{}:
		default: // already signaled
		}
	}
}

// Close closes the session from the server side. Packets already queued
// are still delivered, then a close packet (polling) or a close frame
// (WebSocket, 1000), and then HandleClose(reason, nil) runs. Send fails
// from the call on, and incoming messages are dropped. If the client does
// not take the queued packets within PingTimeout the session is closed
// anyway. Close on a closing or closed session does nothing.
func (s *Session) Close(reason string) {
	s.mu.Lock()
	if s.stateLocked() != stateOpen {
		s.mu.Unlock()
		return
	}
	s.state.Store(uint32(stateClosing))
	s.closeReason = reason
	s.armClosingLocked()
	now := false
	var conn *websocket.Conn
	if s.ws != nil {
		if !s.flushing {
			if len(s.queue) == 0 {
				now = true
			} else {
				s.flushing = true
				conn = s.ws
			}
		}
		// else the running flush finishes the session when the queue is empty
	} else {
		// A pending GET takes the queue and the close packet; without one
		// the next GET does.
		s.wakePollLocked()
	}
	s.mu.Unlock()
	if now {
		s.finish(reason, nil, websocket.CloseNormalClosure)
	}
	if conn != nil {
		go s.flushLoop(conn)
	}
}

// finish closes the session for good, once: it drops the queue, ends the
// transports, unregisters the session and has HandleClose(reason, cause)
// run. wsCode is the close frame for the WebSocket (0: just close the
// connection, when the peer is gone or cannot read). A GET pending at this
// moment gets a close packet, or a noop if the client itself closed.
func (s *Session) finish(reason string, cause error, wsCode int) {
	s.mu.Lock()
	if s.stateLocked() == stateClosed {
		s.mu.Unlock()
		return
	}
	s.state.Store(uint32(stateClosed))
	s.closeReason = reason
	s.closeCode = wsCode
	clear(s.queue)
	s.queue = nil
	s.queueBytes = 0
	s.finalPacket = closeMessage
	if reason == ReasonTransportClose {
		s.finalPacket = noopMessage
	}
	s.wakePollLocked()
	ws, probe := s.ws, s.probe
	s.probe = nil
	startFlush := false
	if ws != nil && wsCode != 0 && !s.flushing {
		// The close frame is written by a flush goroutine, so that no
		// caller of finish waits on the network.
		s.flushing = true
		startFlush = true
	}
	if s.hbTimer != nil {
		s.hbTimer.Stop()
	}
	if s.upgradeTimer != nil {
		s.upgradeTimer.Stop()
	}
	s.mu.Unlock()

	if ws != nil && wsCode == 0 {
		_ = ws.Close() // also unblocks a flush stuck on a full socket
	}
	if startFlush {
		go s.flushLoop(ws)
	}
	if probe != nil {
		go closeConn(probe, websocket.CloseNormalClosure, s.srv.opts.WriteTimeout)
	}
	s.srv.remove(s)
	s.notifyClosed(reason, cause)
}

// onPacket handles a packet from the client over the active transport.
// It reports whether the transport should go on reading.
func (s *Session) onPacket(p Packet) bool {
	switch p.Type {
	case PacketMessage:
		s.deliver(p.Data, p.Binary)
	case PacketPong:
		s.onPong()
	case PacketClose:
		s.finish(ReasonTransportClose, nil, websocket.CloseNormalClosure)
		return false
	case PacketPing:
		// Engine.IO v4 reversed the heartbeat: a client ping is a
		// protocol violation, which socket.io closes as a transport error.
		s.finish(ReasonTransportError, ErrHeartbeatDirection, websocket.CloseProtocolError)
		return false
	default:
		// open, upgrade and noop mean nothing on an established
		// transport; socket.io ignores them too.
	}
	return true
}

// connect runs onConnection with deliverMu held, so that a Close from
// inside it reaches the handler it returns, after it returns.
func (s *Session) connect(onConnection func(*Session) Handler) {
	s.delivery.mu.Lock()
	var h Handler
	if onConnection != nil {
		h = onConnection(s)
	}
	if h == nil {
		h = discardHandler{}
	}
	s.delivery.handler = h
	s.delivery.mu.Unlock()
	s.deliverPendingClose()
}

// deliver hands a message to the handler, one at a time, and only while
// the session is open.
func (s *Session) deliver(data []byte, binary bool) {
	s.delivery.message(func() bool { return sessionState(s.state.Load()) == stateOpen }, data, binary)
}

// notifyClosed records the close and runs HandleClose (see delivery).
func (s *Session) notifyClosed(reason string, cause error) {
	s.delivery.closed(reason, cause)
}

func (s *Session) deliverPendingClose() { s.delivery.runPendingClose() }

type discardHandler struct{}

func (discardHandler) HandleMessage([]byte, bool) {}
func (discardHandler) HandleClose(string, error)  {}
