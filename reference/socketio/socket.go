package socketio

import (
	"runtime/debug"
	"sync"

	"socketlab/reference/engineio"
	"socketlab/reference/socketio/parser"
)

// Socket is one client's membership of one namespace (socket.io's
// server-side Socket). It is created by a CONNECT packet, lives until
// either side disconnects the namespace or the connection closes, and is
// safe for concurrent use.
//
// Event handlers run on the connection's goroutine, one event at a time
// and in the order the client sent them; a handler that blocks delays that
// client's next events (and only that client's). Hand long work to another
// goroutine.
type Socket struct {
	id        string
	nsp       *Namespace
	conn      *conn
	handshake *Handshake

	// Data is free for the application, typically set by a middleware
	// (for example the claims of a verified token) and read by handlers.
	// The server never touches it.
	Data any

	// Connection state recovery (see RecoveryOptions); set before the
	// socket is connected, read-only afterwards.
	pid        string
	connectSeq uint64
	recovered  bool

	// rooms the socket joined besides its id room; guarded by
	// nsp.adapter.mu (see adapter).
	rooms []string

	mu              sync.Mutex
	connected       bool
	handlers        map[string][]func(*Event)
	anyHandlers     []func(*Event)
	middlewares     []func(*Event) error
	onDisconnecting []func(reason string)
	onDisconnect    []func(reason string)
	onError         []func(error)
	acks            ackTable
}

func newSocket(nsp *Namespace, c *conn, h *Handshake) *Socket {
	s := &Socket{
		id:        newSocketID(),
		nsp:       nsp,
		conn:      c,
		handshake: h,
	}
	s.acks.logPanic = func(r any) {
		c.server.opts.Logger.Error("socketio: panic in acknowledgement callback", "panic", r, "stack", string(debug.Stack()))
	}
	return s
}

// ID is the socket's id, unique among sockets, distinct from the Engine.IO
// session id, and the name of a room that only this socket is in.
func (s *Socket) ID() string { return s.id }

// Namespace is the namespace the socket belongs to.
func (s *Socket) Namespace() *Namespace { return s.nsp }

// Handshake describes the CONNECT packet and HTTP request behind s.
func (s *Socket) Handshake() *Handshake { return s.handshake }

// Transport is the connection's current Engine.IO transport
// ("polling" or "websocket").
func (s *Socket) Transport() string { return s.conn.session.Transport() }

// EngineID is the Engine.IO session id of the socket's connection. Keep
// it private: with polling it is the session's credential.
func (s *Socket) EngineID() string { return s.conn.session.ID() }

// Recovered reports whether the socket restored a previous session
// (connection state recovery): same id and rooms, missed events replayed.
func (s *Socket) Recovered() bool { return s.recovered }

// Connected reports whether the socket is still in its namespace.
func (s *Socket) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// markConnected queues the missed packets of a restored session, then
// the CONNECT reply: {"sid"} or, with recovery on, {"sid","pid"}.
func (s *Socket) markConnected(missed []*engineio.Message) {
	s.mu.Lock()
	s.connected = true
	s.mu.Unlock()
	if len(missed) > 0 {
		_ = s.conn.session.Send(missed...)
	}
	reply := connectReply{SID: s.id, PID: s.pid}
	_ = s.conn.sendPacket(&parser.Packet{Type: parser.Connect, Namespace: s.nsp.name, ID: -1, Data: reply})
}

type connectReply struct {
	SID string `json:"sid"`
	PID string `json:"pid,omitempty"`
}

