package client

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"socketlab/reference/engineio"
	"socketlab/reference/socketio/parser"
)

// Socket is socket.io-client's Socket: the client's membership of one
// namespace, over its Manager's connection. It is safe for concurrent use.
//
// Handlers (On, OnAny, OnConnect, OnConnectError, OnDisconnect, and the
// AckFuncs of emits) run one at a time, in order, on the Manager's
// executor goroutine, never with a lock held: they may call any method.
type Socket struct {
	m          *Manager
	nsp        string
	auth       any
	ackTimeout time.Duration

	// Everything below is guarded by m.mu.

	subscribed bool // socket.io-client's "active": subscribed to the Manager
	id         string
	connected  bool
	recovered  bool
	pid        string // connection state recovery: the session's private id
	lastOffset string // the offset of the last event received
	hasOffset  bool

	receiveBuffer []*Event
	sendBuffer    []*outPacket
	ids           int64
	acks          map[int64]*pendingAck

	handlers       map[string][]func(*Event)
	anyHandlers    []func(*Event)
	onConnect      []func()
	onConnectError []func(*ConnectError)
	onDisconnect   []func(reason string)
}

// outPacket is an encoded EVENT waiting in the send buffer.
type outPacket struct {
	id   int64 // ack id or parser.NoAckID
	msgs []*engineio.Message
}

type pendingAck struct {
	fn    AckFunc
	timer *mtimer // nil without timeout
}

// v2Message is socket.io-client's connect_error when a CONNECT reply has
// no sid (a Socket.IO v2 server).
const v2Message = "It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible (more information here: https://socket.io/docs/v3/migrating-from-2-x-to-3-0/)"

func newSocket(m *Manager, nsp string, opts SocketOptions) *Socket {
	s := &Socket{
		m:          m,
		nsp:        nsp,
		auth:       opts.Auth,
		ackTimeout: opts.AckTimeout,
		acks:       make(map[int64]*pendingAck),
		handlers:   make(map[string][]func(*Event)),
	}
	if s.auth == nil {
		s.auth = m.opts.Auth
	}
	if s.ackTimeout <= 0 {
		s.ackTimeout = m.opts.AckTimeout
	}
	return s
}

// ------------------------------------------------------------ accessors

// Namespace is the socket's namespace, e.g. "/" or "/admin".
func (s *Socket) Namespace() string { return s.nsp }

// Manager is the Manager whose connection the socket uses.
func (s *Socket) Manager() *Manager { return s.m }

// ID is the socket id the server assigned in its CONNECT reply; "" until
// connected and after a disconnection.
func (s *Socket) ID() string {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.id
}

// Connected reports whether the socket is connected to its namespace.
func (s *Socket) Connected() bool {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.connected
}

// Active reports whether the socket is subscribed to its Manager: it will
// (re)connect whenever the connection (re)opens. False after Disconnect,
// a server-side disconnect or a refused CONNECT.
func (s *Socket) Active() bool {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.subscribed
}

// Recovered reports whether the last CONNECT restored the previous session
// (connection state recovery): socket.io-client's
// `recovered = pid && this._pid === pid`, the CONNECT reply carrying the
// same private session id as the previous one.
func (s *Socket) Recovered() bool {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.recovered
}

// --------------------------------------------------------------- handlers

// On registers a handler for the event called name. Several handlers for
// one name run in registration order, after the OnAny handlers.
func (s *Socket) On(name string, h func(e *Event)) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.handlers[name] = append(s.handlers[name], h)
}

// OnAny registers a handler for every event, called before the handlers
// registered with On.
func (s *Socket) OnAny(h func(e *Event)) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.anyHandlers = append(s.anyHandlers, h)
}

// OnConnect registers a handler called each time the socket joins its
// namespace (first connection and every reconnection).
func (s *Socket) OnConnect(h func()) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.onConnect = append(s.onConnect, h)
}

