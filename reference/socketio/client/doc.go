// Package client is a Socket.IO v5 client: the Go counterpart of the npm
// package socket.io-client 4.8 (its Manager and Socket), wire-compatible
// with the official socket.io server and with socketlab's Go server
// (package socketlab/reference/socketio).
//
// It is built on three sibling packages: the Engine.IO client of
// socketlab/reference/engineio (engineio.Dial: polling, WebSocket, the
// upgrade and the heartbeat), the packet codec of
// socketlab/reference/socketio/parser, and the reconnection backoff of
// socketlab/reference/socketio/backoff (backo2, bit for bit).
//
// # Using it
//
//	s := client.Connect("http://localhost:3000", client.Options{
//		Auth: map[string]any{"token": "abc"},
//	})
//	defer s.Disconnect()
//	s.OnConnect(func() { log.Println("connected as", s.ID()) })
//	s.OnConnectError(func(err *client.ConnectError) { log.Println("refused:", err.Message, err.Data) })
//	s.OnDisconnect(func(reason string) { log.Println("disconnected:", reason) })
//	s.On("chat:message", func(e *client.Event) {
//		var text string
//		_ = e.Bind(0, &text)
//		if e.HasAck() {
//			_ = e.Ack("got it")
//		}
//	})
//	_ = s.Emit("chat:message", "hi")                           // buffered until connected
//	reply, err := s.EmitWithAck(ctx, "save", map[string]any{"n": 1}) // waits for the server's ack
//	_ = s.Timeout(5*time.Second).Emit("save", doc, client.AckFunc(func(args []any, err error) {
//		// err is ErrAckTimeout after 5s without a reply
//	}))
//
// Connect is io(url, opts): a Manager for the URL's origin and the Socket
// of the namespace the URL's path names ("/" when empty). Several
// namespaces share one Engine.IO connection when they come from the same
// Manager:
//
//	m := client.NewManager("https://example.com", client.Options{})
//	chat := m.Socket("/chat", client.SocketOptions{})
//	admin := m.Socket("/admin", client.SocketOptions{Auth: map[string]any{"token": t}})
//
// Unlike io() there is no global cache of Managers: every Connect creates
// one (as io() does with forceNew).
//
// Handlers can be registered at any time. Connect starts connecting at
// once; the first event can only arrive after network round trips, so
// handlers registered right after Connect are in place in practice. To be
// certain, set Options.AutoConnect to false, register, then call
// Socket.Connect.
//
// # The API
//
//	func Connect(rawURL string, opts Options) *Socket
//	func NewManager(rawURL string, opts Options) *Manager
//
//	(*Manager) Socket(namespace string, opts SocketOptions) *Socket  // same namespace twice → same *Socket
//	(*Manager) OnOpen(func()) / OnClose(func(reason string)) / OnError(func(error))
//	(*Manager) OnReconnectAttempt(func(attempt int)) / OnReconnect(func(attempt int))
//	(*Manager) OnReconnectError(func(error)) / OnReconnectFailed(func())
//	(*Manager) Engine() *engineio.Client  // the open connection, or nil
//	(*Manager) Open() / Close()           // manager.open() / manager._close()
//
//	(*Socket) ID() string / Connected() bool / Recovered() bool / Active() bool
//	(*Socket) Namespace() string / Manager() *Manager
//	(*Socket) Connect() / Disconnect()
//	(*Socket) On(event, func(*Event)) / OnAny(func(*Event))
//	(*Socket) OnConnect(func()) / OnConnectError(func(*ConnectError)) / OnDisconnect(func(reason string))
//	(*Socket) Emit(event, args...) error                       // trailing AckFunc asks for an ack
//	(*Socket) EmitWithAck(ctx, event, args...) ([]any, error)
//	(*Socket) Timeout(d) *Emitter                              // Emitter.Emit, Emitter.EmitWithAck
//
//	(*Event) HasAck() bool / Ack(args...) error / Bind(i, ptr) error / Socket() *Socket
//
// Options holds the Engine.IO settings (Path "/socket.io/", Transports,
// Upgrade, Query, Header, HTTPClient, Dialer), the Manager's (Reconnection,
// ReconnectionAttempts, ReconnectionDelay 1s, ReconnectionDelayMax 5s,
// RandomizationFactor 0.5, Timeout 20s, AutoConnect), the sockets' (Auth,
// AckTimeout) and injections for tests (Rand, Clock, Logger). Zero fields
// take socket.io-client's defaults.
//
// # Reconnection
//
// The Manager behaves like socket.io-client's:
//
//   - When the connection closes for any reason but a client-initiated
//     close (the last socket's Disconnect, Manager.Close: "forced
//     close"), the Manager reconnects: reconnect() asks the backoff for a
//     delay, and when it has elapsed emits reconnect_attempt with the
//     backoff's attempt count, then opens. A failed open emits the error
//     (sockets not yet connected get a connect_error), schedules the next
//     attempt, then emits reconnect_error; a successful one emits open
//     (the sockets send their CONNECT), then reconnect with the count, and
//     resets the backoff. Once ReconnectionAttempts attempts have failed it
//     emits reconnect_failed (before that last reconnect_error, as
//     socket.io-client does) and stops.
//   - The first connection is retried the same way when it fails.
//   - Each open attempt fails with ErrTimeout ("timeout") after
//     Options.Timeout.
//   - Delays are backo2's: min·2^attempts with the jitter computed from
//     one random number, capped at ReconnectionDelayMax, truncated to
//     whole milliseconds (package backoff). A close resets the count.
//
// Sockets reconnect with the Manager: each active socket sends its CONNECT
// again (with the auth payload evaluated again when it is a function) and
// gets a new id. A socket the server disconnected ("io server
// disconnect"), one the client disconnected, and one whose CONNECT was
// refused (connect_error with the server's message and data) are
// inactive and stay out until Socket.Connect.
//
// # Disconnect reasons
//
//	"io server disconnect"  the server sent DISCONNECT: no automatic reconnection
//	"io client disconnect"  Socket.Disconnect
//	"transport close"       the connection was closed (server shut down, close packet)
//	"transport error"       a request or the WebSocket failed
//	"ping timeout"          no ping within pingInterval + pingTimeout (the Engine.IO client's heartbeat)
//	"parse error"           the server sent a packet that does not decode
//	"forced close"          Manager.Close, to the sockets still active
//
// As in socket.io-client, the disconnect handlers of an active socket run
// whenever its Manager's connection closes, even if the socket had not
// received its CONNECT reply yet.
//
// # Buffering and acknowledgements
//
// Emits made while the socket is not connected are encoded at once
// (errors are returned by Emit) and kept in the send buffer, then sent in
// order when the socket connects, after the events of the receive buffer
// have been delivered and before the connect handlers run. Events that
// arrive before the CONNECT reply (a recovered session's missed events
// do) wait in the receive buffer likewise.
//
// Ack ids count from 0 per socket. An AckFunc gets the server's reply, or:
// ErrAckTimeout when a timeout was set (Socket.Timeout, Options.AckTimeout,
// SocketOptions.AckTimeout; the timer starts at the emit, and drops the
// packet from the send buffer if it is still there); ErrDisconnected when
// the socket disconnects first, unless the packet is still in the send
// buffer (it will be sent on reconnection). EmitWithAck waits for one of
// those or for its context, which also drops the packet. A late reply is
// ignored. Event.Ack answers a server emit that asked for an ack, once.
//
// # Binary
//
// []byte values in the arguments, at top level or inside []any and
// map[string]any, travel as binary attachments (BINARY_EVENT, BINARY_ACK);
// received attachments are []byte values in Event.Args or in the ack's
// arguments, at the same place.
//
// # Connection state recovery
//
// With a server that has connection state recovery on (socket.io 4.6+,
// or socketlab's server with Options.Recovery), the CONNECT reply carries
// a private session id, "pid". The socket remembers it, and remembers as
// offset the last argument of every event it delivers when that is a
// string (the server appends the offset; like socket.io-client the client
// leaves it in Event.Args, and, also like it, events asking for an ack do
// not count). The next CONNECT carries the auth payload merged into
// {"pid": ..., "offset": ...} (the auth keys win). Recovered reports
// whether the reply restored the session: socket.io-client's
// `recovered = pid && this._pid === pid`, the same pid as before, in which
// case the id is the previous one and the missed events, which the server
// sends before the CONNECT reply, are delivered before the connect
// handlers.
//
// # Concurrency
//
// A Manager and its Sockets are safe for concurrent use. Their state is
// guarded by one mutex per Manager, the counterpart of JavaScript's single
// thread, which is never held while user code runs. Handlers (of events,
// lifecycle events, AckFuncs, auth callbacks) run one at a time, in order,
// on the Manager's executor goroutine, which exists only while there is
// work: a handler that blocks delays the next ones, not the connection's
// heartbeat. A handler may call any method, but EmitWithAck without a
// deadline would wait forever there, since the reply is delivered by the
// executor it blocks: use an AckFunc. A panic in a handler is recovered
// and logged (Options.Logger).
//
// Methods that change the state (Emit, Connect, Disconnect...) take
// effect before they return (Connected is false once Disconnect returns,
// an Emit is buffered or handed to the connection); the handlers they
// trigger run afterwards, on the executor.
//
// # Fidelity to socket.io-client 4.8
//
// The Manager and Socket follow manager.ts and socket.ts of
// socket.io-client 4.8 step by step (readyState, skipReconnect,
// _reconnecting, the subscriptions undone by cleanup, the order of
// events); the tests check it on the wire (a raw Engine.IO server that
// plays the Socket.IO side frame by frame), against socketlab's Go server,
// against the official socket.io server in Node with each transport, and
// against socket.io-client itself (the same failed-reconnection scenario
// run by both, compared event by event). Where Go differs:
//
//   - No global Manager cache (io()'s multiplexing by URL): use
//     NewManager and Manager.Socket.
//   - Every AckFunc receives ErrDisconnected on disconnection:
//     socket.io-client calls only the callbacks that take an error
//     (emitWithAck, timeout); in Go every AckFunc takes one.
//   - A CONNECT_ERROR whose payload is a string (socket.io 2 style) gives
//     that string as Message (socket.io-client reads data.message).
//   - Options.Timeout 0 means the default; negative disables it
//     (timeout: false).
//   - Not implemented: volatile and compress flags, the retries option
//     and its queue, onAnyOutgoing, off/offAny, the "ping" event, the
//     check of an expired heartbeat at emit time (_hasPingExpired).
package client
