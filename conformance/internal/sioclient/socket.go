package sioclient

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wirelog"
)

// Options configure a socket. The zero value is a WebSocket socket on "/".
type Options struct {
	// Transport is WebSocket (default) or Polling; neither upgrades.
	Transport string
	// Namespace to CONNECT to ("/" by default).
	Namespace string
	// Path of the Socket.IO endpoint ("/socket.io/" by default).
	Path string
	// Header and Query are added to every Engine.IO request (a case puts a
	// token or an Origin there on purpose).
	Header http.Header
	Query  url.Values
	// Log records every frame; Name labels this connection in it.
	Log  *wirelog.Log
	Name string
	// NoConnect opens the Engine.IO session only: the case sends its own
	// CONNECT (Connect, SendText).
	NoConnect bool
}

// Socket is one Engine.IO session with (usually) one Socket.IO namespace.
type Socket struct {
	opts Options
	base string
	auth any
	open codec.Open
	tr   transport
	rec  *recorder
	ack  atomic.Uint64
	done chan struct{}
	// lastPing is when the latest ping arrived (Unix ns; 0: none yet), for
	// clients that judge the heartbeat themselves.
	lastPing atomic.Int64

	mu      sync.Mutex
	sid     string
	pid     string
	offset  string
	pending *Received // a binary packet waiting for its attachments
	endErr  error
}

var connSeq atomic.Uint64

// Dial opens an Engine.IO session at baseURL (http://host:port) and, unless
// opts.NoConnect, sends one CONNECT with auth as its payload — nil sends
// none, a json.RawMessage is sent verbatim, anything else is marshalled —
// and waits for the answer. A refusal returns the open socket together with
// a *ConnectError, so that the case can go on observing it; the caller
// closes the socket in every case where it is non-nil.
func Dial(ctx context.Context, baseURL string, auth any, opts Options) (*Socket, error) {
	if opts.Transport == "" {
		opts.Transport = WebSocket
	}
	if opts.Namespace == "" {
		opts.Namespace = "/"
	}
	if opts.Path == "" {
		opts.Path = "/socket.io/"
	}
	if opts.Name == "" {
		opts.Name = fmt.Sprintf("sio-%d", connSeq.Add(1))
	}
	s := &Socket{opts: opts, base: strings.TrimSuffix(baseURL, "/"), auth: auth, rec: newRecorder(), done: make(chan struct{})}
	ep := endpoint{base: s.base, path: opts.Path, query: opts.Query, header: opts.Header, log: opts.Log, conn: opts.Name}
	var err error
	switch opts.Transport {
	case WebSocket:
		var t *wsTransport
		t, s.open, err = openWebSocket(ctx, ep, s)
		if t != nil {
			s.tr = t
		}
	case Polling:
		var t *pollTransport
		t, s.open, err = openPolling(ctx, ep, s)
		if t != nil {
			s.tr = t
		}
	default:
		return nil, fmt.Errorf("sioclient: unknown transport %q", opts.Transport)
	}
	if err != nil {
		return nil, err
	}
	if opts.NoConnect {
		return s, nil
	}
	if _, err := s.Connect(ctx, opts.Namespace, auth); err != nil {
		return s, err
	}
	return s, nil
}

// Connect sends a CONNECT for ns with auth as payload (see Dial) and waits
// for the namespace's CONNECT or CONNECT_ERROR. It returns the reply; a
// refusal is also returned as a *ConnectError.
func (s *Socket) Connect(ctx context.Context, ns string, auth any) (Received, error) {
	from := s.rec.len()
	var data json.RawMessage
	switch a := auth.(type) {
	case nil:
	case json.RawMessage:
		data = a
	default:
		b, err := json.Marshal(a)
		if err != nil {
			return Received{}, err
		}
		data = b
	}
	if err := s.SendPacket(codec.SIOPacket{Type: codec.SIOConnect, Namespace: ns, Data: data}); err != nil {
		return Received{}, err
	}
	r, err := s.rec.wait(ctx, from, "the CONNECT reply of "+ns, func(r Received) bool {
		return r.Err == nil && r.Packet.Namespace == ns &&
			(r.Packet.Type == codec.SIOConnect || r.Packet.Type == codec.SIOConnectError)
	})
	if err != nil {
		return r, err
	}
	if r.Packet.Type == codec.SIOConnectError {
		return r, connectError(r.Packet)
	}
	return r, nil
}