// OnConnectError registers a handler called when the namespace refused the
// socket or the connection could not be (re)established.
func (s *Socket) OnConnectError(h func(err *ConnectError)) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.onConnectError = append(s.onConnectError, h)
}

// OnDisconnect registers a handler called with the reason when the socket
// leaves its namespace: "io server disconnect" (the server disconnected
// it: no automatic reconnection), "io client disconnect" (Disconnect),
// "transport close", "transport error", "ping timeout", "parse error", or
// "forced close" (Manager.Close). After the last four the socket
// reconnects by itself when the Manager does.
func (s *Socket) OnDisconnect(h func(reason string)) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.onDisconnect = append(s.onDisconnect, h)
}

// ------------------------------------------------------ connect/disconnect

// Connect connects the socket: opens the Manager's connection if needed
// and joins the namespace. Sockets connect by themselves when created
// (AutoConnect); Connect is for after Disconnect, a server-side disconnect
// or a refused CONNECT.
func (s *Socket) Connect() { s.m.do(s.connect) }

// Disconnect leaves the namespace: sends DISCONNECT if connected, reason
// "io client disconnect", and stops reconnecting; the Manager's connection
// closes once no socket uses it. Emits made afterwards are buffered until
// Connect.
func (s *Socket) Disconnect() {
	s.m.do(func() {
		if s.connected {
			s.packet(&parser.Packet{Type: parser.Disconnect, ID: parser.NoAckID})
		}
		s.destroy()
		if s.connected {
			s.onclose("io client disconnect")
		}
	})
}

// connect is socket.io-client's Socket.connect.
func (s *Socket) connect() {
	if s.connected {
		return
	}
	s.subEvents()
	m := s.m
	if !m.reconnecting {
		m.open(nil)
	}
	if m.state == stateOpen {
		s.onopen()
	}
}

func (s *Socket) subEvents() {
	if s.subscribed {
		return
	}
	s.subscribed = true
	m := s.m
	m.openL = append(m.openL, mlistener{sock: s})
	m.packetL = append(m.packetL, s)
	m.errorL = append(m.errorL, mlistener{sock: s})
	m.closeL = append(m.closeL, mlistener{sock: s})
}

// destroy is socket.io-client's Socket.destroy.
func (s *Socket) destroy() {
	if s.subscribed {
		s.subscribed = false
		m := s.m
		isMine := func(l mlistener) bool { return l.sock == s }
		m.openL = slices.DeleteFunc(m.openL, isMine)
		m.errorL = slices.DeleteFunc(m.errorL, isMine)
		m.closeL = slices.DeleteFunc(m.closeL, isMine)
		m.packetL = slices.DeleteFunc(m.packetL, func(o *Socket) bool { return o == s })
	}
	s.m.destroySocket(s)
}

// onopen sends the CONNECT packet (socket.io-client's Socket.onopen). An
// auth callback runs without the lock, then the packet is sent if the same
// connection is still open.
func (s *Socket) onopen() {
	m := s.m
	var eval func() any
	switch a := s.auth.(type) {
	case func() any:
		eval = a
	case func() map[string]any:
		eval = func() any { return a() }
	default:
		s.sendConnectPacket(s.auth)
		return
	}
	ec := m.eng
	m.queue(func() {
		var data any
		m.safeCall(func() { data = eval() })
		m.inline(func() {
			if m.eng == ec && m.state == stateOpen {
				s.sendConnectPacket(data)
			}
		})
	})
}

func (s *Socket) sendConnectPacket(data any) {
	if s.pid != "" {
		// Object.assign({pid, offset}, auth): the auth keys win.
		merged := map[string]any{"pid": s.pid}
		if s.hasOffset {
			merged["offset"] = s.lastOffset
		}
		for k, v := range objectOf(data) {
			merged[k] = v
		}
		data = merged
	}
	if err := s.packet(&parser.Packet{Type: parser.Connect, ID: parser.NoAckID, Data: data}); err != nil {
		s.emitConnectError(&ConnectError{Message: err.Error(), Cause: err})
	}
}

