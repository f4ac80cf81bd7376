package scriptserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wirelog"
)

// Packet is one Socket.IO packet the client sent.
type Packet struct {
	At        time.Time
	Transport string // the transport it came over
	codec.SIOPacket
	// Attachments are the binary attachments of a BINARY_EVENT or
	// BINARY_ACK, once all arrived.
	Attachments [][]byte
}

// Object decodes the packet's payload as a JSON object (nil when it is
// not one): the CONNECT payload, a CONNECT_ERROR.
func (p Packet) Object() map[string]any {
	var m map[string]any
	if json.Unmarshal(p.Data, &m) != nil {
		return nil
	}
	return m
}

// Array decodes the packet's payload as a JSON array of raw values: the
// event name and arguments of an EVENT, the arguments of an ACK.
func (p Packet) Array() []json.RawMessage {
	var a []json.RawMessage
	if json.Unmarshal(p.Data, &a) != nil {
		return nil
	}
	return a
}

// String is the packet as the client wrote it.
func (p Packet) String() string { return string(codec.EncodeSIO(p.SIOPacket)) }

// Ping is one heartbeat ping and the client's pong.
type Ping struct {
	Sent, Pong time.Time // Pong zero: not answered
}

// Session is one Engine.IO session, with the Socket.IO packets it carried.
// Its state is guarded by the server's mutex.
type Session struct {
	SID    string
	Opened time.Time
	srv    *Server

	transport string // "polling" or "websocket": where the server writes
	probing   bool   // a probe WebSocket answered 2probe; no 5 yet
	probedAt  time.Time
	heardAt   time.Time // the client's first request (or frame) after the open packet
	// UpgradedAt is when the client's upgrade packet arrived (zero: none).
	upgradedAt time.Time
	outq       []codec.EIOPacket // waiting for a GET (polling) or the upgrade
	getBusy    bool
	postBusy   bool
	ws         *websocket.Conn // the session's WebSocket, once upgraded (or opened on one)
	probe      *websocket.Conn // the WebSocket being probed
	wsMu       sync.Mutex      // serializes WebSocket writes
	conns      map[net.Conn]bool
	packets    []Packet
	cursor     int
	pings      []Ping
	pendingBin *Packet // a binary packet waiting for attachments
	closing    bool    // a close packet is queued for the next GET
	ended      bool
	endReason  string
	endedAt    time.Time
	stop       chan struct{} // closed when the session ends
}

func newSession(s *Server, sid, transport string) *Session {
	return &Session{SID: sid, srv: s, transport: transport, conns: map[net.Conn]bool{}, stop: make(chan struct{}), Opened: time.Now()}
}

func (sess *Session) conn() string { return sess.srv.opts.Conn }

// Transport is the transport the server currently writes to.
func (sess *Session) Transport() string {
	sess.srv.mu.Lock()
	defer sess.srv.mu.Unlock()
	return sess.transport
}

// UpgradedAt is when the upgrade completed (zero: not upgraded).
func (sess *Session) UpgradedAt() time.Time {
	sess.srv.mu.Lock()
	defer sess.srv.mu.Unlock()
	return sess.upgradedAt
}

// HeardAt is when the client's first request or frame after the open
// packet arrived: by then the client had read the open packet (zero: no
// such request yet).
func (sess *Session) HeardAt() time.Time {
	sess.srv.mu.Lock()
	defer sess.srv.mu.Unlock()
	return sess.heardAt
}

// heard notes a request or frame of the client; s.mu must be held.
func (sess *Session) heard() {
	if sess.heardAt.IsZero() {
		sess.heardAt = time.Now()
	}
}

// ProbedAt is when the client's 2probe arrived (zero: never).
func (sess *Session) ProbedAt() time.Time {
	sess.srv.mu.Lock()
	defer sess.srv.mu.Unlock()
	return sess.probedAt
}

// AwaitUpgrade waits until the client completes the upgrade to WebSocket.
func (sess *Session) AwaitUpgrade(ctx context.Context) error {
	var ended string
	err := sess.srv.await(ctx, "the upgrade to WebSocket", func() bool {
		ended = sess.endReason
		return !sess.upgradedAt.IsZero() || sess.ended
	})
	if err == nil && sess.UpgradedAt().IsZero() {
		return &EndedError{Waiting: "the upgrade to WebSocket", Reason: ended, Seen: sess.Packets()}
	}
	return err
}

// Pings returns the pings sent so far with their pongs.
func (sess *Session) Pings() []Ping {
	sess.srv.mu.Lock()
	defer sess.srv.mu.Unlock()
	return append([]Ping(nil), sess.pings...)
}

