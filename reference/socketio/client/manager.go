package client

import (
	"context"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"socketlab/reference/engineio"
	"socketlab/reference/socketio/backoff"
	"socketlab/reference/socketio/parser"
)

// readyState is the Manager's _readyState.
type readyState uint8

const (
	stateClosed readyState = iota
	stateOpening
	stateOpen
)

// Manager is socket.io-client's Manager: one Engine.IO connection to a
// server, shared by the sockets of several namespaces, that reconnects
// with an exponential backoff when it breaks.
//
// It is safe for concurrent use. Its state is guarded by one mutex, the
// counterpart of JavaScript's single thread; handlers are never called
// with it held: they run one at a time on the Manager's executor.
type Manager struct {
	opts   Options // with defaults
	target target
	exec   executor

	mu            sync.Mutex
	state         readyState
	reconnection  bool
	skipReconnect bool
	reconnecting  bool
	backoff       *backoff.Backoff
	subs          []func() // undone by cleanup(), like socket.io-client's subs
	eng           *engineConn
	decoder       parser.Decoder
	nsps          map[string]*Socket

	// Listeners of the Manager's events, sockets (internal subscriptions,
	// see Socket.subEvents) and user handlers in registration order, as
	// on socket.io-client's emitter.
	openL   []mlistener
	errorL  []mlistener
	closeL  []mlistener
	packetL []*Socket

	onReconnectAttempt []func(attempt int)
	onReconnect        []func(attempt int)
	onReconnectError   []func(err error)
	onReconnectFailed  []func()

	// pending holds what must run without the mutex, in order: user
	// handlers and a few actions (closing an engine, evaluating an auth
	// callback). Whoever took the mutex runs them (on the executor) or
	// posts them to the executor once it has released it.
	pending []func()
}

type mlistener struct {
	sock  *Socket
	open  func()
	err   func(error)
	close func(reason string)
}

// NewManager returns a Manager for rawURL's origin (its path is ignored;
// Options.Path says where Socket.IO is served). With AutoConnect (the
// default) it starts opening the connection right away, as
// socket.io-client's Manager does.
func NewManager(rawURL string, opts Options) *Manager {
	o := opts.withDefaults()
	t := parseTarget(rawURL)
	if t.query != nil {
		// engine.io-client: a query string in the URI replaces opts.query.
		o.Query = t.query
	}
	// backoff.New, like backo2's constructor, keeps a jitter in (0, 1] only.
	b := backoff.New(o.ReconnectionDelay, o.ReconnectionDelayMax, *o.RandomizationFactor)
	b.Rand = o.Rand
	m := &Manager{
		opts:         o,
		target:       t,
		reconnection: *o.Reconnection,
		backoff:      b,
		nsps:         make(map[string]*Socket),
	}
	if !m.reconnection {
		m.skipReconnect = true
	}
	if *o.AutoConnect {
		m.do(func() { m.open(nil) })
	}
	return m
}

// Connect is socket.io-client's io(url, opts): a new Manager for the URL's
// origin and its Socket for the namespace named by the URL's path ("/"
// when empty), connecting right away (unless AutoConnect is false). Unlike
// io() there is no global cache of Managers (every call behaves like
// forceNew): to multiplex namespaces over one connection, call
// Manager.Socket on the returned socket's Manager.
func Connect(rawURL string, opts Options) *Socket {
	m := NewManager(rawURL, opts)
	return m.Socket(m.target.namespace, SocketOptions{Auth: opts.Auth})
}

// Socket returns the Socket of namespace nsp ("/" when empty), creating it
// the first time; asking twice for a namespace returns the same *Socket.
// All the sockets of a Manager share its connection. A new socket (or, with
// AutoConnect, an existing one that was disconnected) connects at once.
func (m *Manager) Socket(nsp string, opts SocketOptions) *Socket {
	if nsp == "" {
		nsp = "/"
	}
	var s *Socket
	m.do(func() {
		s = m.nsps[nsp]
		if s == nil {
			s = newSocket(m, nsp, opts)
			m.nsps[nsp] = s
			if *m.opts.AutoConnect {
				s.connect()
			}
		} else if *m.opts.AutoConnect && !s.subscribed {
			s.connect()
		}
	})
	return s
}

// OnOpen registers a handler called each time the Engine.IO connection
// opens (first connection and every reconnection).
func (m *Manager) OnOpen(h func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.openL = append(m.openL, mlistener{open: h})
}

// OnClose registers a handler called each time the connection closes, with
// the reason: "transport close", "transport error", "ping timeout",
// "parse error", or "forced close" when the client closed it (last socket
// disconnected, Manager.Close).
func (m *Manager) OnClose(h func(reason string)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closeL = append(m.closeL, mlistener{close: h})
}

