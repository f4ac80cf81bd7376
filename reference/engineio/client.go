package engineio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// DialOptions configures a client connection. Zero fields take the
// defaults of the official engine.io-client 6.x (or, for the fields it
// does not have, those of this package's server).
type DialOptions struct {
	Path       string            // default "/engine.io/" (the socketio client passes "/socket.io/")
	Transports []string          // default {"polling","websocket"}: open with the first, upgrade to websocket when both are listed and the server offers it
	Upgrade    *bool             // default true (false: stay on the first transport)
	Query      url.Values        // extra query parameters (EIO=4, transport, sid, t are added)
	Header     http.Header       // extra request headers (e.g. Authorization, Cookie)
	HTTPClient *http.Client      // for polling (default: a shared client with sane timeouts, see DefaultHTTPClient)
	Dialer     *websocket.Dialer // for websocket (default: DefaultDialer)

	// OnOpen, if set, is called once by Dial when the handshake has
	// succeeded, before any Handler call and before Dial returns: the place
	// to store the *Client where the Handler can see it.
	OnOpen func(c *Client)
	// WriteTimeout bounds each WebSocket write (a write blocked longer
	// ends the client with "transport error") and how long Close waits for
	// the queued packets and the close packet to go out. Default 10s.
	WriteTimeout time.Duration
	// SendQueueLimit and SendQueueBytes bound what Send may queue (packets,
	// payload bytes); over either the client closes with "transport error"
	// (ErrQueueFull). Defaults 8192 and 4 MiB, as on the server.
	SendQueueLimit int
	SendQueueBytes int64
	// ReadLimit is the largest polling response body or WebSocket message
	// accepted from the server; a larger one ends the client with
	// "transport error". Default 64 MiB.
	ReadLimit int64
}

// Client defaults besides those shared with the server.
const (
	DefaultReadLimit = 64 << 20
	// probeTimeout bounds the wait for "3probe" during an upgrade (the
	// default UpgradeTimeout of the servers).
	probeTimeout = 10 * time.Second
)

// DefaultDialer is the WebSocket dialer of clients whose DialOptions.Dialer
// is nil: a 512-byte read buffer per connection and write buffers lent by
// a pool shared with the server, as suits thousands of idle connections.
var DefaultDialer = &websocket.Dialer{
	Proxy:            http.ProxyFromEnvironment,
	HandshakeTimeout: 45 * time.Second,
	ReadBufferSize:   readBufferSize,
	WriteBufferPool:  &writeBufferPool,
}

// DefaultHTTPClient is the polling client of clients whose
// DialOptions.HTTPClient is nil. It has no overall timeout (a long-polling
// GET waits up to pingInterval; a dead server is detected by the
// heartbeat). Every polling request is sent with Connection: close (see
// Client.pollRequest), so its idle pool matters only to other users.
var DefaultHTTPClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	ForceAttemptHTTP2:     true,
	MaxIdleConnsPerHost:   4096,
	IdleConnTimeout:       90 * time.Second,
	TLSHandshakeTimeout:   10 * time.Second,
	ExpectContinueTimeout: time.Second,
}}

// ErrInvalidHandshake: the server's open packet was missing or not a
// valid Engine.IO v4 handshake. Dial returns it (wrapped).
var ErrInvalidHandshake = errors.New("engineio: invalid handshake")

// Handshake is the server's open packet.
type Handshake struct {
	SID          string        `json:"sid"`
	Upgrades     []string      `json:"upgrades"`
	PingInterval time.Duration // from "pingInterval" (ms)
	PingTimeout  time.Duration // from "pingTimeout" (ms)
	MaxPayload   int64         `json:"maxPayload"`
}

// Control packets the client sends, shared by every client.
var (
	pongMessage    = newControlMessage(PacketPong, "", true)
	probeMessage   = newControlMessage(PacketPing, "probe", true)
	upgradeMessage = newControlMessage(PacketUpgrade, "", true)
)

