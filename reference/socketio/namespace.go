package socketio

import (
	"sync"

	"socketlab/reference/engineio"
)

// Middleware runs when a socket asks to join a namespace, before it is
// connected. Returning an error refuses the connection: the client gets a
// CONNECT_ERROR carrying the error (see ConnectError). A middleware may
// set Socket.Data. Middlewares run one after the other on the connection's
// goroutine; the first error stops the chain.
type Middleware func(s *Socket) error

// Namespace is a communication channel multiplexed over the connections
// (socket.io's Namespace). Sockets join it with a CONNECT packet; it owns
// their rooms.
type Namespace struct {
	name    string
	server  *Server
	adapter *adapter

	recovery *recoveryStore // nil when connection state recovery is off

	mu           sync.RWMutex
	middlewares  []Middleware
	onConnection []func(*Socket)
	sockets      map[string]*Socket
}

func newNamespace(server *Server, name string) *Namespace {
	n := &Namespace{
		name:    name,
		server:  server,
		adapter: newAdapter(),
		sockets: make(map[string]*Socket),
	}
	if opts := server.opts.Recovery; opts != nil {
		n.recovery = newRecoveryStore(*opts)
	}
	return n
}

// Name is the namespace's name, e.g. "/" or "/admin".
func (n *Namespace) Name() string { return n.name }

// Use appends a connection middleware.
func (n *Namespace) Use(m Middleware) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.middlewares = append(n.middlewares, m)
}

// OnConnection registers a handler called for each socket that joined the
// namespace, after its CONNECT reply has been queued. Register the
// socket's event handlers there: events the client sends are dispatched
// only after the connection handlers have returned.
func (n *Namespace) OnConnection(h func(*Socket)) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.onConnection = append(n.onConnection, h)
}

func (n *Namespace) runMiddlewares(s *Socket) error {
	n.mu.RLock()
	chain := n.middlewares
	n.mu.RUnlock()
	for _, m := range chain {
		if err := m(s); err != nil {
			return err
		}
	}
	return nil
}

// add connects s: it joins its own room, the client is told its id, and
// the connection handlers run. With recovery on, a socket presenting the
// pid of a recent session (and the same owner) is restored instead: same
// id, same rooms, and the packets it missed are queued before the CONNECT
// reply, as socket.io does.
func (n *Namespace) add(s *Socket, auth map[string]any) {
	st := n.recovery
	if st == nil {
		n.register(s, nil)
		s.markConnected(nil)
	} else {
		pid, _ := auth["pid"].(string)
		offset, hasOffset := auth["offset"].(string)
		owner := st.owner(s)
		if pid != "" {
			// The client may be back before the server noticed its old
			// connection die: take that socket over rather than wait for
			// its ping timeout (owner checked, so only its own user can).
			if old := st.liveSocket(pid, owner); old != nil && old != s {
				old.onClose(ReasonTransportClose)
				old.conn.closeAll(ReasonTransportClose)
			}
		}
		st.emitMu.Lock()
		var session *persistedSession
		var missed []*engineio.Message
		if pid != "" {
			session, missed = st.restore(pid, offset, hasOffset, owner)
		}
		if session != nil {
			s.id, s.pid, s.recovered = session.sid, session.pid, true
			n.register(s, session.rooms)
		} else {
			s.pid = randomToken(15)
			n.register(s, nil)
		}
		s.connectSeq = st.currentSeq()
		st.mu.Lock()
		st.live[s.pid] = s
		st.mu.Unlock()
		s.markConnected(missed)
		st.emitMu.Unlock()
	}

	n.mu.RLock()
	handlers := n.onConnection
	n.mu.RUnlock()
	for _, h := range handlers {
		h(s)
	}
}

// register makes s a member of the namespace: its id room and rooms.
func (n *Namespace) register(s *Socket, rooms []string) {
	n.mu.Lock()
	n.sockets[s.id] = s
	n.mu.Unlock()
	n.adapter.addSocket(s)
	n.adapter.addAll(s, rooms...)
}

func (n *Namespace) remove(s *Socket) {
	n.adapter.delAll(s)
	n.mu.Lock()
	if n.sockets[s.id] == s {
		delete(n.sockets, s.id)
	}
	n.mu.Unlock()
}

// Socket returns the connected socket with id, or nil.
func (n *Namespace) Socket(id string) *Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.sockets[id]
}

// Sockets returns the connected sockets (a snapshot).
func (n *Namespace) Sockets() []*Socket {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Socket, 0, len(n.sockets))
	for _, s := range n.sockets {
		out = append(out, s)
	}
	return out
}

// Len is the number of connected sockets.
func (n *Namespace) Len() int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return len(n.sockets)
}

// RoomSize is the number of sockets in room.
func (n *Namespace) RoomSize(room string) int { return n.adapter.roomSize(room) }

// To selects rooms for a broadcast (the union of all rooms named in the
// chain: a socket in several of them gets the event once).
func (n *Namespace) To(rooms ...string) *BroadcastOperator {
	return (&BroadcastOperator{nsp: n}).To(rooms...)
}

// In is an alias of To.
func (n *Namespace) In(rooms ...string) *BroadcastOperator { return n.To(rooms...) }

// Except excludes every socket in rooms from a broadcast.
func (n *Namespace) Except(rooms ...string) *BroadcastOperator {
	return (&BroadcastOperator{nsp: n}).Except(rooms...)
}

// Emit sends an event to every socket of the namespace.
func (n *Namespace) Emit(event string, args ...any) error {
	return (&BroadcastOperator{nsp: n}).Emit(event, args...)
}

// DisconnectSockets disconnects every socket of the namespace (close:
// also close their connections).
func (n *Namespace) DisconnectSockets(close bool) {
	for _, s := range n.Sockets() {
		s.Disconnect(close)
	}
}