// objectOf returns the keys of an auth payload: a map as it is, anything
// else through JSON (a struct, a map of another type); nil when it is not
// a JSON object.
func objectOf(v any) map[string]any {
	switch v := v.(type) {
	case nil:
		return nil
	case map[string]any:
		return v
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	return obj
}

// packet encodes and writes a packet of this namespace.
func (s *Socket) packet(p *parser.Packet) error {
	p.Namespace = s.nsp
	msgs, err := encode(p)
	if err != nil {
		return err
	}
	s.m.write(msgs)
	return nil
}

// onerror: a Manager error, reported as connect_error until connected.
func (s *Socket) onerror(err error) {
	if !s.connected {
		s.emitConnectError(&ConnectError{Message: err.Error(), Cause: err})
	}
}

// onclose is socket.io-client's Socket.onclose (it emits "disconnect"
// even when the socket was not connected yet, as socket.io-client does).
func (s *Socket) onclose(reason string) {
	s.connected = false
	s.id = ""
	for _, h := range s.onDisconnect {
		s.m.queue(func() { h(reason) })
	}
	s.clearAcks()
}

// clearAcks fails the acknowledgements still awaited, except those of
// packets still in the send buffer (they will be sent on reconnection).
// socket.io-client calls only the callbacks that take an error
// (emitWithAck, timeout); every AckFunc takes one.
func (s *Socket) clearAcks() {
	ids := make([]int64, 0, len(s.acks))
	for id := range s.acks {
		if !slices.ContainsFunc(s.sendBuffer, func(p *outPacket) bool { return p.id == id }) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids) // Object.keys order
	for _, id := range ids {
		pa := s.acks[id]
		delete(s.acks, id)
		if pa.timer != nil {
			pa.timer.clear()
		}
		fn := pa.fn
		s.m.queue(func() { fn(nil, ErrDisconnected) })
	}
}

func (s *Socket) emitConnectError(err *ConnectError) {
	for _, h := range s.onConnectError {
		s.m.queue(func() { h(err) })
	}
}

// onpacket is socket.io-client's Socket.onpacket.
func (s *Socket) onpacket(p *parser.Packet) {
	if p.Namespace != s.nsp {
		return
	}
	switch p.Type {
	case parser.Connect:
		data, _ := p.Data.(map[string]any)
		if sid, _ := data["sid"].(string); sid != "" {
			pid, _ := data["pid"].(string)
			s.onconnect(sid, pid)
		} else {
			s.emitConnectError(&ConnectError{Message: v2Message})
		}
	case parser.Event, parser.BinaryEvent:
		s.onevent(p)
	case parser.Ack, parser.BinaryAck:
		s.onack(p)
	case parser.Disconnect:
		s.ondisconnect()
	case parser.ConnectError:
		s.destroy()
		ce := &ConnectError{}
		switch d := p.Data.(type) {
		case map[string]any:
			switch msg := d["message"].(type) {
			case string:
				ce.Message = msg
			case nil:
			default:
				ce.Message = fmt.Sprint(msg)
			}
			ce.Data = d["data"]
		case string:
			// socket.io 2 style; socket.io-client reads data.message
			// (undefined): keeping the text is more useful.
			ce.Message = d
		}
		s.emitConnectError(ce)
	}
}

func (s *Socket) onevent(p *parser.Packet) {
	args, _ := p.Data.([]any)
	if len(args) == 0 {
		return
	}
	name, _ := args[0].(string)
	ev := &Event{Name: name, Args: args[1:], socket: s, ackID: p.ID}
	if s.connected {
		s.emitEvent(ev)
	} else {
		s.receiveBuffer = append(s.receiveBuffer, ev)
	}
}

// emitEvent delivers an event to the handlers and, with a recovery
// session, remembers its last argument as the offset when it is a string
// (socket.io-client looks at the whole [name, ...args] array, ack callback
// included: an event asking for an ack never updates the offset).
func (s *Socket) emitEvent(ev *Event) {
	m := s.m
	for _, h := range s.anyHandlers {
		m.queue(func() { h(ev) })
	}
	for _, h := range s.handlers[ev.Name] {
		m.queue(func() { h(ev) })
	}
	if s.pid != "" && !ev.HasAck() {
		last := any(ev.Name)
		if n := len(ev.Args); n > 0 {
			last = ev.Args[n-1]
		}
		if offset, ok := last.(string); ok {
			s.lastOffset, s.hasOffset = offset, true
		}
	}
}

func (s *Socket) onack(p *parser.Packet) {
	pa := s.acks[p.ID]
	if pa == nil {
		return // unknown id, or answered already / timed out
	}
	delete(s.acks, p.ID)
	if pa.timer != nil {
		pa.timer.clear()
	}
	args, _ := p.Data.([]any)
	if args == nil {
		args = []any{}
	}
	fn := pa.fn
	s.m.queue(func() { fn(args, nil) })
}

// onconnect is socket.io-client's Socket.onconnect: the buffered events
// are delivered, then the buffered emits sent, then "connect" emitted.
func (s *Socket) onconnect(id, pid string) {
	s.id = id
	s.recovered = pid != "" && s.pid == pid
	s.pid = pid // "" unless connection state recovery is on
	s.connected = true
	received := s.receiveBuffer
	s.receiveBuffer = nil
	for _, ev := range received {
		s.emitEvent(ev)
	}
	sends := s.sendBuffer
	s.sendBuffer = nil
	for _, p := range sends {
		s.m.write(p.msgs)
	}
	for _, h := range s.onConnect {
		s.m.queue(h)
	}
}

func (s *Socket) ondisconnect() {
	s.destroy()
	s.onclose("io server disconnect")
}

// ------------------------------------------------------------------ emit

// Emit sends an event to the namespace. Arguments are any values
// encoding/json accepts, with []byte values (at top level or inside []any
// and map[string]any) sent as binary attachments. When the last argument
// is an AckFunc, the server is asked to acknowledge and the function gets
// its reply, or ErrAckTimeout (with a timeout: Timeout, AckTimeout) or
// ErrDisconnected.
//
// While the socket is not connected the packet is buffered and sent, in
// order, once it connects (socket.io-client's sendBuffer). Emit never
// blocks on the network. It returns ErrReservedEvent for the names
// reserved by the protocol and an encoding error for arguments that
// encoding/json rejects; nothing is sent then.
func (s *Socket) Emit(event string, args ...any) error {
	_, err := s.emit(event, args, s.ackTimeout, s.ackTimeout > 0)
	return err
}

// Timeout returns an emitter whose acknowledgements fail with
// ErrAckTimeout when no reply arrives within d (socket.io-client's
// socket.timeout(d).emit). The timer starts at the emit, buffered or not.
func (s *Socket) Timeout(d time.Duration) *Emitter {
	return &Emitter{socket: s, timeout: d}
}

// EmitWithAck emits an event asking for an acknowledgement and waits for
// it (socket.io-client's emitWithAck): it returns the server's reply, or
// ErrAckTimeout (AckTimeout), ErrDisconnected, or ctx's error, in which
// case the packet is dropped from the send buffer if still there and a
// late reply is ignored.
//
// Do not call it from a handler of the same Manager without a deadline:
// the reply is delivered by the executor that the handler is blocking.
// Use an AckFunc there.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) ([]any, error) {
	return s.emitWithAck(ctx, event, args, s.ackTimeout, s.ackTimeout > 0)
}