// Client is an Engine.IO v4 client connection (see Dial). Its methods are
// safe for concurrent use, including from inside its Handler's callbacks.
type Client struct {
	cfg       clientConfig
	hs        Handshake
	hbWindow  time.Duration // pingInterval + pingTimeout
	pollURL   string        // polling URL with sid, without the cache buster
	wsURL     string        // websocket URL with sid
	maxPost   int64         // largest POST body (hs.MaxPayload; 0: no limit)
	reqCtx    context.Context
	cancelReq context.CancelFunc // aborts every request and dial of the client
	done      chan struct{}      // closed once the client is closed
	pings     atomic.Int64       // pings received (observed by tests)

	// mu guards everything below up to the delivery fields. It is never
	// held while calling the Handler or doing network I/O.
	mu         sync.Mutex
	state      atomic.Uint32 // sessionState; written under mu
	transport  string
	queue      []*Message // packets not yet handed to a transport
	queueBytes int64      // message payload bytes in queue
	hbTimer    *time.Timer
	hbDeadline time.Time // when the heartbeat gives up (last ping or open + hbWindow)

	// polling
	pollActive bool // the GET loop runs
	postActive bool // a POST loop runs (at most one POST in flight)

	// upgrade
	probe       *websocket.Conn // the probing WebSocket
	upgrading   bool            // "3probe" came: polling pauses, no new POST starts
	pauseWake   chan struct{}   // wakes the upgrade waiting for polling to pause
	upgraded    bool            // the upgrade is complete and announced
	onUpgrade   func(transport string)
	closeWake   chan struct{} // closed when, while closing, the queue has gone out
	closeWoken  bool
	flushing    bool            // a goroutine writes the queue to ws
	ws          *websocket.Conn // the WebSocket, once it is the transport
	lastWSError error           // why the last upgrade attempt failed (tests)

	// Handler delivery, as in Session.
	delivery delivery
}

// clientConfig is DialOptions resolved against rawURL and the defaults.
type clientConfig struct {
	scheme, host, path string // http(s), host[:port], "/engine.io/"
	query              url.Values
	transports         []string
	upgrade            bool
	header             http.Header
	httpClient         *http.Client
	dialer             *websocket.Dialer
	writeTimeout       time.Duration
	queueLimit         int
	queueBytes         int64
	readLimit          int64
	onOpen             func(*Client)
}

func newClientConfig(rawURL string, opts DialOptions) (clientConfig, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return clientConfig{}, fmt.Errorf("engineio: dial: %w", err)
	}
	cfg := clientConfig{host: u.Host}
	switch strings.ToLower(u.Scheme) {
	case "http", "ws":
		cfg.scheme = "http"
	case "https", "wss":
		cfg.scheme = "https"
	default:
		return clientConfig{}, fmt.Errorf("engineio: dial: unsupported URL scheme %q", u.Scheme)
	}
	if u.Host == "" {
		return clientConfig{}, fmt.Errorf("engineio: dial: no host in %q", rawURL)
	}
	// engine.io-client: the path with exactly one trailing slash
	// (addTrailingSlash); the URL's own path is not used.
	p := opts.Path
	if p == "" {
		p = DefaultPath
	}
	cfg.path = normalizePath(p)
	if cfg.path != "/" {
		cfg.path += "/"
	}
	cfg.query = u.Query()
	for k, vs := range opts.Query {
		cfg.query[k] = slices.Clone(vs)
	}
	for _, k := range []string{"EIO", "transport", "sid", "t"} {
		cfg.query.Del(k)
	}
	cfg.query.Set("EIO", "4")

	cfg.transports = []string{TransportPolling, TransportWebSocket}
	if opts.Transports != nil {
		cfg.transports = nil
		for _, t := range opts.Transports {
			if t != TransportPolling && t != TransportWebSocket {
				return clientConfig{}, fmt.Errorf("engineio: dial: unknown transport %q", t)
			}
			if !slices.Contains(cfg.transports, t) {
				cfg.transports = append(cfg.transports, t)
			}
		}
		if len(cfg.transports) == 0 {
			return clientConfig{}, errors.New("engineio: dial: no transports")
		}
	}
	cfg.upgrade = opts.Upgrade == nil || *opts.Upgrade
	cfg.header = opts.Header.Clone()
	if cfg.header == nil {
		cfg.header = http.Header{}
	}
	cfg.httpClient = opts.HTTPClient
	if cfg.httpClient == nil {
		cfg.httpClient = DefaultHTTPClient
	}
	cfg.dialer = opts.Dialer
	if cfg.dialer == nil {
		cfg.dialer = DefaultDialer
	}
	cfg.writeTimeout = opts.WriteTimeout
	if cfg.writeTimeout <= 0 {
		cfg.writeTimeout = DefaultWriteTimeout
	}
	cfg.queueLimit = opts.SendQueueLimit
	if cfg.queueLimit <= 0 {
		cfg.queueLimit = DefaultSendQueueLimit
	}
	cfg.queueBytes = opts.SendQueueBytes
	if cfg.queueBytes <= 0 {
		cfg.queueBytes = DefaultSendQueueBytes
	}
	cfg.readLimit = opts.ReadLimit
	if cfg.readLimit <= 0 {
		cfg.readLimit = DefaultReadLimit
	}
	cfg.onOpen = opts.OnOpen
	return cfg, nil
}