// OnError registers a handler called when an attempt to open the
// connection fails, or when the open connection fails with a transport
// error (socket.io-client's Manager "error" event).
func (m *Manager) OnError(h func(err error)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.errorL = append(m.errorL, mlistener{err: h})
}

// OnReconnectAttempt registers a handler called when a reconnection
// attempt starts, with its number (1, 2, ...).
func (m *Manager) OnReconnectAttempt(h func(attempt int)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onReconnectAttempt = append(m.onReconnectAttempt, h)
}

// OnReconnect registers a handler called when a reconnection attempt
// succeeds, with the number of attempts it took.
func (m *Manager) OnReconnect(h func(attempt int)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onReconnect = append(m.onReconnect, h)
}

// OnReconnectError registers a handler called when a reconnection attempt
// fails.
func (m *Manager) OnReconnectError(h func(err error)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onReconnectError = append(m.onReconnectError, h)
}

// OnReconnectFailed registers a handler called when
// ReconnectionAttempts attempts have failed: the Manager stops trying.
func (m *Manager) OnReconnectFailed(h func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.onReconnectFailed = append(m.onReconnectFailed, h)
}

// Engine returns the current Engine.IO connection, or nil when there is
// no open one.
func (m *Manager) Engine() *engineio.Client {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state != stateOpen || m.eng == nil || m.eng.closed {
		return nil
	}
	return m.eng.client
}

// Open opens the connection if it is neither open nor opening (useful
// with AutoConnect false); on failure the Manager reconnects if
// Reconnection is on. Sockets call it by themselves when they connect.
func (m *Manager) Open() {
	m.do(func() { m.open(nil) })
}

// Close closes the connection and stops reconnecting (socket.io-client's
// manager._close(), reason "forced close"). The sockets stay registered:
// those still active see a "forced close" disconnect, and Socket.Connect
// opens the connection again.
func (m *Manager) Close() {
	m.do(m.close)
}

// ------------------------------------------------------------ machinery

// do runs f with the mutex held, from any goroutine but the inside of a
// locked section, then hands the pending calls to the executor.
func (m *Manager) do(f func()) {
	m.mu.Lock()
	f()
	calls := m.takePending()
	m.mu.Unlock()
	if len(calls) > 0 {
		m.exec.post(func() { m.run(calls) })
	}
}

// task returns an executor task: f with the mutex held, then the pending
// calls, at once and on the executor.
func (m *Manager) task(f func()) func() {
	return func() { m.inline(f) }
}

// inline is task's body, for code already running on the executor.
func (m *Manager) inline(f func()) {
	m.mu.Lock()
	f()
	calls := m.takePending()
	m.mu.Unlock()
	m.run(calls)
}

// flushLocked runs the pending calls now, releasing the mutex meanwhile.
// Only for executor tasks, at the points where socket.io-client looks at
// its state again after emitting an event (its listeners run
// synchronously).
func (m *Manager) flushLocked() {
	calls := m.takePending()
	if len(calls) == 0 {
		return
	}
	m.mu.Unlock()
	m.run(calls)
	m.mu.Lock()
}

func (m *Manager) takePending() []func() {
	p := m.pending
	m.pending = nil
	return p
}

// queue schedules f to run without the mutex.
func (m *Manager) queue(f func()) { m.pending = append(m.pending, f) }

func (m *Manager) run(calls []func()) {
	for _, f := range calls {
		m.safeCall(f)
	}
}

