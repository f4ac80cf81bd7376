package socketio

import (
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"socketlab/reference/engineio"
	"socketlab/reference/socketio/parser"
)

// conn is one Engine.IO session seen from Socket.IO: it decodes packets,
// multiplexes them over the namespaces the client joined (one Socket per
// namespace) and enforces the connection-level rules of the protocol
// (socket.io's Client class).
//
// HandleMessage is called serially by the engine, so the decoder and event
// dispatch need no lock; mu guards the namespace table, which other
// goroutines touch when sockets disconnect.
type conn struct {
	server  *Server
	session *engineio.Session
	decoder *parser.Decoder

	connectTimer *time.Timer // guarded by mu; nil once stopped

	mu      sync.Mutex
	sockets []*Socket // one per joined namespace: a short slice beats a map
	closed  bool
}

func newConn(server *Server, session *engineio.Session) *conn {
	c := &conn{
		server:  server,
		session: session,
		decoder: server.newDecoder(),
	}
	// A client that opens a session but never joins a namespace holds
	// resources for nothing: socket.io closes it after connectTimeout.
	c.mu.Lock()
	c.connectTimer = time.AfterFunc(server.opts.ConnectTimeout, c.closeIfNoNamespace)
	c.mu.Unlock()
	return c
}

func (c *conn) closeIfNoNamespace() {
	c.mu.Lock()
	idle := len(c.sockets) == 0 && !c.closed
	c.mu.Unlock()
	if idle {
		c.session.Close(ReasonForcedClose)
	}
}

// HandleMessage implements engineio.Handler.
func (c *conn) HandleMessage(data []byte, binary bool) {
	defer c.recoverHandler()
	p, err := c.decoder.Add(data, binary)
	if err != nil {
		c.violation("invalid packet", err)
		return
	}
	if p == nil {
		return // waiting for more binary attachments
	}
	c.mu.Lock()
	socket := c.socketLocked(p.Namespace)
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return
	}
	switch {
	case socket == nil && p.Type == parser.Connect:
		c.connect(p)
	case socket != nil && p.Type != parser.Connect && p.Type != parser.ConnectError:
		socket.onPacket(p)
	case socket == nil:
		c.violation("packet "+p.Type.String()+" for namespace "+p.Namespace+" that is not joined", nil)
	case p.Type == parser.Connect:
		c.violation("second CONNECT to namespace "+p.Namespace, nil)
	default:
		c.violation("CONNECT_ERROR sent by the client", nil)
	}
}

// HandleClose implements engineio.Handler: every socket of the connection
// disconnects with the engine's reason.
//
// It runs on a goroutine of its own because the engine may report a close
// from inside the Send that caused it (a full queue), that is, from inside
// some other socket's Emit or broadcast; disconnect handlers, which may
// emit themselves, must not run nested in it.
func (c *conn) HandleClose(reason string, _ error) {
	go c.handleClose(reason)
}

func (c *conn) handleClose(reason string) {
	defer c.recoverHandler()
	c.stopConnectTimer()
	c.mu.Lock()
	c.closed = true
	sockets := c.sockets
	c.sockets = nil
	c.mu.Unlock()
	for _, s := range sockets {
		s.onClose(reason)
	}
}

// recoverHandler turns a panic in application code (an event,
// connection, middleware or disconnect handler runs on this connection's
// goroutine) into a logged error and the end of this one connection: a bug
// in a handler must not take the whole server down.
func (c *conn) recoverHandler() {
	if r := recover(); r != nil {
		c.server.opts.Logger.Error("socketio: panic in handler; closing the connection",
			"panic", r, "stack", string(debug.Stack()))
		c.session.Close(ReasonForcedClose)
	}
}

// violation closes the connection of a client that broke the protocol.
// socket.io does the same: a malformed or out-of-state packet is never
// skipped, because the rest of the stream can no longer be trusted.
func (c *conn) violation(reason string, err error) {
	c.server.protocolError(&ProtocolError{Reason: reason, Err: err})
	c.session.Close(ReasonParseError)
}

func (c *conn) connect(p *parser.Packet) {
	nsp := c.server.namespace(p.Namespace)
	if nsp == nil {
		c.sendConnectError(p.Namespace, &ConnectError{Message: "Invalid namespace"})
		return
	}
	auth, _ := p.Data.(map[string]any)
	if auth == nil {
		auth = map[string]any{}
	}
	socket := newSocket(nsp, c, newHandshake(c.session, auth))
	if err := nsp.runMiddlewares(socket); err != nil {
		c.sendConnectError(p.Namespace, err)
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.sockets = append(c.sockets, socket)
	c.mu.Unlock()
	c.stopConnectTimer()
	nsp.add(socket, auth)
	// The session may have closed while the socket was joining; HandleClose
	// then ran before the socket counted as connected, so finish the job.
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		socket.onClose(ReasonTransportClose)
	}
}

func (c *conn) sendConnectError(namespace string, err error) {
	// A struct keeps socket.io's field order: {"message":...,"data":...}.
	payload := connectErrorPayload{Message: err.Error()}
	if ce, ok := err.(*ConnectError); ok {
		payload.Data = ce.Data
	}
	_ = c.sendPacket(&parser.Packet{Type: parser.ConnectError, Namespace: namespace, ID: -1, Data: payload})
}

func (c *conn) sendPacket(p *parser.Packet) error {
	msgs, err := encodeMessages(p)
	if err != nil {
		return err
	}
	return c.session.Send(msgs...)
}

// socketLocked returns the socket joined to namespace, or nil. Caller
// holds mu.
func (c *conn) socketLocked(namespace string) *Socket {
	for _, s := range c.sockets {
		if s.nsp.name == namespace {
			return s
		}
	}
	return nil
}

// remove forgets a socket that left its namespace; the Engine.IO session
// stays open, as in socket.io, so the client may join again.
func (c *conn) remove(s *Socket) {
	c.mu.Lock()
	if i := slices.Index(c.sockets, s); i >= 0 {
		c.sockets = slices.Delete(c.sockets, i, i+1)
	}
	c.mu.Unlock()
}

// closeAll closes the whole connection (Socket.Disconnect(true)).
func (c *conn) closeAll(reason string) {
	c.session.Close(reason)
}

// encodeMessages turns a packet into the Engine.IO messages that carry it:
// the text packet, then one binary message per attachment. The messages
// can be sent to any number of sessions; each is encoded for the wire once.
func encodeMessages(p *parser.Packet) ([]*engineio.Message, error) {
	text, attachments, err := parser.Encode(p)
	if err != nil {
		return nil, err
	}
	msgs := make([]*engineio.Message, 0, 1+len(attachments))
	msgs = append(msgs, engineio.NewTextMessage(string(text)))
	for _, a := range attachments {
		msgs = append(msgs, engineio.NewBinaryMessage(a))
	}
	return msgs, nil
}

type connectErrorPayload struct {
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// stopConnectTimer stops and forgets the connect timeout: an idle
// connection then holds no timer at all.
func (c *conn) stopConnectTimer() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.connectTimer != nil {
		c.connectTimer.Stop()
		c.connectTimer = nil
	}
}