// url returns the URL for transport, with sid when it is not empty.
// Polling URLs get the cache buster appended per request (see pollTarget).
func (cfg *clientConfig) url(transport, sid string) string {
	q := make(url.Values, len(cfg.query)+2)
	for k, vs := range cfg.query {
		q[k] = vs
	}
	q.Set("transport", transport)
	if sid != "" {
		q.Set("sid", sid)
	}
	scheme := cfg.scheme
	if transport == TransportWebSocket {
		scheme = "ws"
		if cfg.scheme == "https" {
			scheme = "wss"
		}
	}
	return scheme + "://" + cfg.host + cfg.path + "?" + q.Encode()
}

// busterSeq makes cache busters unique within the process.
var busterSeq atomic.Uint64

// pollTarget appends engine.io-client's cache buster ("t", forced for
// polling) to a polling URL.
func pollTarget(base string) string {
	b := make([]byte, 0, len(base)+24)
	b = append(b, base...)
	b = append(b, "&t="...)
	b = strconv.AppendInt(b, time.Now().UnixMilli(), 36)
	b = append(b, '.')
	b = strconv.AppendUint(b, busterSeq.Add(1), 36)
	return string(b)
}

// Dial opens an Engine.IO session to rawURL (http://, https://, ws:// or
// wss://; the path of rawURL is ignored — opts.Path is used, like
// engine.io-client — and its query is kept). It returns once the open
// packet has been received, or ctx ends, or the server refuses (an
// *HTTPError for JSON error bodies). ctx bounds the handshake only.
//
// h receives every message (serially) and, exactly once, the close; nil
// discards them. Messages may arrive before Dial returns: set
// opts.OnOpen to see the *Client first. Reasons on the client side
// (engine.io-client's names):
//
//	"transport close"  the server closed the connection / sent close packet
//	"transport error"  a request or the websocket failed
//	"ping timeout"     no ping within pingInterval + pingTimeout
//	"parse error"      the server sent something that is not Engine.IO v4
//	"forced close"     Client.Close was called
func Dial(ctx context.Context, rawURL string, opts DialOptions, h Handler) (*Client, error) {
	cfg, err := newClientConfig(rawURL, opts)
	if err != nil {
		return nil, err
	}
	if h == nil {
		h = discardHandler{}
	}
	c := &Client{
		cfg:       cfg,
		transport: cfg.transports[0],
		done:      make(chan struct{}),
		pauseWake: make(chan struct{}, 1),
		closeWake: make(chan struct{}),
	}
	c.delivery.handler = h
	// Requests after the handshake live as long as the client, not ctx
	// (its values are kept).
	c.reqCtx, c.cancelReq = context.WithCancel(context.WithoutCancel(ctx))

	var rest []Packet
	var conn *websocket.Conn
	if c.transport == TransportPolling {
		c.hs, rest, err = c.pollHandshake(ctx)
	} else {
		c.hs, conn, err = c.wsHandshake(ctx)
	}
	if err != nil {
		c.cancelReq()
		return nil, err
	}
	c.hbWindow = c.hs.PingInterval + c.hs.PingTimeout
	c.maxPost = c.hs.MaxPayload
	c.pollURL = cfg.url(TransportPolling, c.hs.SID)
	c.wsURL = cfg.url(TransportWebSocket, c.hs.SID)
	probe := c.transport == TransportPolling && cfg.upgrade &&
		slices.Contains(cfg.transports, TransportWebSocket) &&
		slices.Contains(c.hs.Upgrades, TransportWebSocket)

	c.mu.Lock()
	c.ws = conn
	c.pollActive = conn == nil
	c.hbDeadline = time.Now().Add(c.hbWindow)
	c.hbTimer = time.AfterFunc(c.hbWindow, c.onHeartbeat)
	c.mu.Unlock()

	if cfg.onOpen != nil {
		cfg.onOpen(c)
	}
	if conn != nil {
		go c.readLoop(conn)
		return c, nil
	}
	go c.pollLoop(rest)
	if probe {
		go c.upgradeLoop()
	}
	return c, nil
}

// ID returns the session ID (the sid of the handshake).
func (c *Client) ID() string { return c.hs.SID }

// Handshake returns the server's open packet.
func (c *Client) Handshake() Handshake {
	hs := c.hs
	hs.Upgrades = slices.Clone(hs.Upgrades)
	return hs
}