// safeCall calls a handler, logging a panic instead of crashing the
// executor (the server contains handler panics the same way).
func (m *Manager) safeCall(f func()) {
	defer func() {
		if r := recover(); r != nil {
			m.opts.Logger.Error("socketio client: panic in handler", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	f()
}

// mtimer is a timer of the Manager's Clock whose callback runs as an
// executor task. clear (with the mutex held) guarantees the callback will
// not run, like clearTimeout, even if the Clock already fired.
type mtimer struct {
	t    Timer
	done bool
}

func (m *Manager) setTimeout(d time.Duration, f func()) *mtimer {
	mt := &mtimer{}
	mt.t = m.opts.Clock.AfterFunc(d, func() {
		m.exec.post(m.task(func() {
			if mt.done {
				return
			}
			mt.done = true
			f()
		}))
	})
	return mt
}

func (mt *mtimer) clear() {
	if !mt.done {
		mt.done = true
		mt.t.Stop()
	}
}

// ------------------------------------------------- Engine.IO connection

// engineConn is one attempt to open an Engine.IO connection and, once
// open, that connection. Its flags stand for socket.io-client's event
// subscriptions on the engine: cleanup() turns them off, and what the
// engine reports afterwards is ignored.
type engineConn struct {
	m      *Manager
	fn     func(error) // open()'s callback: set by reconnect(), nil otherwise
	cancel context.CancelFunc
	client *engineio.Client

	dialed       bool // Dial returned
	openSub      bool // waiting for the open
	errorSub     bool // waiting for an error before the open
	dataSub      bool // open: messages and close are handled
	closed       bool // the Manager closed it (engine.close())
	clientClosed bool // Close called or the close reported

	// What the engine reported before Dial returned to us.
	early      []inMessage
	earlyClose *inClose
}

type inMessage struct {
	data   []byte
	binary bool
}

type inClose struct {
	reason string
	cause  error
}

// HandleMessage implements engineio.Handler.
func (ec *engineConn) HandleMessage(data []byte, binary bool) {
	if !binary {
		data = append([]byte(nil), data...)
	}
	ec.m.exec.post(ec.m.task(func() { ec.m.onEngineMessage(ec, data, binary) }))
}

// HandleClose implements engineio.Handler.
func (ec *engineConn) HandleClose(reason string, cause error) {
	ec.m.exec.post(ec.m.task(func() { ec.m.onEngineClose(ec, reason, cause) }))
}

func (m *Manager) dialOptions() engineio.DialOptions {
	return engineio.DialOptions{
		Path:       m.opts.Path,
		Transports: m.opts.Transports,
		Upgrade:    m.opts.Upgrade,
		Query:      m.opts.Query,
		Header:     m.opts.Header,
		HTTPClient: m.opts.HTTPClient,
		Dialer:     m.opts.Dialer,
	}
}

func (m *Manager) dial(ctx context.Context, ec *engineConn) {
	var c *engineio.Client
	err := m.target.err
	if err == nil {
		c, err = engineio.Dial(ctx, m.target.engineURL, m.dialOptions(), ec)
	}
	m.exec.post(m.task(func() { m.onDialed(ec, c, err) }))
}

// open is socket.io-client's Manager.open(fn).
func (m *Manager) open(fn func(error)) {
	if m.state != stateClosed {
		return
	}
	ec := &engineConn{m: m, fn: fn, openSub: true, errorSub: true}
	m.eng = ec
	m.state = stateOpening
	m.skipReconnect = false
	ctx, cancel := context.WithCancel(context.Background())
	ec.cancel = cancel
	go m.dial(ctx, ec)
	if m.opts.Timeout > 0 {
		t := m.setTimeout(m.opts.Timeout, func() {
			ec.openSub = false
			m.openFailed(ec, ErrTimeout)
			m.closeEngine(ec)
		})
		m.subs = append(m.subs, t.clear)
	}
	m.subs = append(m.subs,
		func() { ec.openSub = false },
		func() { ec.errorSub = false })
}

// openFailed is the onError of socket.io-client's Manager.open.
func (m *Manager) openFailed(ec *engineConn, err error) {
	m.cleanup()
	m.state = stateClosed
	m.emitError(err)
	if ec.fn != nil {
		ec.fn(err)
	} else {
		m.maybeReconnectOnOpen()
	}
}

func (m *Manager) onDialed(ec *engineConn, c *engineio.Client, err error) {
	ec.dialed = true
	if err != nil {
		ec.cancel()
		if ec.errorSub {
			m.openFailed(ec, err)
		}
		return
	}
	ec.client = c
	if ec.closed || !ec.openSub {
		// Timed out or closed while opening: engine.close().
		m.closeEngine(ec)
		return
	}
	m.onopen(ec)
	if ec.fn != nil {
		ec.fn(nil)
	}
	early, earlyClose := ec.early, ec.earlyClose
	ec.early, ec.earlyClose = nil, nil
	for _, msg := range early {
		m.onEngineMessage(ec, msg.data, msg.binary)
	}
	if earlyClose != nil {
		m.onEngineClose(ec, earlyClose.reason, earlyClose.cause)
	}
}

// onopen is socket.io-client's Manager.onopen.
func (m *Manager) onopen(ec *engineConn) {
	m.cleanup()
	m.state = stateOpen
	ec.dataSub = true
	m.subs = append(m.subs, func() { ec.dataSub = false })
	m.emitOpen()
}

func (m *Manager) onEngineMessage(ec *engineConn, data []byte, binary bool) {
	if !ec.dialed {
		ec.early = append(ec.early, inMessage{data, binary})
		return
	}
	if !ec.dataSub {
		return
	}
	p, err := m.decoder.Add(data, binary)
	if err != nil {
		m.onclose("parse error", err)
		return
	}
	if p != nil {
		m.emitPacket(p)
	}
}

func (m *Manager) onEngineClose(ec *engineConn, reason string, cause error) {
	if !ec.dialed {
		ec.earlyClose = &inClose{reason, cause}
		return
	}
	ec.clientClosed = true
	if !ec.dataSub {
		return
	}
	if reason == "transport error" && cause != nil {
		// engine.io-client emits "error" before closing with "transport
		// error"; the Manager relays it (sockets not yet connected get a
		// connect_error).
		m.emitError(cause)
	}
	m.onclose(reason, cause)
}

// closeEngine is engine.close(). engineio.Client.Close sends what is
// queued (a DISCONNECT packet, say) and the close packet, waiting for the
// network: it runs on a goroutine of its own.
func (m *Manager) closeEngine(ec *engineConn) {
	ec.closed = true
	ec.cancel()
	if c := ec.client; c != nil && !ec.clientClosed {
		ec.clientClosed = true
		go c.Close()
	}
}

// cleanup is socket.io-client's Manager.cleanup.
func (m *Manager) cleanup() {
	subs := m.subs
	m.subs = nil
	for _, undo := range subs {
		undo()
	}
	m.decoder.Reset()
}

// onclose is socket.io-client's Manager.onclose.
func (m *Manager) onclose(reason string, _ error) {
	m.cleanup()
	if m.eng != nil {
		m.closeEngine(m.eng)
	}
	m.backoff.Reset()
	m.state = stateClosed
	m.emitClose(reason)
	if m.reconnection && !m.skipReconnect {
		m.reconnect()
	}
}

// close is socket.io-client's Manager._close.
func (m *Manager) close() {
	m.skipReconnect = true
	m.reconnecting = false
	m.onclose("forced close", nil)
}

// destroySocket is socket.io-client's Manager._destroy: the connection
// closes once no socket is active.
func (m *Manager) destroySocket(*Socket) {
	for _, s := range m.nsps {
		if s.subscribed {
			return
		}
	}
	m.close()
}

func (m *Manager) maybeReconnectOnOpen() {
	if !m.reconnecting && m.reconnection && m.backoff.Attempts() == 0 {
		m.reconnect()
	}
}

// reconnect is socket.io-client's Manager.reconnect.
func (m *Manager) reconnect() {
	if m.reconnecting || m.skipReconnect {
		return
	}
	if n := m.opts.ReconnectionAttempts; n > 0 && m.backoff.Attempts() >= n {
		m.backoff.Reset()
		for _, h := range m.onReconnectFailed {
			m.queue(h)
		}
		m.reconnecting = false
		return
	}
	delay := m.backoff.Duration()
	m.reconnecting = true
	t := m.setTimeout(delay, func() {
		if m.skipReconnect {
			return
		}
		attempt := m.backoff.Attempts()
		for _, h := range m.onReconnectAttempt {
			m.queue(func() { h(attempt) })
		}
		m.flushLocked()
		// Check again: a reconnect_attempt handler may have closed.
		if m.skipReconnect {
			return
		}
		m.open(func(err error) {
			if err != nil {
				m.reconnecting = false
				m.reconnect()
				for _, h := range m.onReconnectError {
					m.queue(func() { h(err) })
				}
			} else {
				m.onreconnect()
			}
		})
	})
	m.subs = append(m.subs, t.clear)
}

func (m *Manager) onreconnect() {
	attempt := m.backoff.Attempts()
	m.reconnecting = false
	m.backoff.Reset()
	for _, h := range m.onReconnect {
		m.queue(func() { h(attempt) })
	}
}

// write sends the messages of one packet on the open connection; false
// when there is none.
func (m *Manager) write(msgs []*engineio.Message) bool {
	ec := m.eng
	if m.state != stateOpen || ec == nil || ec.client == nil || ec.closed || ec.clientClosed {
		return false
	}
	return ec.client.Send(msgs...) == nil
}

// encode turns a packet into the Engine.IO messages that carry it.
func encode(p *parser.Packet) ([]*engineio.Message, error) {
	text, attachments, err := parser.Encode(p)
	if err != nil {
		return nil, err
	}
	msgs := make([]*engineio.Message, 0, 1+len(attachments))
	msgs = append(msgs, engineio.NewTextMessageBytes(text))
	for _, a := range attachments {
		msgs = append(msgs, engineio.NewBinaryMessage(a))
	}
	return msgs, nil
}

// ------------------------------------------------------------- emitting

func (m *Manager) emitOpen() {
	for _, l := range slices.Clone(m.openL) {
		if l.sock != nil {
			l.sock.onopen()
		} else {
			m.queue(l.open)
		}
	}
}

func (m *Manager) emitError(err error) {
	for _, l := range slices.Clone(m.errorL) {
		if l.sock != nil {
			l.sock.onerror(err)
		} else {
			h := l.err
			m.queue(func() { h(err) })
		}
	}
}

func (m *Manager) emitClose(reason string) {
	for _, l := range slices.Clone(m.closeL) {
		if l.sock != nil {
			l.sock.onclose(reason)
		} else {
			h := l.close
			m.queue(func() { h(reason) })
		}
	}
}

func (m *Manager) emitPacket(p *parser.Packet) {
	for _, s := range slices.Clone(m.packetL) {
		s.onpacket(p)
	}
}
