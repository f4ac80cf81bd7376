package scriptserver

import (
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wirelog"
)

const ruleUpgrade = `engine.io-protocol v4 §Upgrade: the client MUST open a WebSocket with the same session ID, “send a ping packet with the string probe in the payload”, then “MUST send a upgrade packet to complete the upgrade”`

// attachWS makes ws the session's transport (a session opened on a
// WebSocket).
func (sess *Session) attachWS(ws *websocket.Conn) {
	sess.srv.mu.Lock()
	defer sess.srv.mu.Unlock()
	sess.ws, sess.transport = ws, "websocket"
}

// writeWS writes one text frame on the session's WebSocket (or the probe
// one while probing).
func (sess *Session) writeWS(frame []byte) error {
	sess.srv.mu.Lock()
	ws := sess.ws
	if ws == nil {
		ws = sess.probe
	}
	sess.srv.mu.Unlock()
	return sess.writeOn(ws, frame)
}

func (sess *Session) writeOn(ws *websocket.Conn, frame []byte) error {
	sess.wsMu.Lock()
	defer sess.wsMu.Unlock()
	return sess.writeLocked(ws, frame)
}

// writeLocked writes a frame; sess.wsMu must be held.
func (sess *Session) writeLocked(ws *websocket.Conn, frame []byte) error {
	_ = ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	err := ws.WriteMessage(websocket.TextMessage, frame)
	if err == nil {
		sess.srv.opts.Log.Add(wirelog.Out, "ws-text", sess.conn(), frame)
	}
	return err
}

// probe handles a WebSocket that joins a polling session: 2probe → 3probe,
// the pending GET released with a noop, then the upgrade packet.
func (s *Server) probe(w http.ResponseWriter, r *http.Request, sess *Session) {
	s.logRequest(r, nil)
	s.mu.Lock()
	sess.heard()
	if sess.transport == "websocket" || sess.probe != nil {
		s.violate(sess.SID, `engine.io-protocol v4 §WebSocket: “A client MUST NOT open more than one WebSocket connection per session.”`, "a second WebSocket for the session")
		s.mu.Unlock()
		s.refuse(w, r, http.StatusBadRequest, `{"code":3,"message":"Bad request"}`)
		return
	}
	s.mu.Unlock()
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.opts.Log.Notef("%s: probe WebSocket handshake failed: %v", s.opts.Conn, err)
		return
	}
	s.opts.Log.Add(wirelog.Out, "http-response", sess.conn(), []byte("101 Switching Protocols (probe)"))
	s.mu.Lock()
	if sess.ended {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	sess.probe = ws
	s.mu.Unlock()
	sess.readWS(ws, true)
}

// readWS reads a WebSocket until it closes. A probe WebSocket becomes the
// session's transport at the upgrade packet.
func (sess *Session) readWS(ws *websocket.Conn, probing bool) {
	s := sess.srv
	for {
		op, data, err := ws.ReadMessage()
		if err != nil {
			s.mu.Lock()
			current := sess.ws == ws
			if sess.probe == ws {
				sess.probe = nil
			}
			s.mu.Unlock()
			if current {
				s.opts.Log.Add(wirelog.Note, "ws-close", sess.conn(), []byte("the WebSocket closed: "+err.Error()))
				sess.end("transport close", true)
			} else {
				s.opts.Log.Add(wirelog.Note, "ws-close", sess.conn(), []byte("the probe WebSocket closed: "+err.Error()))
			}
			_ = ws.Close()
			return
		}
		s.mu.Lock()
		sess.heard()
		s.mu.Unlock()
		var p codec.EIOPacket
		if op == websocket.BinaryMessage {
			s.opts.Log.Add(wirelog.In, "ws-binary", sess.conn(), data)
			p = codec.Bin(data)
		} else {
			s.opts.Log.Add(wirelog.In, "ws-text", sess.conn(), data)
			if p, err = codec.DecodeText(data); err != nil {
				s.mu.Lock()
				s.violate(sess.SID, `engine.io-protocol v4 §Packet encoding (WebSocket)`, "an invalid frame %q: %v", data, err)
				s.mu.Unlock()
				continue
			}
		}
		if probing {
			probing = sess.onProbe(ws, p)
			continue
		}
		sess.receive(p, "websocket")
	}
}

// onProbe handles a packet on the probe WebSocket and reports whether the
// WebSocket is still a probe.
func (sess *Session) onProbe(ws *websocket.Conn, p codec.EIOPacket) bool {
	s := sess.srv
	switch {
	case p.Type == codec.EIOPing && string(p.Data) == "probe" && !p.Binary:
		if err := sess.writeOn(ws, []byte("3probe")); err != nil {
			return true
		}
		s.mu.Lock()
		sess.probing, sess.probedAt = true, time.Now()
		if sess.getBusy { // release the pending GET, as the spec requires
			sess.outq = append(sess.outq, codec.EIOPacket{Type: codec.EIONoop})
			s.wake()
		}
		s.mu.Unlock()
		return true
	case p.Type == codec.EIOUpgrade && !p.Binary:
		s.mu.Lock()
		if !sess.probing {
			s.violate(sess.SID, ruleUpgrade, "an upgrade packet before the probe")
		}
		sess.probing, sess.probe, sess.ws, sess.transport, sess.upgradedAt = false, nil, ws, "websocket", time.Now()
		var out []codec.EIOPacket
		for _, q := range sess.outq {
			if q.Type != codec.EIONoop {
				out = append(out, q)
			}
		}
		sess.outq = nil
		s.wake()
		// What was queued for polling leaves first, before any packet sent
		// from now on: take the write lock before letting others write.
		sess.wsMu.Lock()
		s.mu.Unlock()
		s.opts.Log.Notef("%s: session %s upgraded to WebSocket", s.opts.Conn, sess.SID)
		var err error
		for _, q := range out {
			if err = sess.writeLocked(ws, codec.EncodeText(q)); err != nil {
				break
			}
		}
		sess.wsMu.Unlock()
		if err != nil {
			sess.end("transport error", true)
		}
		return false
	default:
		s.mu.Lock()
		s.violate(sess.SID, ruleUpgrade, "%q on the probe WebSocket before the upgrade packet", codec.EncodeText(p))
		s.mu.Unlock()
		return true
	}
}
