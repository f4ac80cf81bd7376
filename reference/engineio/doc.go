// Package engineio implements the server side of the Engine.IO protocol,
// version 4: the transport layer under Socket.IO (socket.io v3 and later,
// socket.io-client 3.x and 4.x). The official JavaScript clients, in Node
// and in browsers, connect to it with no special options. It also has a
// client (Dial), which behaves like the official engine.io-client 6.6 and
// talks to this server and to the official one; see "Client".
//
// Engine.IO gives a client and a server a bidirectional channel of text
// and binary messages over HTTP long-polling, WebSocket, or polling first
// and then WebSocket once the upgrade succeeds, with a heartbeat that
// detects dead peers. The specification is the README of
// github.com/socketio/engine.io-protocol; socket.io's engine
// (packages/engine.io in github.com/socketio/socket.io) is the reference
// implementation, and this package follows its behavior, error codes and
// close reasons except where noted under "Differences from socket.io".
//
// # Overview
//
// A Server is an http.Handler. NewServer takes the Options and a function
// called for every new session, which returns the session's Handler:
//
//	srv := engineio.NewServer(engineio.Options{}, func(s *engineio.Session) engineio.Handler {
//		return &myHandler{session: s}
//	})
//	defer srv.Close()
//	http.Handle("/engine.io/", srv)
//
// The server answers requests for Options.Path ("/engine.io/" by default,
// with or without the trailing slash) and 404 for any other path, so it
// can be mounted on a mux or be the whole handler. The socketio package
// mounts it on "/socket.io/".
//
// A Handler receives the session's messages and, once, its end:
//
//	type Handler interface {
//		HandleMessage(data []byte, binary bool)
//		HandleClose(reason string, cause error)
//	}
//
// A Session sends with Send, which queues and never blocks on the
// network, and ends with Close:
//
//	func (h *myHandler) HandleMessage(data []byte, binary bool) {
//		h.session.Send(engineio.NewTextMessageBytes(data)) // echo
//	}
//
// Outgoing messages are Message values: NewTextMessage, NewTextMessageBytes
// and NewBinaryMessage. A Message is immutable and encodes itself once,
// however many sessions it is sent to, which makes broadcasting cheap:
//
//	msg := engineio.NewTextMessage(`2["news","hi"]`)
//	for _, s := range sessions {
//		s.Send(msg)
//	}
//
// # Packets
//
// Every Engine.IO packet is a type, written as one ASCII digit, and
// optional data:
//
//	0 open     server -> client, first packet of a session (JSON handshake data)
//	1 close    either way: the session is over
//	2 ping     server -> client every pingInterval ("2probe": client, during an upgrade)
//	3 pong     client -> server, the answer ("3probe": server, during an upgrade)
//	4 message  either way: application data
//	5 upgrade  client -> server: switch to the new transport
//	6 noop     server -> client: releases a pending poll
//
// A text packet is the digit followed by its data: "4hello" is the message
// "hello", "2" a ping. A binary message has no type digit on WebSocket (a
// binary frame is always a message) and is written "b" followed by its
// standard, padded base64 in text form: "bAQIDBA==" is the message
// 01 02 03 04. DecodePacket, AppendPacket, DecodePayload and AppendPayload
// are the codec; Packet is one decoded packet.
//
// # Handshake
//
// A session starts with a GET, over polling (the clients' default) or
// straight over WebSocket:
//
//	GET /engine.io/?EIO=4&transport=polling
//	GET /engine.io/?EIO=4&transport=websocket   (with the WebSocket upgrade headers)
//
// The answer is the open packet (the polling response body, or the first
// WebSocket frame):
//
//	0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}
//
// sid is 120 random bits from crypto/rand in 20 base64url characters.
// upgrades is ["websocket"] for a polling session when the websocket
// transport is enabled, and [] for a session opened over WebSocket.
// pingInterval and pingTimeout are in milliseconds; maxPayload is
// Options.MaxPayload, the largest polling body the client may POST. Every
// later request of the session carries sid=<sid> in its query.
//
// The onConnection function runs before the handshake is answered; what
// it sends follows the open packet. If it calls Close, the handler it
// returns still gets HandleClose.
//
// # HTTP long-polling
//
// The client receives with GET and sends with POST, one of each at a time:
//
//	GET  /engine.io/?EIO=4&transport=polling&sid=...   -> 200 text/plain; charset=UTF-8
//	POST /engine.io/?EIO=4&transport=polling&sid=...   -> 200 "ok"
//
// Both bodies are payloads: packets in text form joined by the record
// separator 0x1e.
//
//	4hello\x1e2\x1ebAQIDBA==      message "hello", ping, binary message 01 02 03 04
//
// A GET is answered at once if packets are queued, else it waits until
// one is: a message, the heartbeat's ping (at most pingInterval later), a
// noop when the session upgrades, or a close packet when it ends. One
// answer carries the queued packets that fit in MaxPayload bytes (at
// least one packet, however large); the rest go with the next GET, which
// the client sends at once. A client that goes away while its GET waits
// ends the session ("transport error", cause ErrPollAborted), as in
// socket.io.
//
// A POST body is read whatever its Content-Type: socket.io's clients send
// text/plain, and application/octet-stream is read as the same text
// payload. The body must be valid UTF-8 and every segment a valid packet;
// its messages are handed to the handler, in order, before "ok" is
// answered.
//
// # WebSocket
//
// One packet per frame, both ways: a text frame holds a packet in text
// form, a binary frame holds the raw bytes of a binary message. A text
// frame that is not valid UTF-8 closes the connection with status 1007; a
// frame longer than MaxPayload closes it with 1009.
//
// # Upgrade
//
// A polling session moves to WebSocket this way:
//
//	client                                              server
//	GET ?EIO=4&transport=websocket&sid=S  ------------>  101 Switching Protocols
//	(polling paused)
//	"2probe"  ----------------------------------------->
//	          <-----------------------------------------  "3probe"
//	                                                      "6" (noop) answers the pending GET
//	"5"  ---------------------------------------------->  the session now uses the WebSocket
//	          <-----------------------------------------  packets queued meanwhile, then the rest
//
// The GET pending when the probe arrives is answered at once with a noop,
// since the client waits for its last poll to return before it sends
// "5". A GET that arrives later, during the upgrade, is answered at once
// if packets are queued; else it is held for 100 ms (socket.io releases
// such polls on a 100 ms interval) and answered with a noop, or with 400
// if the upgrade completes meanwhile: it raced the "5". After the upgrade,
// polling requests for the session get 400 (code 3) and the session goes
// on; a further WebSocket for the sid is
// accepted and closed at once with status 1000, as is one that arrives
// while an upgrade is in progress. An upgrade that does not complete
// within UpgradeTimeout, or a probe connection that sends anything but
// "2probe" and "5", is closed and the session goes on over polling; it
// may try again.
//
// # Heartbeat
//
// Every PingInterval the server queues a ping ("2"); the client must
// answer a pong ("3") within PingTimeout, else the session closes with
// "ping timeout". The next ping is due PingInterval after the pong. The
// pong deadline counts from when the ping was due, so a session is dead
// exactly PingInterval+PingTimeout after its last pong (when the client
// gives up too), even if the timer runs late; a request that arrives past
// the deadline before the timer has fired closes the session and gets 400
// (code 1), like one that arrives after. One
// time.AfterFunc timer per session, re-armed in place, runs the whole
// heartbeat (and bounds a graceful Close): no goroutine waits between
// pings. In Engine.IO v4 only the server pings: a ping from the client is
// a protocol violation and closes the session with "transport error"
// (cause ErrHeartbeatDirection), as socket.io's "invalid heartbeat
// direction" does.
//
// # Closing
//
// A session ends once, for one of these reasons, passed to
// Handler.HandleClose with an optional cause:
//
//	"transport close"       the client sent a close packet "1", closed its WebSocket, or the
//	                        connection dropped (cause nil for a clean close, else the read error)
//	"transport error"       a transport failed: overlapping polling requests (ErrOverlappingRequest),
//	                        a POST over MaxPayload (ErrPayloadTooLarge), an aborted GET
//	                        (ErrPollAborted), a WebSocket frame over MaxPayload
//	                        (websocket.ErrReadLimit) or not UTF-8 (ErrInvalidUTF8), a client ping
//	                        (ErrHeartbeatDirection), a full send queue (ErrQueueFull), a failed
//	                        or timed-out write (the net error)
//	"ping timeout"          no pong within PingTimeout
//	"parse error"           an invalid packet or payload (an error matching ErrInvalidPacket)
//	"server shutting down"  Server.Close
//	anything else           the reason given to Session.Close ("forced close" by convention)
//
// Session.Close is graceful: Send fails from then on and incoming
// messages are dropped, but the packets already queued are still
// delivered, followed by a close packet "1" (polling: in the pending or
// the next GET) or a close frame 1000 (WebSocket); then HandleClose(reason,
// nil) runs. If the client does not take them within PingTimeout the
// session is closed anyway. Every other end is immediate: the queue is
// dropped, a pending GET is answered with a close packet (a noop when the
// client itself closed), and the WebSocket gets a close frame (1000; 1002
// after an invalid packet or a client ping; 1007 after invalid UTF-8;
// 1001 on Server.Close) or, when the peer cannot read anymore, is just
// closed. Requests for a closed session get 400, code 1, with one
// exception: when a polling client closes (POST "1") without a GET
// pending, its next GET within a second gets the noop it would have got
// had it arrived first (clients send the two requests together).
//
// # Errors
//
// A request the server refuses is answered with a JSON body, as socket.io
// does:
//
//	400 {"code":0,"message":"Transport unknown"}             transport missing, unknown (__proto__,
//	                                                          constructor...) or disabled in Options.Transports
//	400 {"code":1,"message":"Session ID unknown"}            no such sid (or the session has ended)
//	400 {"code":2,"message":"Bad handshake method"}          a handshake that is not a GET
//	400 {"code":3,"message":"Bad request"}                   a polling request for a WebSocket session,
//	                                                          overlapping GETs or POSTs (the session is
//	                                                          closed), an invalid payload (the session is
//	                                                          closed), transport=websocket without a
//	                                                          WebSocket handshake (e.g. an h2c upgrade), a
//	                                                          method other than GET/POST, a handshake after
//	                                                          Server.Close
//	403 {"code":4,"message":"Forbidden"}                     a WebSocket from an origin CORS does not allow,
//	                                                          or AllowRequest returned an error
//	400 {"code":5,"message":"Unsupported protocol version"}  EIO missing or not "4"
//	413 (empty body)                                         a POST body over MaxPayload (the session is
//	                                                          closed)
//
// The checks run in this order: the transport, the protocol version, then
// the sid, or for a handshake the method, the WebSocket handshake, the
// origin and AllowRequest (socket.io checks the version last, only for
// handshakes). AllowRequest may return an *HTTPError to choose
// the status, code and message itself; any other error gives the 403
// above. HTTPError is also the type of these rejections, with the codes as
// constants (CodeUnknownTransport...).
//
// Session.Send returns ErrSessionClosed once the session is closing or
// closed, and ErrQueueFull when the queue would exceed SendQueueLimit
// (which also closes the session). The codec returns errors matching
// ErrInvalidPacket and ErrInvalidPayload.
//
// # Options
//
//	Path            "/engine.io/"            where the server answers (socket.io: "/socket.io/")
//	PingInterval    25s                      how often the server pings
//	PingTimeout     20s                      how long a pong may take; also the grace of a graceful Close
//	UpgradeTimeout  10s                      how long an upgrade may take from the WebSocket handshake to "5"
//	MaxPayload      1e6 bytes                largest POST body and WebSocket frame; GET answers are cut near it
//	Transports      {"polling","websocket"}  enabled transports; unknown names are ignored
//	CORS            none                     cross-origin browser access, see below
//	SendQueueLimit  8192                     packets a session may have queued; over it the session closes
//	SendQueueBytes  4 MiB                    payload bytes a session may have queued; over it the session closes
//	WriteTimeout    10s                      a WebSocket write blocked longer closes the session
//	AllowRequest    nil                      called for every handshake; an error rejects it
//
// Zero (or negative) fields take the default. Server.Options returns the
// effective values.
//
// # CORS
//
// Browsers need CORS headers to read polling responses from another
// origin. CORS.AllowedOrigins lists exact origins ("http://app.example:8080");
// CORS.AllowAnyOrigin allows any, for test servers. The request's Origin
// is echoed in Access-Control-Allow-Origin, never "*", so that
// CORS.AllowCredentials (Access-Control-Allow-Credentials: true, sent only
// alongside an allowed origin) is safe. Responses then carry
// "Vary: Origin". An OPTIONS preflight is answered 204 with
// Access-Control-Allow-Methods: GET,POST and the requested headers echoed
// in Access-Control-Allow-Headers.
//
// A polling request from an origin that is not allowed is served without
// CORS headers (the browser hides the response from the page). A
// WebSocket from such an origin is refused with 403 (code 4): browsers do
// not apply CORS to WebSockets, so the server must. A request with no
// Origin (Node clients, curl) and a same-origin page (Origin's host equal
// to the request's Host) are always allowed.
//
// # Concurrency
//
// All Session and Server methods are safe for concurrent use, from any
// goroutine, including from inside Handler callbacks.
//
// HandleMessage is called for one session by one goroutine at a time,
// never concurrently with itself, in the order the client sent the
// messages (over polling: on the POST's goroutine, before "ok" is
// answered; over WebSocket: on the session's reader). HandleClose runs
// exactly once, never concurrently with HandleMessage, and after it no
// HandleMessage call starts. It runs on whichever goroutine ended the
// session: the caller of Close or Server.Close, a timer, a transport
// goroutine. When the session ends while HandleMessage runs (the handler
// calls Close, or anything else closes it meanwhile), HandleClose runs on
// the delivering goroutine right after HandleMessage returns, never
// nested in it. No session lock is held while a callback runs, so
// callbacks may call Send and Close; a handler must not hold a lock of its
// own across Send or Close that its HandleClose also takes.
//
// The data passed to HandleMessage is not reused by the package: the
// handler may keep it. A Message's data must not be modified after
// NewBinaryMessage, nor the slice returned by Data. Panics in handlers are
// not recovered.
//
// # Resources
//
// An idle WebSocket session costs one goroutine (its reader, blocked in a
// read), a 512-byte read buffer, its heartbeat timer and the session
// state: about 8 KiB of heap and stack, measured by
// BenchmarkIdleWebSocketMemory. The WebSocket handshake's net/http handler
// returns after the upgrade, because a hijacked connection's handler
// goroutine would keep net/http's per-connection buffers alive; the
// reader runs on a goroutine of its own. An idle polling session has no
// goroutine besides its pending GET's handler. Write buffers come from a
// sync.Pool shared by all connections and are held only while a frame is
// written; compression is off.
//
// Send appends to the session's queue under a mutex and, over WebSocket,
// starts a short-lived flush goroutine if none runs: it writes everything
// queued, batch after batch, and exits when the queue is empty. A message
// queued for a single session is written with Conn.WriteMessage (a copy
// into a pooled buffer); one queued for several sessions is written as a
// websocket.PreparedMessage built once. While the session's reader runs
// HandleMessage, the flush is left to the reader, which writes the queue
// when the handler returns: a reply then needs no goroutine hand-off and
// the packets of one handler leave together. A slow handler cannot hold
// others' packets back long: a queue deferred this way is flushed by the
// server's watcher goroutine (alive only while some session defers) after
// about a millisecond, or at once when 64 packets wait.
//
// Memory stays bounded when a client stops reading: at most
// SendQueueLimit packets wait in the queue (and as many in the batch
// being written), each write must finish within WriteTimeout, and either
// limit closes the session with "transport error" (ErrQueueFull, or the
// write's timeout error), dropping what was queued.
//
// # Client
//
// Dial opens a session to an Engine.IO v4 server (this package's or the
// official engine.io, under socket.io 4.x) and behaves like the official
// engine.io-client 6.6, the transport of socket.io-client 4.8:
//
//	c, err := engineio.Dial(ctx, "http://127.0.0.1:3000", engineio.DialOptions{}, handler)
//	...
//	c.Send(engineio.NewTextMessage("hello"))
//	c.Close()
//
// Dial returns once the server's open packet has arrived; ctx bounds the
// handshake only. handler (the same Handler interface as the server's)
// receives every message, serially, and exactly once the close. Messages
// may arrive before Dial returns: DialOptions.OnOpen sees the *Client
// first. The API:
//
//	func Dial(ctx context.Context, rawURL string, opts DialOptions, h Handler) (*Client, error)
//	func (c *Client) ID() string                   // the sid
//	func (c *Client) Handshake() Handshake         // the open packet: SID, Upgrades, PingInterval, PingTimeout, MaxPayload
//	func (c *Client) Transport() string            // "polling" or "websocket" (current; changes after the upgrade)
//	func (c *Client) Send(msgs ...*Message) error  // queued, in order, never blocks on the network; ErrSessionClosed after Close
//	func (c *Client) Close()                       // sends the queue and a close packet (best effort), then HandleClose("forced close", nil)
//	func (c *Client) OnUpgrade(func(transport string)) // called once after a successful upgrade (at once if it is done)
//	func (c *Client) Done() <-chan struct{}        // closed when the client is closed
//
// rawURL is http://, https://, ws:// or wss://; its path is ignored and
// DialOptions.Path is used instead, with one trailing slash, as
// engine.io-client does; its query is kept. The options:
//
//	Path            "/engine.io/"            the server's path (socket.io: "/socket.io/")
//	Transports      {"polling","websocket"}  open with the first; upgrade to websocket when both are listed
//	Upgrade         true                     false: stay on the first transport
//	Query           none                     extra query parameters (EIO=4, transport, sid and t are set by the client)
//	Header          none                     extra headers for every request and the WebSocket handshakes
//	HTTPClient      DefaultHTTPClient        polling; no overall timeout (a poll waits up to pingInterval)
//	Dialer          DefaultDialer            WebSocket; 512-byte read buffer, pooled write buffers, 45s handshake timeout
//	OnOpen          nil                      called in Dial after the handshake, before any Handler call
//	WriteTimeout    10s                      bounds each WebSocket write and Close's delivery of the queue
//	SendQueueLimit  8192                     packets Send may queue; over it the client closes ("transport error", ErrQueueFull)
//	SendQueueBytes  4 MiB                    message bytes Send may queue; likewise
//	ReadLimit       64 MiB                   largest polling response or WebSocket message accepted
//
// A refused handshake with engine.io's JSON body ({"code":N,"message":...})
// is returned as an *HTTPError (Status, Code, Message); a handshake that is
// not a valid open packet as an error matching ErrInvalidHandshake; a
// network failure or ctx's end as the underlying error (errors.Is works
// with context.DeadlineExceeded). The open packet is checked: a non-empty
// sid, pingInterval and pingTimeout positive (at most 2^31-1 ms),
// maxPayload non-negative; the client never panics on server input.
//
// Polling: one GET loop goroutine, GET ?EIO=4&transport=polling&t=<cache
// buster>&sid=..., which handles each answer's packets in order and polls
// again; POSTs on demand, at most one in flight, each carrying everything
// queued that fits in the server's maxPayload (at least one packet), with
// Content-Type text/plain;charset=UTF-8: packets queued while a POST is in
// flight go together in the next one. Payloads are split on 0x1e, binary
// messages are "b"+base64 (a text message must not contain 0x1e, as with
// every Engine.IO client). Any answer but 200 is "transport error" (the
// cause is an *HTTPError for JSON bodies). Every request goes on a
// connection of its own (Connection: close, as the official Node client
// sends): net/http silently sends a request again when a reused
// keep-alive connection fails before the answer, which for polling would
// lose the packets of a GET the server had answered, or deliver a POST
// twice. A failed request ends the session instead. The price is a TCP
// (and TLS) handshake per request.
//
// WebSocket: one reader goroutine per connection, one packet per frame
// (text frames "<digit><data>", binary frames raw binary messages).
// Writes happen on demand: Send queues under a mutex and starts a
// short-lived goroutine that writes the queue and exits when it is empty,
// as the server's sessions do; no goroutine waits between writes.
//
// Upgrade: after a polling handshake whose upgrades list "websocket"
// (and with both transports allowed and Upgrade not false), a goroutine
// opens a WebSocket with the sid and sends "2probe"; it expects "3probe"
// within 10s. Then polling pauses: no new POST starts, the GET loop stops
// when its GET returns (servers answer it with a noop "6" during an
// upgrade) and the POST in flight completes. The client then sends "5"
// over the WebSocket, writes what was queued meanwhile, calls the
// OnUpgrade hook and the goroutine becomes the WebSocket's reader. If the
// WebSocket or the probe fails, the client stays on polling, silently.
//
// Heartbeat: every ping "2" is answered at once with a pong "3" (while
// polling is paused for an upgrade, the pong goes over the WebSocket
// right after "5"). If no ping arrives within pingInterval + pingTimeout
// of the open packet or of the last ping, the client closes with "ping
// timeout". One time.AfterFunc timer per client, armed once and moved
// lazily: a ping only records its time, and the timer re-arms itself for
// the rest when it fires early. No goroutine waits for it.
//
// Closing: the client ends once, with engine.io-client's reasons:
//
//	"transport close"  the server sent a close packet "1", closed the WebSocket (cause nil for
//	                   a normal close frame, else the read error), or the connection ended
//	"transport error"  a polling request failed or got a non-200 answer, a WebSocket read or
//	                   write failed, a response over ReadLimit, or Send over the queue limits
//	                   (ErrQueueFull)
//	"ping timeout"     no ping within pingInterval + pingTimeout
//	"parse error"      the server sent something that is not Engine.IO v4 (an invalid payload
//	                   or packet: ErrInvalidPacket; a text frame not UTF-8: ErrInvalidUTF8)
//	"forced close"     Client.Close was called
//
// Close sends what is queued, then the close packet "1" (over polling in
// a POST; over WebSocket followed by a close frame 1000, since the
// official server ignores "1" there), waiting at most WriteTimeout, then
// aborts the requests, closes the connections and runs HandleClose on
// the calling goroutine (or, when called from HandleMessage, right after
// it returns). While Close runs, every other end of the connection is
// part of it: HandleClose gets "forced close". An upgrade in progress is
// abandoned (engine.io-client waits for it). Messages that arrive after
// Close are dropped. HandleClose never runs with a client lock held,
// never concurrently with HandleMessage, and no HandleMessage starts
// after it.
//
// Resources: an idle WebSocket client costs one goroutine (its reader), a
// 512-byte read buffer and its timer; an idle polling client, its GET
// goroutine and that GET's HTTP connection. A Message sent by many clients
// is encoded once (its WebSocket frame is prepared once when shared),
// which suits load generation.
//
// Differences from engine.io-client: no JSONP, WebTransport, cookie jar
// of its own (HTTPClient.Jar and Dialer.Jar can hold one), reconnection
// (socket.io's Manager does that), rememberUpgrade or tryAllTransports;
// a close packet "1" over WebSocket ends the session (engine.io-client
// ignores it there); an invalid packet is "parse error" (engine.io-client:
// "transport error"); Close abandons an upgrade in progress instead of
// waiting for it; the send queue is bounded.
//
// # Differences from socket.io
//
// Only protocol version 4 is served (socket.io's allowEIO3 is not
// supported), without JSONP polling, WebTransport, HTTP or per-message
// compression, the sid cookie, or socket.io's initialPacket. A POST with
// Content-Type application/octet-stream is read as a text payload
// (socket.io v4 rejects it). Payloads are strictly checked: UTF-8, padded
// standard base64, no empty segment (socket.io's parser is lenient about
// base64). GET answers are cut at about MaxPayload bytes (socket.io's
// server sends its whole buffer). WebSocket handshakes are checked
// against the CORS origins (socket.io leaves that to allowRequest). A
// graceful Close delivers the queue and the close packet in the same GET
// (socket.io uses a second one).
package engineio
