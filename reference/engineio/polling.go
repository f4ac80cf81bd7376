package engineio

import (
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

// Single-packet answers of a GET, shared and never modified.
var (
	noopBatch  = []*Message{noopMessage}
	closeBatch = []*Message{closeMessage}
)

// servePolling serves a polling request of an existing session: GET waits
// for packets, POST brings packets from the client.
func (s *Session) servePolling(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.servePoll(w, r)
	case http.MethodPost:
		s.serveData(w, r)
	default:
		writeHTTPError(w, errBadRequest)
	}
}

// probeHold is how long a GET that arrives during an upgrade, after the
// probe, is held before a noop answers it: the client waits for that GET
// to return before it completes the upgrade, so the hold must be short,
// but an immediate noop would answer 200 to a GET that raced the upgrade
// packet already on its way. socket.io releases such GETs on a 100 ms
// interval.
const probeHold = 100 * time.Millisecond

// servePoll answers a GET with the queued packets, waiting for some when
// there are none. The wait ends with a packet: the heartbeat queues a ping
// every PingInterval, an upgrade or a close wakes it too. A second GET
// while one waits breaks the protocol: it gets 400 and the session is
// closed, which answers the first with a close packet.
func (s *Session) servePoll(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.transport != TransportPolling {
		s.mu.Unlock()
		writeHTTPError(w, errBadRequest)
		return
	}
	if s.pollActive {
		s.mu.Unlock()
		writeHTTPError(w, errBadRequest)
		s.finish(ReasonTransportError, ErrOverlappingRequest, 0)
		return
	}
	s.pollActive = true
	var hold *time.Timer // running while a GET is held during an upgrade
	defer func() {
		if hold != nil {
			hold.Stop()
		}
	}()
	held := false
	for {
		if s.transport != TransportPolling {
			// Upgraded while this GET waited.
			s.pollActive = false
			s.mu.Unlock()
			writeHTTPError(w, errBadRequest)
			return
		}
		batch, last := s.takePollLocked(held)
		if batch != nil {
			// Cleared before writing: the client sends its next GET as
			// soon as it has read this answer.
			s.pollActive = false
			reason := s.closeReason
			s.mu.Unlock()
			writePayload(w, batch)
			if last {
				s.finish(reason, nil, websocket.CloseNormalClosure)
			}
			return
		}
		if s.probed && hold == nil {
			hold = time.NewTimer(s.srv.probeHold)
		}
		var holdC <-chan time.Time
		if hold != nil {
			holdC = hold.C
		}
		if s.pollWake == nil {
			s.pollWake = make(chan struct{}, 1)
		}
		wake := s.pollWake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-holdC:
			held = true
		case <-r.Context().Done():
			// socket.io: "poll connection closed prematurely".
			s.mu.Lock()
			s.pollActive = false
			s.mu.Unlock()
			s.finish(ReasonTransportError, ErrPollAborted, 0)
			return
		}
		s.mu.Lock()
	}
}

// takePollLocked returns what a GET should answer now, or nil to wait.
// last is true when the answer ends a graceful Close: the session
// finishes once it is written. held tells that the GET has been held for
// probeHold during an upgrade.
//
// A payload holds as many queued packets as fit in MaxPayload bytes (at
// least one); the rest wait for the next GET. socket.io's server sends its
// whole buffer at once; the cap bounds the size of one response, and the
// client polls again immediately.
func (s *Session) takePollLocked(held bool) (batch []*Message, last bool) {
	if s.stateLocked() == stateClosed {
		if s.finalPacket == noopMessage {
			return noopBatch, false
		}
		return closeBatch, false
	}
	if len(s.queue) > 0 {
		n, size := 0, int64(0)
		for _, m := range s.queue {
			size += int64(m.pollingLen())
			if n > 0 {
				size++ // separator
				if size > s.srv.opts.MaxPayload {
					break
				}
			}
			n++
		}
		batch = s.queue[:n:n]
		dequeued(&s.queueBytes, batch)
		if n == len(s.queue) {
			s.queue = nil
		} else {
			s.queue = s.queue[n:]
		}
		if s.stateLocked() == stateClosing && len(s.queue) == 0 {
			return append(batch, closeMessage), true
		}
		return batch, false
	}
	if s.stateLocked() == stateClosing {
		return closeBatch, true
	}
	if s.pollRelease || (held && s.probed) {
		// The client is upgrading: it completes the upgrade once this GET
		// has returned.
		s.pollRelease = false
		return noopBatch, false
	}
	return nil, false
}

// pollingLen is len(m.pollingForm()) without encoding binary data.
func (m *Message) pollingLen() int {
	if m.binary {
		return 1 + base64.StdEncoding.EncodedLen(len(m.data))
	}
	return len(m.text)
}

// writePayload writes packets as one polling payload: text/plain, packets
// joined by 0x1e, binary as "b"+base64. The pieces are written straight
// into the response's buffer; the length is known beforehand.
func writePayload(w http.ResponseWriter, batch []*Message) {
	size := len(batch) - 1
	for _, m := range batch {
		size += m.pollingLen()
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(size))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	sep := []byte{recordSeparator}
	for i, m := range batch {
		if i > 0 {
			_, _ = w.Write(sep)
		}
		_, _ = w.Write(m.pollingForm())
	}
}

// serveData reads a POST payload and hands its packets to the session,
// then answers "ok". The body is read whatever its Content-Type:
// socket.io's client sends text/plain, and application/octet-stream is
// read as the same text payload (socket.io v4 rejects it; accepting it
// costs nothing and helps clients that label bodies as bytes).
func (s *Session) serveData(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.transport != TransportPolling {
		s.mu.Unlock()
		writeHTTPError(w, errBadRequest)
		return
	}
	if s.postActive {
		s.mu.Unlock()
		writeHTTPError(w, errBadRequest)
		s.finish(ReasonTransportError, ErrOverlappingRequest, 0)
		return
	}
	s.postActive = true
	s.mu.Unlock()

	ok := s.readData(w, r)

	// Cleared before answering: the client sends its next POST as soon as
	// it reads "ok", and all of this one's messages have been delivered.
	s.mu.Lock()
	s.postActive = false
	s.mu.Unlock()
	if ok {
		h := w.Header()
		h.Set("Content-Type", "text/html") // as socket.io: no download dialog in old browsers
		h.Set("Content-Length", "2")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "ok")
	}
}

// readData reads, decodes and delivers one POST body. It returns false
// after answering an error itself.
func (s *Session) readData(w http.ResponseWriter, r *http.Request) bool {
	limit := s.srv.opts.MaxPayload
	if r.ContentLength > limit {
		tooLarge(w)
		s.finish(ReasonTransportError, ErrPayloadTooLarge, 0)
		return false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		writeHTTPError(w, errBadRequest)
		s.finish(ReasonTransportError, err, 0)
		return false
	}
	if int64(len(body)) > limit {
		tooLarge(w)
		s.finish(ReasonTransportError, ErrPayloadTooLarge, 0)
		return false
	}
	packets, err := DecodePayload(body)
	if err != nil {
		writeHTTPError(w, errBadRequest)
		s.finish(ReasonParseError, err, 0)
		return false
	}
	for _, p := range packets {
		if !s.onPacket(p) {
			if p.Type == PacketClose {
				return true // a clean close: "ok"
			}
			writeHTTPError(w, errBadRequest)
			return false
		}
	}
	return true
}

func tooLarge(w http.ResponseWriter) {
	w.Header().Set("Content-Length", "0")
	w.Header().Set("Connection", "close")
	w.WriteHeader(http.StatusRequestEntityTooLarge)
}