func connectError(p codec.SIOPacket) *ConnectError {
	e := &ConnectError{Namespace: p.Namespace, Raw: p.Data}
	var body struct {
		Message *string         `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if json.Unmarshal(p.Data, &body) == nil && body.Message != nil {
		e.Message, e.HasMessage = *body.Message, true
	}
	e.Data = body.Data
	return e
}

// Barrier returns once the server has answered a CONNECT to a namespace
// that does not exist: the server writes to one connection in order, so
// every packet it queued for this connection before reading that CONNECT
// has been recorded by then. It needs nothing from the app but IO-3.
func (s *Socket) Barrier(ctx context.Context) error {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	ns := "/harness-barrier-" + hex.EncodeToString(b)
	_, err := s.Connect(ctx, ns, nil)
	var refused *ConnectError
	if errors.As(err, &refused) {
		return nil
	}
	if err == nil { // a namespace accepting anything: leave it again
		return s.SendPacket(codec.SIOPacket{Type: codec.SIODisconnect, Namespace: ns})
	}
	return err
}

// Emit sends an EVENT (a BINARY_EVENT when an argument holds []byte).
func (s *Socket) Emit(event string, args ...any) error {
	return s.emit(nil, event, args)
}

// EmitWithAck sends an EVENT with a fresh ack id and waits for its ACK,
// returning the ACK's arguments.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) ([]json.RawMessage, error) {
	id := s.ack.Add(1)
	from := s.rec.len()
	if err := s.emit(&id, event, args); err != nil {
		return nil, err
	}
	r, err := s.WaitFrom(ctx, from, func(r Received) bool {
		return r.Err == nil && (r.Packet.Type == codec.SIOAck || r.Packet.Type == codec.SIOBinaryAck) &&
			r.Packet.Namespace == s.opts.Namespace && r.Packet.ID != nil && *r.Packet.ID == id
	})
	if err != nil {
		return nil, err
	}
	return r.Args, nil
}

// NextAckID reserves an ack id for a packet the case builds itself.
func (s *Socket) NextAckID() uint64 { return s.ack.Add(1) }

func (s *Socket) emit(id *uint64, event string, args []any) error {
	data, atts, err := codec.EncodeArgs(append([]any{event}, args...)...)
	if err != nil {
		return err
	}
	p := codec.SIOPacket{Type: codec.SIOEvent, Namespace: s.opts.Namespace, ID: id, Data: data}
	if len(atts) > 0 {
		p.Type, p.Attachments = codec.SIOBinaryEvent, len(atts)
	}
	if err := s.SendPacket(p); err != nil {
		return err
	}
	for _, a := range atts {
		if err := s.tr.send(codec.Bin(a)); err != nil {
			return err
		}
	}
	return nil
}

// SendPacket sends one Socket.IO packet as an Engine.IO message.
func (s *Socket) SendPacket(p codec.SIOPacket) error {
	return s.tr.send(codec.Text(codec.EIOMessage, string(codec.EncodeSIO(p))))
}

// SendText sends one raw Engine.IO text packet (type digit included).
func (s *Socket) SendText(frame string) error {
	p, err := codec.DecodeText([]byte(frame))
	if err != nil {
		return err
	}
	return s.tr.send(p)
}

// Wait returns the first recorded packet that matches, waiting for it
// until ctx ends or the connection closes.
func (s *Socket) Wait(ctx context.Context, match Predicate) (Received, error) {
	return s.WaitFrom(ctx, 0, match)
}

// WaitFrom is Wait from record index from on.
func (s *Socket) WaitFrom(ctx context.Context, from int, match Predicate) (Received, error) {
	return s.rec.wait(ctx, from, s.opts.Name+": a matching packet", match)
}

// Packets returns every recorded packet so far.
func (s *Socket) Packets() []Received { return s.rec.snapshot() }

// Len is the number of packets recorded so far (a WaitFrom index).
func (s *Socket) Len() int { return s.rec.len() }

// Events returns the recorded EVENT and BINARY_EVENT packets so far.
func (s *Socket) Events() []Received {
	var out []Received
	for _, r := range s.rec.snapshot() {
		if r.IsEvent() {
			out = append(out, r)
		}
	}
	return out
}

// Name is the socket's label in the wire log.
func (s *Socket) Name() string { return s.opts.Name }

// Options returns the options the socket was dialled with.
func (s *Socket) Options() Options { return s.opts }

// Open is the Engine.IO open packet of the session.
func (s *Socket) Open() codec.Open { return s.open }

// SID is the Socket.IO socket id of the CONNECT reply ("" before it).
func (s *Socket) SID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sid
}

// PID is the recovery session id of the CONNECT reply ("" when the server
// does not offer connection state recovery).
func (s *Socket) PID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pid
}

// Offset is the last recovery offset received ("" when none).
func (s *Socket) Offset() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offset
}

// LastPing returns when the latest ping from the server arrived, or the
// zero time before the first: a client's heartbeat rule ("no ping within
// pingInterval + pingTimeout: the connection is closed") is judged on it.
func (s *Socket) LastPing() time.Time {
	if ns := s.lastPing.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// Done is closed when the transport has ended.
func (s *Socket) Done() <-chan struct{} { return s.done }

// Disconnected reports whether the server sent DISCONNECT for the
// socket's namespace or the transport ended.
func (s *Socket) Disconnected() bool {
	select {
	case <-s.done:
		return true
	default:
	}
	for _, r := range s.rec.snapshot() {
		if r.Err == nil && r.Packet.Type == codec.SIODisconnect && r.Packet.Namespace == s.opts.Namespace {
			return true
		}
	}
	return false
}

// Close sends DISCONNECT for the namespace, then ends the transport.
func (s *Socket) Close() {
	select {
	case <-s.done:
	default:
		_ = s.SendPacket(codec.SIOPacket{Type: codec.SIODisconnect, Namespace: s.opts.Namespace})
	}
	s.tr.close()
	s.waitDone(2 * time.Second)
}

// Cut drops the connection without a DISCONNECT or close frame, as a
// network failure would (RECOV).
func (s *Socket) Cut() {
	s.tr.cut()
	s.waitDone(2 * time.Second)
}

func (s *Socket) waitDone(d time.Duration) {
	select {
	case <-s.done:
	case <-time.After(d):
	}
}

// Reconnect opens a new connection with the same options whose CONNECT
// payload is auth plus this socket's pid and last offset — the recovery
// handshake of socket.io 4.6. The packets the server replays arrive before
// the CONNECT reply and are in the new socket's record.
func (s *Socket) Reconnect(ctx context.Context, auth map[string]any) (*Socket, error) {
	payload := maps.Clone(auth)
	if payload == nil {
		payload = map[string]any{}
	}
	if pid := s.PID(); pid != "" {
		payload["pid"] = pid
	}
	if off := s.Offset(); off != "" {
		payload["offset"] = off
	}
	opts := s.opts
	opts.Name = s.opts.Name + "+"
	return Dial(ctx, s.base, payload, opts)
}

// onPacket handles one Engine.IO packet from the transport.
func (s *Socket) onPacket(p codec.EIOPacket, frame string) {
	switch {
	case p.Binary:
		s.onAttachment(p.Data, frame)
	case p.Type == codec.EIOPing:
		s.lastPing.Store(time.Now().UnixNano())
		_ = s.tr.send(codec.EIOPacket{Type: codec.EIOPong, Data: p.Data})
	case p.Type == codec.EIOMessage:
		s.onMessage(p.Data, frame)
	case p.Type == codec.EIOClose:
		s.onEnd(nil)
	}
}

func (s *Socket) onMessage(data []byte, frame string) {
	pk, err := codec.DecodeSIO(data)
	if err != nil {
		s.rec.add(Received{At: time.Now(), Frame: frame, Err: &ProtocolError{Frame: frame, Cause: err}})
		return
	}
	r := Received{At: time.Now(), Packet: pk, Frame: frame}
	if pk.Attachments > 0 {
		s.mu.Lock()
		s.pending = &r
		s.mu.Unlock()
		return
	}
	s.record(r)
}

func (s *Socket) onAttachment(data []byte, frame string) {
	s.mu.Lock()
	pend := s.pending
	if pend != nil {
		pend.Attachments = append(pend.Attachments, data)
		if len(pend.Attachments) < pend.Packet.Attachments {
			pend = nil
		} else {
			s.pending = nil
		}
	}
	s.mu.Unlock()
	switch {
	case pend != nil:
		s.record(*pend)
	case s.pendingCount() == 0:
		s.rec.add(Received{At: time.Now(), Frame: frame, Err: &ProtocolError{Frame: frame, Cause: errors.New("binary message with no packet expecting it")}})
	}
}

func (s *Socket) pendingCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		return 0
	}
	return 1
}

// record fills the decoded view of a complete packet and stores it.
func (s *Socket) record(r Received) {
	pk := r.Packet
	switch pk.Type {
	case codec.SIOEvent, codec.SIOBinaryEvent, codec.SIOAck, codec.SIOBinaryAck:
		var all []json.RawMessage
		if json.Unmarshal(pk.Data, &all) != nil {
			break
		}
		if pk.Type == codec.SIOEvent || pk.Type == codec.SIOBinaryEvent {
			_ = json.Unmarshal(all[0], &r.Event)
			all = all[1:]
		}
		r.Args = all
	}
	s.mu.Lock()
	switch {
	case pk.Type == codec.SIOConnect && pk.Namespace == s.opts.Namespace:
		var reply struct {
			SID string `json:"sid"`
			PID string `json:"pid"`
		}
		_ = json.Unmarshal(pk.Data, &reply)
		s.sid, s.pid = reply.SID, reply.PID
	case pk.Type == codec.SIOEvent && pk.ID == nil && len(r.Args) >= 2:
		// The recovery offset is the string socket.io appends to events.
		var off string
		if json.Unmarshal(r.Args[len(r.Args)-1], &off) == nil {
			s.offset = off
		}
	}
	s.mu.Unlock()
	s.rec.add(r)
}

func (s *Socket) onBadFrame(frame string, err error) {
	s.rec.add(Received{At: time.Now(), Frame: frame, Err: &ProtocolError{Frame: frame, Cause: err}})
}

func (s *Socket) onEnd(err error) {
	s.mu.Lock()
	select {
	case <-s.done:
		s.mu.Unlock()
		return
	default:
	}
	s.endErr = err
	close(s.done)
	s.mu.Unlock()
	s.rec.end(err)
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.list)
}