// Ended reports whether the session is over, and why: "ping timeout",
// "client close" (a close packet), "transport close" (the client's
// WebSocket closed), "cut", "closed by the server", "server closed".
func (sess *Session) Ended() (bool, string) {
	sess.srv.mu.Lock()
	defer sess.srv.mu.Unlock()
	return sess.ended, sess.endReason
}

// EndedAt reports whether the session is over, and since when.
func (sess *Session) EndedAt() (bool, time.Time) {
	sess.srv.mu.Lock()
	defer sess.srv.mu.Unlock()
	return sess.ended, sess.endedAt
}

// Packets returns every Socket.IO packet received so far.
func (sess *Session) Packets() []Packet {
	sess.srv.mu.Lock()
	defer sess.srv.mu.Unlock()
	return append([]Packet(nil), sess.packets...)
}

// Expect waits for the next packet (after those Expect already returned)
// that match accepts, skipping the others, and returns it. It fails with
// a *TimeoutError, or an *EndedError when the session ends first.
func (sess *Session) Expect(ctx context.Context, what string, match func(Packet) bool) (Packet, error) {
	var got Packet
	var ended string
	err := sess.srv.await(ctx, what, func() bool {
		for i := sess.cursor; i < len(sess.packets); i++ {
			if match(sess.packets[i]) {
				got, sess.cursor = sess.packets[i], i+1
				return true
			}
		}
		if sess.ended {
			ended = sess.endReason
			return true
		}
		return false
	})
	var te *TimeoutError
	if errors.As(err, &te) {
		te.Seen = sess.Packets()
		return got, te
	}
	if err == nil && got.At.IsZero() {
		return got, &EndedError{Waiting: what, Reason: ended, Seen: sess.Packets()}
	}
	return got, err
}

// AwaitEnd waits until the session ends and returns why.
func (sess *Session) AwaitEnd(ctx context.Context) (string, error) {
	var reason string
	err := sess.srv.await(ctx, "the end of session "+sess.SID, func() bool {
		reason = sess.endReason
		return sess.ended
	})
	return reason, err
}

// AwaitPings waits until n pings have been answered.
func (sess *Session) AwaitPings(ctx context.Context, n int) ([]Ping, error) {
	var out []Ping
	var ended string
	err := sess.srv.await(ctx, fmt.Sprintf("%d answered pings", n), func() bool {
		answered := 0
		for _, p := range sess.pings {
			if !p.Pong.IsZero() {
				answered++
			}
		}
		if answered >= n || sess.ended {
			out, ended = append([]Ping(nil), sess.pings...), sess.endReason
			return true
		}
		return false
	})
	if err == nil && ended != "" {
		return out, &EndedError{Waiting: fmt.Sprintf("%d answered pings", n), Reason: ended, Seen: sess.Packets()}
	}
	return out, err
}

// Send sends a Socket.IO packet (in an Engine.IO message).
func (sess *Session) Send(p codec.SIOPacket) error {
	return sess.sendEIO(codec.EIOPacket{Type: codec.EIOMessage, Data: codec.EncodeSIO(p)})
}

// Accept answers a CONNECT: CONNECT with {"sid": sid}, plus "pid" when
// pid is not empty (connection state recovery offered).
func (sess *Session) Accept(nsp, sid, pid string) error {
	body := map[string]string{"sid": sid}
	if pid != "" {
		body["pid"] = pid
	}
	data, _ := json.Marshal(body)
	return sess.Send(codec.SIOPacket{Type: codec.SIOConnect, Namespace: nsp, Data: data})
}

// Emit sends an EVENT [name, args…]; ackID, when not nil, asks for an
// acknowledgement.
func (sess *Session) Emit(ackID *uint64, name string, args ...any) error {
	data, err := json.Marshal(append([]any{name}, args...))
	if err != nil {
		return err
	}
	return sess.Send(codec.SIOPacket{Type: codec.SIOEvent, Namespace: "/", ID: ackID, Data: data})
}

// sendEIO writes a packet on the WebSocket, or queues it for the next GET.
func (sess *Session) sendEIO(p codec.EIOPacket) error {
	s := sess.srv
	s.mu.Lock()
	if sess.ended || sess.closing {
		s.mu.Unlock()
		return &EndedError{Waiting: "sending " + string(codec.EncodeText(p)), Reason: cond(sess.closing, "closing", sess.endReason)}
	}
	if sess.transport == "websocket" && sess.ws != nil {
		s.mu.Unlock()
		if err := sess.writeWS(codec.EncodeText(p)); err != nil {
			sess.end("transport error", true)
			return err
		}
		return nil
	}
	sess.outq = append(sess.outq, p)
	s.wake()
	s.mu.Unlock()
	return nil
}