// Transport returns the current transport: "polling" or "websocket"
// (it changes once, when an upgrade completes).
func (c *Client) Transport() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.transport
}

// OnUpgrade sets a hook called once after a successful upgrade, with the
// new transport ("websocket"), on the goroutine that completed it. If the
// upgrade has already completed, fn is called at once by OnUpgrade.
// Setting a new hook replaces one not yet called.
func (c *Client) OnUpgrade(fn func(transport string)) {
	c.mu.Lock()
	if c.upgraded {
		c.mu.Unlock()
		if fn != nil {
			fn(TransportWebSocket)
		}
		return
	}
	c.onUpgrade = fn
	c.mu.Unlock()
}

// Done returns a channel closed when the client is closed (HandleClose
// may still be running, or wait for a HandleMessage in progress).
func (c *Client) Done() <-chan struct{} { return c.done }

func (c *Client) stateLocked() sessionState { return sessionState(c.state.Load()) }

// Send queues msgs, atomically and in order, for the server. It never
// blocks on the network: over polling, queued packets go in the next
// POST (one at a time, each carrying everything queued that fits in the
// server's maxPayload); over WebSocket, a short-lived goroutine writes
// them. nil messages are skipped. It returns ErrSessionClosed once Close
// was called or the client is closed; if the queue would exceed
// SendQueueLimit or SendQueueBytes it queues nothing, closes the client
// ("transport error", cause ErrQueueFull) and returns ErrQueueFull.
func (c *Client) Send(msgs ...*Message) error {
	c.mu.Lock()
	if c.stateLocked() != stateOpen {
		c.mu.Unlock()
		return ErrSessionClosed
	}
	if !enqueue(&c.queue, &c.queueBytes, msgs, c.cfg.queueLimit, c.cfg.queueBytes) {
		c.mu.Unlock()
		c.finish(ReasonTransportError, ErrQueueFull, websocket.CloseNormalClosure)
		return ErrQueueFull
	}
	k := c.kickLocked()
	c.mu.Unlock()
	c.startWriter(k)
	return nil
}

// writer is the goroutine kickLocked asks for.
type writer uint8

const (
	writerNone  writer = iota
	writerPost         // a POST loop (polling)
	writerFlush        // a WebSocket flush loop
)

// kickLocked makes the active transport take the queue: it claims the
// writer role when nobody holds it and returns which writer to start.
// Nothing starts while polling is paused for an upgrade: the queue then
// goes over the WebSocket once the upgrade completes.
func (c *Client) kickLocked() writer {
	if c.ws != nil {
		if c.flushing {
			return writerNone
		}
		c.flushing = true
		return writerFlush
	}
	if c.postActive || c.upgrading {
		return writerNone
	}
	c.postActive = true
	return writerPost
}

func (c *Client) startWriter(w writer) {
	switch w {
	case writerPost:
		go c.postLoop()
	case writerFlush:
		go c.flushLoop()
	}
}

// Close closes the client: the packets already queued are sent, then a
// close packet "1" (over WebSocket followed by a close frame), all best
// effort and within WriteTimeout; then HandleClose("forced close", nil)
// runs, normally on the calling goroutine; when Close is called from
// inside HandleMessage, as soon as HandleMessage returns. Send fails from
// the call on, and messages that arrive meanwhile are dropped. An upgrade
// in progress is abandoned. Close returns once the client is closed; on a
// closed client it does nothing.
func (c *Client) Close() {
	c.mu.Lock()
	switch c.stateLocked() {
	case stateClosed:
		c.mu.Unlock()
		return
	case stateClosing:
		c.mu.Unlock()
		<-c.done
		return
	}
	c.state.Store(uint32(stateClosing))
	c.queue = append(c.queue, closeMessage)
	if c.upgrading || c.probe != nil {
		// engine.io-client waits for the upgrade to end; abandoning it is
		// quicker and the close packet goes over polling just as well.
		c.upgrading = false
		c.signalPauseLocked()
	}
	w := c.kickLocked()
	c.mu.Unlock()

	// The bound: finish aborts the requests and closes the WebSocket,
	// which ends a write in progress.
	bound := time.AfterFunc(c.cfg.writeTimeout, func() {
		c.finish(ReasonForcedClose, nil, 0)
	})
	// Write inline when the writer role was free: Close may block.
	switch w {
	case writerPost:
		c.postLoop()
	case writerFlush:
		c.flushLoop()
	}
	select {
	case <-c.closeWake:
	case <-c.done:
	}
	bound.Stop()
	c.finish(ReasonForcedClose, nil, websocket.CloseNormalClosure)
}

