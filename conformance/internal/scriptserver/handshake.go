package scriptserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wirelog"
)

// Refusal is how the server answers a handshake.
type Refusal int

const (
	// Accept opens a session.
	Accept Refusal = iota
	// Refuse503 answers HTTP 503 Service Unavailable (a server that is up
	// but overloaded or restarting behind its proxy).
	Refuse503
	// DropTCP closes the TCP connection without any answer (a server that
	// crashed mid-request).
	DropTCP
)

func (r Refusal) String() string {
	return [...]string{"accepted", "HTTP 503", "TCP dropped"}[r]
}

// Attempt is one handshake request: a GET without sid, over polling or
// WebSocket.
type Attempt struct {
	N         int // from 1
	Transport string
	Origin    string
	Refusal   Refusal
	// Arrived is when the request reached the server; Answered when the
	// answer was written (or the connection closed). The client's backoff
	// delay runs from Answered to the next attempt's Arrived.
	Arrived, Answered time.Time
	SID               string // the session opened, when accepted
}

// handshake decides a GET without sid by the policy and answers it.
func (s *Server) handshake(w http.ResponseWriter, r *http.Request, transport string) {
	s.mu.Lock()
	n := len(s.attempts) + 1
	decision := Accept
	if s.opts.Policy != nil {
		decision = s.opts.Policy(n)
	}
	s.attempts = append(s.attempts, Attempt{N: n, Transport: transport, Origin: r.Header.Get("Origin"), Refusal: decision, Arrived: time.Now()})
	s.mu.Unlock()
	s.logRequest(r, nil)

	var sid string
	switch decision {
	case Refuse503:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("the script refuses this attempt"))
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		s.opts.Log.Add(wirelog.Out, "http-response", s.opts.Conn, []byte("503 Service Unavailable (attempt "+fmt.Sprint(n)+" refused by the script)"))
	case DropTCP:
		if c := connOf(r); c != nil {
			_ = c.Close()
		}
		s.opts.Log.Add(wirelog.Note, "tcp", s.opts.Conn, []byte(fmt.Sprintf("attempt %d: TCP connection closed without an answer", n)))
	default:
		sid = s.open(w, r, transport)
	}

	s.mu.Lock()
	s.attempts[n-1].Answered = time.Now()
	s.attempts[n-1].SID = sid
	s.wake()
	s.mu.Unlock()
}

// openPacket is the open packet of a new session.
func (s *Server) openPacket(sid string, upgrades []string) codec.EIOPacket {
	body, _ := json.Marshal(codec.Open{SID: sid, Upgrades: upgrades, PingInterval: int(s.opts.PingInterval.Milliseconds()),
		PingTimeout: int(s.opts.PingTimeout.Milliseconds()), MaxPayload: s.opts.MaxPayload})
	return codec.EIOPacket{Type: codec.EIOOpen, Data: body}
}

// open accepts a handshake: a new session whose open packet is the
// answer of the polling GET or the first WebSocket frame. It returns the
// sid, "" when the WebSocket upgrade failed.
func (s *Server) open(w http.ResponseWriter, r *http.Request, transport string) string {
	sess := newSession(s, newSID(), transport)
	upgrades := []string{}
	if transport == "polling" && !s.opts.NoUpgrade {
		upgrades = []string{"websocket"}
	}
	open := s.openPacket(sess.SID, upgrades)
	if transport == "websocket" {
		ws, err := s.upgrader.Upgrade(w, r, nil)
		if err != nil {
			s.opts.Log.Notef("%s: WebSocket handshake failed: %v", s.opts.Conn, err)
			return ""
		}
		s.opts.Log.Add(wirelog.Out, "http-response", s.opts.Conn, []byte("101 Switching Protocols"))
		sess.attachWS(ws)
		s.register(sess)
		if err := sess.writeWS(codec.EncodeText(open)); err != nil {
			sess.end("transport error", true)
			return sess.SID
		}
		go sess.readWS(ws, false)
	} else {
		s.register(sess)
		s.writePoll(w, sess, []codec.EIOPacket{open})
	}
	sess.startHeartbeat()
	return sess.SID
}

// register makes a session known.
func (s *Server) register(sess *Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions = append(s.sessions, sess)
	s.byID[sess.SID] = sess
	s.wake()
}