// Close ends the session the way a server does: a close packet, then the
// transport closes.
func (sess *Session) Close() error {
	s := sess.srv
	s.mu.Lock()
	ws := sess.ws
	if sess.transport != "websocket" {
		ws = nil
	}
	s.mu.Unlock()
	if ws != nil {
		err := sess.writeWS([]byte{byte(codec.EIOClose)})
		sess.wsMu.Lock()
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		sess.wsMu.Unlock()
		sess.end("closed by the server", true)
		return err
	}
	// Polling: the pending (or next) GET carries the close packet; the
	// session is over once it is written (or after a heartbeat without a
	// GET to carry it).
	if err := sess.sendEIO(codec.EIOPacket{Type: codec.EIOClose}); err != nil {
		return err
	}
	s.mu.Lock()
	sess.closing = true
	s.mu.Unlock()
	time.AfterFunc(s.Heartbeat(), func() { sess.end("closed by the server", true) })
	return nil
}

// Cut closes every TCP connection of the session at once, with no close
// packet and no WebSocket close frame: the network went away.
func (sess *Session) Cut() {
	sess.srv.opts.Log.Add(wirelog.Note, "tcp", sess.conn(), []byte("cutting every TCP connection of session "+sess.SID))
	sess.end("cut", true)
}

// end marks the session over and, when cut, closes its connections.
func (sess *Session) end(reason string, cut bool) {
	s := sess.srv
	s.mu.Lock()
	sess.endLocked(reason)
	var conns []net.Conn
	if cut {
		for c := range sess.conns {
			conns = append(conns, c)
		}
		for _, ws := range []*websocket.Conn{sess.ws, sess.probe} {
			if ws != nil {
				conns = append(conns, ws.UnderlyingConn())
			}
		}
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// endLocked marks the session over; s.mu must be held. The session is
// forgotten: later requests with its sid get "Session ID unknown".
func (sess *Session) endLocked(reason string) {
	if sess.ended {
		return
	}
	sess.ended, sess.endReason, sess.endedAt = true, reason, time.Now()
	delete(sess.srv.byID, sess.SID)
	close(sess.stop)
	sess.srv.opts.Log.Add(wirelog.Note, "note", sess.conn(), []byte("session "+sess.SID+" ended: "+reason))
	sess.srv.wake()
}

// track remembers a TCP connection of the session until done is called.
func (sess *Session) track(c net.Conn) (done func()) {
	if c == nil {
		return func() {}
	}
	s := sess.srv
	s.mu.Lock()
	sess.conns[c] = true
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		delete(sess.conns, c)
		s.mu.Unlock()
	}
}

// receive handles one Engine.IO packet from the client.
func (sess *Session) receive(p codec.EIOPacket, transport string) {
	s := sess.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess.ended {
		return
	}
	now := time.Now()
	switch {
	case p.Binary:
		if sess.pendingBin == nil {
			s.violate(sess.SID, `socket.io-protocol v5 §Packet encoding: binary attachments follow a BINARY_EVENT or BINARY_ACK`, "a binary message with no attachment expected")
			return
		}
		sess.pendingBin.Attachments = append(sess.pendingBin.Attachments, p.Data)
		if len(sess.pendingBin.Attachments) == sess.pendingBin.SIOPacket.Attachments {
			sess.packets = append(sess.packets, *sess.pendingBin)
			sess.pendingBin = nil
			s.wake()
		}
	case p.Type == codec.EIOPong:
		for i := range sess.pings {
			if sess.pings[i].Pong.IsZero() {
				sess.pings[i].Pong = now
				s.wake()
				return
			}
		}
		s.violate(sess.SID, `engine.io-protocol v4 §Heartbeat: the client sends a pong back for a ping`, "a pong with no ping outstanding")
	case p.Type == codec.EIOMessage:
		sio, err := codec.DecodeSIO(p.Data)
		if err != nil {
			s.violate(sess.SID, `socket.io-protocol v5 §Packet encoding`, "an invalid Socket.IO packet %q: %v", p.Data, err)
			return
		}
		pk := Packet{At: now, Transport: transport, SIOPacket: sio}
		if sio.Attachments > 0 {
			sess.pendingBin = &pk
			return
		}
		sess.packets = append(sess.packets, pk)
		s.wake()
	case p.Type == codec.EIOClose:
		sess.endLocked("client close")
	case p.Type == codec.EIOPing:
		s.violate(sess.SID, `engine.io-protocol v4 §Heartbeat: the server sends the pings (“reverse ping/pong mechanism” since v4)`, "a ping from the client")
	case p.Type == codec.EIOUpgrade:
		s.violate(sess.SID, `engine.io-protocol v4 §Upgrade: the upgrade packet is sent on the new WebSocket`, "an upgrade packet over %s", transport)
	default:
		s.violate(sess.SID, `engine.io-protocol v4 §Protocol: open and noop packets come from the server`, "a %s packet from the client", p.Type)
	}
}