// Emitter emits with an acknowledgement timeout (see Socket.Timeout).
type Emitter struct {
	socket  *Socket
	timeout time.Duration
}

// Emit is Socket.Emit with the emitter's acknowledgement timeout (the
// AckFunc gets ErrAckTimeout when no reply came in time).
func (e *Emitter) Emit(event string, args ...any) error {
	_, err := e.socket.emit(event, args, e.timeout, true)
	return err
}

// EmitWithAck is Socket.EmitWithAck with the emitter's timeout
// (socket.io-client's socket.timeout(d).emitWithAck).
func (e *Emitter) EmitWithAck(ctx context.Context, event string, args ...any) ([]any, error) {
	return e.socket.emitWithAck(ctx, event, args, e.timeout, true)
}

// splitAck separates a trailing AckFunc from the arguments.
func splitAck(args []any) ([]any, AckFunc) {
	if n := len(args); n > 0 {
		switch fn := args[n-1].(type) {
		case AckFunc:
			return args[:n-1], fn
		case func([]any, error):
			return args[:n-1], AckFunc(fn)
		}
	}
	return args, nil
}

// emit is socket.io-client's Socket.emit; withTimeout arms an ack timer
// (flags.timeout ?? opts.ackTimeout), which fires at once if timeout <= 0.
func (s *Socket) emit(event string, args []any, timeout time.Duration, withTimeout bool) (int64, error) {
	if slices.Contains(parser.ReservedEvents, event) {
		return parser.NoAckID, ErrReservedEvent
	}
	args, ack := splitAck(args)
	m := s.m
	id := parser.NoAckID
	if ack != nil {
		m.mu.Lock()
		id = s.ids
		s.ids++
		m.mu.Unlock()
	}
	data := make([]any, 0, 1+len(args))
	data = append(data, event)
	data = append(data, args...)
	msgs, err := encode(&parser.Packet{Type: parser.Event, Namespace: s.nsp, ID: id, Data: data})
	if err != nil {
		return parser.NoAckID, err
	}
	m.do(func() {
		if ack != nil {
			s.registerAck(id, ack, timeout, withTimeout)
		}
		if s.connected {
			m.write(msgs)
		} else {
			s.sendBuffer = append(s.sendBuffer, &outPacket{id: id, msgs: msgs})
		}
	})
	return id, nil
}

