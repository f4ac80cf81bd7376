package client

import (
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// Options configures a Manager (and, through Auth and AckTimeout, its
// sockets). The zero value is usable: every unset field takes the default
// of socket.io-client 4.8.
type Options struct {
	// Engine.IO

	// Path is where the server serves Socket.IO. Default "/socket.io/"; a
	// trailing slash is added when missing, as engine.io-client does.
	Path string
	// Transports lists the transports to use, in order. Default
	// {"polling", "websocket"}: open with long-polling, then upgrade.
	Transports []string
	// Upgrade, when false, stays on the first transport. Default true.
	Upgrade *bool
	// Query holds extra query parameters for every Engine.IO request. As in
	// socket.io-client, a query string in the URL given to Connect or
	// NewManager replaces it entirely.
	Query url.Values
	// Header holds extra HTTP headers (Authorization, Cookie...).
	Header http.Header
	// HTTPClient is used for long-polling requests (default: the Engine.IO
	// client's own).
	HTTPClient *http.Client
	// Dialer is used for WebSocket connections (default: the Engine.IO
	// client's own).
	Dialer *websocket.Dialer

	// Manager (socket.io-client's names and defaults)

	// Reconnection, when false, never reconnects. Default true.
	Reconnection *bool
	// ReconnectionAttempts is the number of reconnection attempts before
	// giving up (reconnect_failed). Default 0: unlimited (Infinity).
	ReconnectionAttempts int
	// ReconnectionDelay is the first delay of the backoff. Default 1s.
	ReconnectionDelay time.Duration
	// ReconnectionDelayMax caps the backoff delay. Default 5s.
	ReconnectionDelayMax time.Duration
	// RandomizationFactor is the backoff jitter, in [0, 1]. Default 0.5;
	// point to 0 for exact delays (min, 2*min, 4*min...).
	RandomizationFactor *float64
	// Timeout bounds each attempt to open the connection: the attempt fails
	// with ErrTimeout when the Engine.IO handshake has not completed by
	// then. Default 20s; negative disables it (socket.io-client's
	// timeout: false).
	Timeout time.Duration
	// AutoConnect, when false, makes NewManager and Manager.Socket wait for
	// an explicit Socket.Connect. Default true.
	AutoConnect *bool

	// Socket

	// Auth is the CONNECT payload sent to each namespace: a
	// map[string]any, a struct (marshalled to a JSON object), or a
	// func() any / func() map[string]any evaluated at every (re)connection
	// (socket.io-client's auth callback). SocketOptions.Auth overrides it.
	Auth any
	// AckTimeout makes every acknowledgement fail with ErrAckTimeout when
	// no reply arrives in time (socket.io-client's ackTimeout). Default 0:
	// wait until the reply or the disconnection.
	AckTimeout time.Duration

	// Injection for tests and logging

	// Rand is the randomness of the reconnection backoff, [0, 1). Default
	// math/rand/v2.Float64.
	Rand func() float64
	// Clock runs the timers (reconnection delays, open timeout, ack
	// timeouts). Default: real time.
	Clock Clock
	// Logger receives panics raised by handlers (recovered, logged with
	// their stack). Default slog.Default().
	Logger *slog.Logger
}

// SocketOptions configures one namespace's Socket.
type SocketOptions struct {
	// Auth overrides Options.Auth for this namespace.
	Auth any
	// AckTimeout overrides Options.AckTimeout for this namespace when > 0.
	AckTimeout time.Duration
}

// Clock lets tests control the Manager's timers.
type Clock interface {
	// AfterFunc calls f in its own goroutine once d has elapsed, unless the
	// returned Timer is stopped first (time.AfterFunc).
	AfterFunc(d time.Duration, f func()) Timer
	// Now is the current time.
	Now() time.Time
}

// Timer is the handle of a Clock.AfterFunc.
type Timer interface {
	// Stop prevents the call if it has not happened yet, and reports
	// whether it did so.
	Stop() bool
}

type realClock struct{}

func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
func (realClock) Now() time.Time                            { return time.Now() }

// Defaults of socket.io-client 4.8.
const (
	DefaultPath                 = "/socket.io/"
	DefaultReconnectionDelay    = 1000 * time.Millisecond
	DefaultReconnectionDelayMax = 5000 * time.Millisecond
	DefaultRandomizationFactor  = 0.5
	DefaultTimeout              = 20000 * time.Millisecond
)

// withDefaults returns o with every unset field set, the way the Manager
// constructor of socket.io-client does (`opts.reconnectionDelay || 1000`
// and so on: zero means "default").
func (o Options) withDefaults() Options {
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if !strings.HasSuffix(o.Path, "/") {
		o.Path += "/"
	}
	if o.Reconnection == nil {
		o.Reconnection = ptr(true)
	}
	if o.ReconnectionAttempts < 0 {
		o.ReconnectionAttempts = 0
	}
	if o.ReconnectionDelay <= 0 {
		o.ReconnectionDelay = DefaultReconnectionDelay
	}
	if o.ReconnectionDelayMax <= 0 {
		o.ReconnectionDelayMax = DefaultReconnectionDelayMax
	}
	if o.RandomizationFactor == nil {
		o.RandomizationFactor = ptr(DefaultRandomizationFactor)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.AutoConnect == nil {
		o.AutoConnect = ptr(true)
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

func ptr[T any](v T) *T { return &v }

// target is a parsed Connect/NewManager URL (socket.io-client's url.ts).
type target struct {
	engineURL string     // scheme://host:port, what engineio.Dial gets
	namespace string     // the URL's path, "/" when empty
	query     url.Values // the URL's query, nil when it has none
	err       error      // the URL could not be parsed
}

var schemeRE = regexp.MustCompile(`^(https?|wss?)://`)

// parseTarget reads rawURL like socket.io-client's url(): an URL without
// one of the schemes http, https, ws, wss is taken as "https://"+rawURL
// (there is no window.location to inherit from); a missing port is 80 or
// 443; the path names the namespace.
func parseTarget(rawURL string) target {
	if !schemeRE.MatchString(rawURL) {
		rawURL = "https://" + strings.TrimPrefix(rawURL, "//")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return target{namespace: "/", err: err}
	}
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "http", "ws":
			port = "80"
		default:
			port = "443"
		}
	}
	t := target{
		engineURL: u.Scheme + "://" + net.JoinHostPort(u.Hostname(), port),
		namespace: u.EscapedPath(),
	}
	if t.namespace == "" {
		t.namespace = "/"
	}
	if u.RawQuery != "" {
		t.query, _ = url.ParseQuery(u.RawQuery)
	}
	return t
}
