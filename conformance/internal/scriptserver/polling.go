package scriptserver

import (
	"errors"
	"io"
	"net/http"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wirelog"
)

// The rules of engine.io-protocol v4 §HTTP long-polling that bind a client.
const (
	ruleOneGET  = `engine.io-protocol v4 §Receiving data: “a client MUST NOT have more than one active GET request”`
	ruleOnePOST = `engine.io-protocol v4 §Sending data: “a client MUST NOT have more than one active POST request”`
	rulePause   = `engine.io-protocol v4 §Upgrade: the client MUST “pause the HTTP long-polling transport (no more HTTP request gets sent)”`
)

// pollGET holds a GET until packets are queued, then answers them all.
func (s *Server) pollGET(w http.ResponseWriter, r *http.Request, sess *Session) {
	s.logRequest(r, nil)
	defer sess.track(connOf(r))()
	s.mu.Lock()
	sess.heard()
	switch {
	case !sess.upgradedAt.IsZero():
		s.violate(sess.SID, rulePause, "a polling GET after the upgrade to WebSocket")
		s.mu.Unlock()
		s.refuse(w, r, http.StatusBadRequest, `{"code":3,"message":"Bad request"}`)
		return
	case sess.getBusy:
		s.violate(sess.SID, ruleOneGET, "a second GET while one is pending")
		sess.endLocked("two GETs at once")
		s.mu.Unlock()
		s.refuse(w, r, http.StatusBadRequest, `{"code":3,"message":"Bad request"}`)
		return
	}
	sess.getBusy = true
	s.wake()
	for {
		if len(sess.outq) > 0 {
			out := sess.outq
			sess.outq = nil
			sess.getBusy = false
			closing := sess.closing
			s.wake()
			s.mu.Unlock()
			s.writePoll(w, sess, out)
			if closing {
				sess.end("closed by the server", false)
			}
			return
		}
		if sess.ended {
			sess.getBusy = false
			s.mu.Unlock()
			return // cut: the connection is closed already
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-r.Context().Done():
			// The client went away (or the session was cut).
			s.mu.Lock()
			sess.getBusy = false
			s.mu.Unlock()
			return
		}
		s.mu.Lock()
	}
}

// writePoll answers a GET with a payload.
func (s *Server) writePoll(w http.ResponseWriter, sess *Session, ps []codec.EIOPacket) {
	body := codec.EncodePayload(ps...)
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	s.opts.Log.Add(wirelog.Out, "http-response", sess.conn(), append([]byte("200\n\n"), body...))
}

// pollPOST reads the packets of a POST.
func (s *Server) pollPOST(w http.ResponseWriter, r *http.Request, sess *Session) {
	defer sess.track(connOf(r))()
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(s.opts.MaxPayload)+1))
	s.logRequest(r, body)
	if err != nil {
		return // the connection broke (a cut): nothing to answer
	}
	s.mu.Lock()
	sess.heard()
	switch {
	case !sess.upgradedAt.IsZero():
		s.violate(sess.SID, rulePause, "a polling POST after the upgrade to WebSocket")
		s.mu.Unlock()
		s.refuse(w, r, http.StatusBadRequest, `{"code":3,"message":"Bad request"}`)
		return
	case sess.postBusy:
		s.violate(sess.SID, ruleOnePOST, "a second POST while one is being handled")
		sess.endLocked("two POSTs at once")
		s.mu.Unlock()
		s.refuse(w, r, http.StatusBadRequest, `{"code":3,"message":"Bad request"}`)
		return
	case len(body) > s.opts.MaxPayload:
		s.violate(sess.SID, `engine.io-protocol v4 §Packet encoding: “The client SHOULD use the maxPayload value sent during the handshake to decide how many packets should be concatenated.”`, "a POST of %d bytes, over maxPayload", len(body))
		s.mu.Unlock()
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	sess.postBusy = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		sess.postBusy = false
		s.mu.Unlock()
	}()

	packets, err := codec.DecodePayload(body)
	var cerr *codec.Error
	if errors.As(err, &cerr) {
		s.mu.Lock()
		s.violate(sess.SID, `engine.io-protocol v4 §Packet encoding (HTTP long-polling)`, "an invalid payload: %v", cerr)
		s.mu.Unlock()
		s.refuse(w, r, http.StatusBadRequest, `{"code":3,"message":"Bad request"}`)
		return
	}
	for _, p := range packets {
		sess.receive(p, "polling")
	}
	w.Header().Set("Content-Type", "text/html")
	_, _ = io.WriteString(w, "ok")
	s.opts.Log.Add(wirelog.Out, "http-response", sess.conn(), []byte("200\n\nok"))
}