// registerAck is socket.io-client's _registerAckCallback: with a timeout,
// a timer drops the ack (and the packet, if still buffered) and calls it
// with ErrAckTimeout.
func (s *Socket) registerAck(id int64, fn AckFunc, timeout time.Duration, withTimeout bool) {
	pa := &pendingAck{fn: fn}
	s.acks[id] = pa
	if !withTimeout {
		return
	}
	pa.timer = s.m.setTimeout(timeout, func() {
		if s.acks[id] != pa {
			return
		}
		s.dropAck(id)
		s.m.queue(func() { fn(nil, ErrAckTimeout) })
	})
}

// dropAck forgets an ack and removes its packet from the send buffer.
func (s *Socket) dropAck(id int64) {
	if pa := s.acks[id]; pa != nil {
		delete(s.acks, id)
		if pa.timer != nil {
			pa.timer.clear()
		}
	}
	s.sendBuffer = slices.DeleteFunc(s.sendBuffer, func(p *outPacket) bool { return p.id == id })
}

type ackReply struct {
	args []any
	err  error
}

func (s *Socket) emitWithAck(ctx context.Context, event string, args []any, timeout time.Duration, withTimeout bool) ([]any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	done := make(chan ackReply, 1)
	fn := AckFunc(func(args []any, err error) { done <- ackReply{args, err} })
	id, err := s.emit(event, append(args[:len(args):len(args)], fn), timeout, withTimeout)
	if err != nil {
		return nil, err
	}
	select {
	case r := <-done:
		return r.args, r.err
	case <-ctx.Done():
		s.m.do(func() { s.dropAck(id) })
		select {
		case r := <-done: // the reply won the race
			return r.args, r.err
		default:
			return nil, ctx.Err()
		}
	}
}
