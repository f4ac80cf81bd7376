package engineio

import (
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// runWebSocket is the goroutine of a session opened over WebSocket: it
// writes the open packet (and whatever onConnection sent), then reads
// until the connection ends.
func (s *Session) runWebSocket(conn *websocket.Conn) {
	conn.SetReadLimit(s.srv.opts.MaxPayload)
	s.flushLoop(conn)
	s.readLoop(conn)
}

// serveUpgrade takes a WebSocket that asks to upgrade a polling session.
// A session that already upgraded, or is upgrading, or is closing gets
// the connection closed cleanly right after the handshake, as socket.io
// does.
func (srv *Server) serveUpgrade(w http.ResponseWriter, r *http.Request, s *Session) {
	if r.Method != http.MethodGet || !websocket.IsWebSocketUpgrade(r) {
		writeHTTPError(w, errBadRequest)
		return
	}
	if !srv.cors.originAllowed(r) {
		writeHTTPError(w, errForbidden)
		return
	}
	conn, err := srv.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	conn.SetReadLimit(srv.opts.MaxPayload)
	if !s.beginUpgrade(conn) {
		closeConn(conn, websocket.CloseNormalClosure, srv.opts.WriteTimeout)
		return
	}
	go s.probeLoop(conn) // on its own goroutine, for the reason given in handshake
}

func (s *Session) beginUpgrade(conn *websocket.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stateLocked() != stateOpen || s.transport != TransportPolling || s.probe != nil {
		return false
	}
	s.probe = conn
	s.probed = false
	s.upgradeTimer = time.AfterFunc(s.srv.opts.UpgradeTimeout, func() {
		s.abortUpgrade(conn, websocket.CloseNormalClosure)
	})
	return true
}

// probeLoop reads the upgrading WebSocket: "2probe" is answered "3probe"
// and the pending GET is released with a noop (see takePollLocked); "5"
// completes the upgrade and the loop becomes the session's reader.
// Anything else, a read error or UpgradeTimeout ends the attempt; the
// polling session goes on.
func (s *Session) probeLoop(conn *websocket.Conn) {
	for {
		p, rerr, ok := readPacket(conn)
		if !ok {
			s.abortUpgrade(conn, rerr.code)
			return
		}
		switch {
		case p.Type == PacketPing && string(p.Data) == "probe":
			// Only this goroutine writes to conn until the upgrade
			// completes; a concurrent abort's close frame is safe
			// (gorilla allows WriteControl alongside one writer).
			_ = conn.SetWriteDeadline(time.Now().Add(s.srv.opts.WriteTimeout))
			if err := probePongMessage.writeTo(conn); err != nil {
				s.abortUpgrade(conn, 0)
				return
			}
			s.markProbed(conn)
		case p.Type == PacketUpgrade:
			ok, flush := s.completeUpgrade(conn)
			if !ok {
				closeConn(conn, websocket.CloseNormalClosure, s.srv.opts.WriteTimeout)
				return
			}
			if flush {
				s.flushLoop(conn)
			}
			s.readLoop(conn)
			return
		default:
			s.abortUpgrade(conn, websocket.CloseProtocolError)
			return
		}
	}
}

func (s *Session) markProbed(conn *websocket.Conn) {
	s.mu.Lock()
	if s.probe == conn {
		s.probed = true
		if s.pollActive {
			s.pollRelease = true
			s.wakePollLocked()
		}
	}
	s.mu.Unlock()
}

// completeUpgrade makes conn the session's transport. Queued packets go
// over it from now on: flush tells the caller to write them (it holds the
// writer role then). A GET still pending is answered 400, like any
// polling request after the upgrade (a conforming client has none).
func (s *Session) completeUpgrade(conn *websocket.Conn) (ok, flush bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.probe != conn || s.stateLocked() == stateClosed {
		return false, false
	}
	s.probe = nil
	s.probed = false
	s.pollRelease = false
	s.upgradeTimer.Stop()
	s.ws = conn
	s.transport = TransportWebSocket
	s.wakePollLocked()
	if !s.flushing && (len(s.queue) > 0 || s.stateLocked() == stateClosing) {
		s.flushing = true
		flush = true
	}
	return true, flush
}

// abortUpgrade ends an upgrade attempt, if conn is still the one in
// progress, and closes conn (code 0: without a close frame).
func (s *Session) abortUpgrade(conn *websocket.Conn, code int) {
	s.mu.Lock()
	mine := s.probe == conn
	if mine {
		s.probe = nil
		s.probed = false
		s.pollRelease = false
		s.upgradeTimer.Stop()
		s.wakePollLocked() // a GET held for the upgrade waits normally again
	}
	s.mu.Unlock()
	if mine {
		closeConn(conn, code, s.srv.opts.WriteTimeout)
	}
}

// readLoop reads the session's WebSocket until it ends: one packet per
// frame, binary frames being binary messages.
func (s *Session) readLoop(conn *websocket.Conn) {
	for {
		p, rerr, ok := readPacket(conn)
		if !ok {
			s.finish(readFailure(rerr))
			return
		}
		if p.Type == PacketMessage {
			s.readerBusy.Store(true)
			s.deliver(p.Data, p.Binary)
			if c := s.endReaderDelivery(); c != nil {
				s.flushLoop(c)
			}
			continue
		}
		if !s.onPacket(p) {
			return
		}
	}
}

// readFailure maps a failed read (see readPacket) to the close.
func readFailure(f readError) (string, error, int) {
	switch {
	case f.code == websocket.CloseInvalidFramePayloadData:
		return ReasonTransportError, ErrInvalidUTF8, f.code
	case f.code == websocket.CloseProtocolError:
		return ReasonParseError, f.err, f.code
	case errors.Is(f.err, websocket.ErrReadLimit):
		// gorilla has sent the 1009 close frame itself.
		return ReasonTransportError, f.err, 0
	case websocket.IsCloseError(f.err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived):
		return ReasonTransportClose, nil, 0
	default:
		return ReasonTransportClose, f.err, 0
	}
}

// readError is why readPacket failed: the error, and the close status to
// send for a bad frame (0 when the connection is gone or gorilla has
// already answered).
type readError struct {
	err  error
	code int
}

// readPacket reads and decodes one frame. gorilla does not check that a
// text frame is UTF-8, so it is checked here (close status 1007).
func readPacket(conn *websocket.Conn) (Packet, readError, bool) {
	mt, data, err := conn.ReadMessage()
	if err != nil {
		return Packet{}, readError{err: err}, false
	}
	if mt == websocket.BinaryMessage {
		return Packet{Type: PacketMessage, Data: data, Binary: true}, readError{}, true
	}
	if !utf8.Valid(data) {
		return Packet{}, readError{err: ErrInvalidUTF8, code: websocket.CloseInvalidFramePayloadData}, false
	}
	p, err := decodeTextPacket(data)
	if err != nil {
		return Packet{}, readError{err: err, code: websocket.CloseProtocolError}, false
	}
	return p, readError{}, true
}

// flushLoop writes the queue to conn until it is empty, then returns: it
// runs only while there is something to write, on a goroutine started by
// whoever queued into an idle session (or inline on the reader). The
// caller has claimed the writer role (s.flushing). Once the session is
// closed it writes the close frame and closes conn; when a graceful Close
// is pending and the queue is empty, it finishes the session.
func (s *Session) flushLoop(conn *websocket.Conn) {
	var batch []*Message
	for {
		s.mu.Lock()
		state := s.stateLocked()
		if state == stateClosed {
			code := s.closeCode
			s.flushing = false
			s.mu.Unlock()
			closeConn(conn, code, s.srv.opts.WriteTimeout)
			return
		}
		// Swap buffers: the writer drains one slice while Send appends to
		// the other.
		batch, s.queue = s.queue, batch[:0]
		s.queueBytes = 0
		if len(batch) == 0 {
			if state == stateClosing {
				reason := s.closeReason
				s.mu.Unlock()
				s.finish(reason, nil, websocket.CloseNormalClosure)
				continue // closed now: write the close frame
			}
			s.flushing = false
			if cap(s.queue) > maxIdleQueueCap {
				s.queue = nil
			}
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		if err := s.writeBatch(conn, batch); err != nil {
			s.finish(ReasonTransportError, err, 0)
		}
		clear(batch)
	}
}

// writeBatch writes every packet of batch, each within WriteTimeout: a
// client that stops reading fills its socket buffer, the write times out
// and the session closes.
func (s *Session) writeBatch(conn *websocket.Conn, batch []*Message) error {
	timeout := s.srv.opts.WriteTimeout
	for _, m := range batch {
		_ = conn.SetWriteDeadline(time.Now().Add(timeout))
		if err := m.writeTo(conn); err != nil {
			return err
		}
	}
	return nil
}

// closeConn sends a close frame with code (none if 0) and closes conn.
func closeConn(conn *websocket.Conn, code int, timeout time.Duration) {
	if code != 0 {
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(timeout))
	}
	_ = conn.Close()
}