// On registers a handler for the event called name. Several handlers for
// one name run in registration order.
func (s *Socket) On(name string, h func(*Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handlers == nil {
		s.handlers = make(map[string][]func(*Event))
	}
	s.handlers[name] = append(s.handlers[name], h)
}

// OnAny registers a handler for every event, called before the handlers
// registered with On.
func (s *Socket) OnAny(h func(*Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.anyHandlers = append(s.anyHandlers, h)
}

// Use adds a per-packet middleware: it sees each incoming event before
// the handlers and may refuse it by returning an error, in which case the
// event is dropped and the OnError handlers receive the error.
func (s *Socket) Use(m func(*Event) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.middlewares = append(s.middlewares, m)
}

// OnDisconnecting registers a handler called when the socket is about to
// disconnect, while it is still in its rooms.
func (s *Socket) OnDisconnecting(h func(reason string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onDisconnecting = append(s.onDisconnecting, h)
}

// OnDisconnect registers a handler called once the socket has left its
// namespace, with the reason (see the Reason constants).
func (s *Socket) OnDisconnect(h func(reason string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onDisconnect = append(s.onDisconnect, h)
}

// OnError registers a handler for errors raised by per-packet middleware.
func (s *Socket) OnError(h func(error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onError = append(s.onError, h)
}

// Join adds the socket to rooms. Only the server decides room membership:
// nothing a client sends joins a room unless a handler calls Join.
func (s *Socket) Join(rooms ...string) {
	if !s.Connected() {
		return
	}
	s.nsp.adapter.addAll(s, rooms...)
}

// Leave removes the socket from room.
func (s *Socket) Leave(room string) { s.nsp.adapter.del(s, room) }

// Rooms lists the rooms the socket is in, its own id room included.
func (s *Socket) Rooms() []string { return s.nsp.adapter.socketRooms(s) }

// InRoom reports whether the socket is in room.
func (s *Socket) InRoom(room string) bool { return s.nsp.adapter.has(s, room) }

// To starts a broadcast to rooms that excludes this socket (socket.io's
// socket.to(room).emit).
func (s *Socket) To(rooms ...string) *BroadcastOperator {
	return s.Broadcast().To(rooms...)
}

// Except starts a broadcast to the whole namespace that excludes this
// socket and every socket in rooms.
func (s *Socket) Except(rooms ...string) *BroadcastOperator {
	return s.Broadcast().Except(rooms...)
}

// Broadcast starts a broadcast to every socket of the namespace but this
// one.
func (s *Socket) Broadcast() *BroadcastOperator {
	return &BroadcastOperator{nsp: s.nsp, t: target{exclude: s}}
}

// Disconnect makes the server leave the namespace: the client receives a
// DISCONNECT packet and the socket's disconnect reason is "server
// namespace disconnect". With close, the whole connection is closed too,
// which disconnects the client's other namespaces ("forced server close").
func (s *Socket) Disconnect(close bool) {
	if !s.Connected() {
		return
	}
	_ = s.conn.sendPacket(&parser.Packet{Type: parser.Disconnect, Namespace: s.nsp.name, ID: -1})
	s.onClose(ReasonServerNamespaceDisconnect)
	if close {
		s.conn.closeAll(ReasonForcedServerClose)
	}
}

// onPacket handles a packet for this socket's namespace (never CONNECT or
// CONNECT_ERROR: the connection rejects those).
func (s *Socket) onPacket(p *parser.Packet) {
	switch p.Type {
	case parser.Event, parser.BinaryEvent:
		args, _ := p.Data.([]any) // the decoder guarantees a non-empty array
		name, _ := args[0].(string)
		s.dispatch(&Event{Name: name, Args: args[1:], socket: s, ackID: p.ID})
	case parser.Ack, parser.BinaryAck:
		args, _ := p.Data.([]any)
		s.acks.resolve(p.ID, args)
	case parser.Disconnect:
		s.onClose(ReasonClientNamespaceDisconnect)
	}
}

func (s *Socket) dispatch(e *Event) {
	s.mu.Lock()
	middlewares := s.middlewares
	anyHandlers := s.anyHandlers
	handlers := s.handlers[e.Name]
	onError := s.onError
	s.mu.Unlock()
	for _, m := range middlewares {
		if err := m(e); err != nil {
			for _, h := range onError {
				h(err)
			}
			return
		}
	}
	for _, h := range anyHandlers {
		h(e)
	}
	for _, h := range handlers {
		h(e)
	}
}

// onClose disconnects the socket once: disconnecting handlers (rooms still
// there), leave every room and the namespace, fail pending acks,
// disconnect handlers.
func (s *Socket) onClose(reason string) {
	s.mu.Lock()
	if !s.connected {
		s.mu.Unlock()
		return
	}
	s.connected = false
	disconnecting := s.onDisconnecting
	disconnect := s.onDisconnect
	s.mu.Unlock()

	for _, h := range disconnecting {
		h(reason)
	}
	if st := s.nsp.recovery; st != nil {
		if recoverableReasons[reason] {
			st.persist(s, s.Rooms())
		} else {
			st.forget(s)
		}
	}
	s.nsp.remove(s)
	s.conn.remove(s)
	s.acks.failAll(ErrDisconnected)
	for _, h := range disconnect {
		h(reason)
	}
}