// wakeCloseLocked tells Close that the queue, close packet included, has
// been written (or that writing it failed).
func (c *Client) wakeCloseLocked() {
	if !c.closeWoken {
		c.closeWoken = true
		close(c.closeWake)
	}
}

// signalPauseLocked wakes the upgrade waiting for polling to pause.
func (c *Client) signalPauseLocked() {
	select {
	case c.pauseWake <- struct{}{}:
	default:
	}
}

// finish closes the client for good, once: it drops the queue, stops the
// heartbeat, aborts the requests, closes the WebSocket (with a close frame
// wsCode unless 0) and has HandleClose run. While Close is in progress
// every end is "forced close": the user asked for it.
func (c *Client) finish(reason string, cause error, wsCode int) {
	c.mu.Lock()
	switch c.stateLocked() {
	case stateClosed:
		c.mu.Unlock()
		return
	case stateClosing:
		reason, cause = ReasonForcedClose, nil
	}
	c.state.Store(uint32(stateClosed))
	clear(c.queue)
	c.queue = nil
	c.queueBytes = 0
	ws, probe := c.ws, c.probe
	c.probe = nil
	c.upgrading = false
	if c.hbTimer != nil {
		c.hbTimer.Stop()
	}
	c.signalPauseLocked()
	close(c.done)
	c.mu.Unlock()

	c.cancelReq()
	if ws != nil {
		if wsCode != 0 {
			// A flush may be writing: WriteControl and Close are safe
			// alongside it. On a goroutine, so that no caller of finish
			// (Send among them) waits on the network.
			go closeConn(ws, wsCode, c.cfg.writeTimeout)
		} else {
			_ = ws.Close()
		}
	}
	if probe != nil {
		_ = probe.Close() // unblocks the upgrade goroutine, which ends
	}
	c.notifyClosed(reason, cause)
}

// fail ends the client after a transport failure, except while Close
// runs: then it only wakes Close, which ends the client itself (with
// "forced close"): the server answering the close packet by closing the
// connection is no failure.
func (c *Client) fail(reason string, cause error, wsCode int) {
	c.mu.Lock()
	if c.stateLocked() == stateClosing {
		c.wakeCloseLocked()
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.finish(reason, cause, wsCode)
}

// onPacket handles a packet from the server over the active transport. It
// reports whether the transport should go on reading.
func (c *Client) onPacket(p Packet) bool {
	switch p.Type {
	case PacketMessage:
		c.deliver(p.Data, p.Binary)
	case PacketPing:
		c.onPing()
	case PacketClose:
		c.fail(ReasonTransportClose, nil, websocket.CloseNormalClosure)
		return false
	default:
		// open, pong, upgrade and noop mean nothing here; engine.io-client
		// ignores them too.
	}
	return true
}

// onPing answers a ping with a pong at once and pushes the heartbeat
// deadline to pingInterval + pingTimeout from now.
func (c *Client) onPing() {
	c.pings.Add(1)
	c.mu.Lock()
	if c.stateLocked() != stateOpen {
		c.mu.Unlock()
		return
	}
	c.hbDeadline = time.Now().Add(c.hbWindow)
	c.queue = append(c.queue, pongMessage) // not counted: one per ping
	w := c.kickLocked()
	c.mu.Unlock()
	c.startWriter(w)
}

// onHeartbeat is the heartbeat timer's callback. The timer is armed once
// for pingInterval + pingTimeout and pings only move hbDeadline: a firing
// before the deadline re-arms the timer for the rest, so that a ping
// costs no timer operation.
func (c *Client) onHeartbeat() {
	c.mu.Lock()
	if c.stateLocked() == stateClosed {
		c.mu.Unlock()
		return
	}
	if d := time.Until(c.hbDeadline); d > 0 {
		c.hbTimer.Reset(d)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.finish(ReasonPingTimeout, nil, websocket.CloseNormalClosure)
}

// deliver hands a message to the handler, one at a time, and only while
// the client is open.
func (c *Client) deliver(data []byte, binary bool) {
	c.delivery.message(func() bool { return sessionState(c.state.Load()) == stateOpen }, data, binary)
}

// notifyClosed records the close and runs HandleClose (see delivery).
func (c *Client) notifyClosed(reason string, cause error) {
	c.delivery.closed(reason, cause)
}

func (c *Client) deliverPendingClose() { c.delivery.runPendingClose() }
