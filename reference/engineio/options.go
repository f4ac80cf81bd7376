package engineio

import (
	"net/http"
	"slices"
	"time"
)

// Transport names, as in the "transport" query parameter.
const (
	TransportPolling   = "polling"
	TransportWebSocket = "websocket"
)

// Defaults, the same as socket.io's engine except the path (socket.io
// itself serves "/socket.io/"; the socketio package sets that).
const (
	DefaultPath           = "/engine.io/"
	DefaultPingInterval   = 25 * time.Second
	DefaultPingTimeout    = 20 * time.Second
	DefaultUpgradeTimeout = 10 * time.Second
	DefaultMaxPayload     = 1_000_000
	DefaultSendQueueLimit = 8192
	DefaultSendQueueBytes = 4 << 20
	DefaultWriteTimeout   = 10 * time.Second
)

// CORS says which browser origins may use the server cross-origin.
type CORS struct {
	AllowedOrigins   []string // exact origins, e.g. "http://127.0.0.1:8080"
	AllowAnyOrigin   bool     // echo any Origin (test servers); never "*" with credentials
	AllowCredentials bool
}

// Options configure a Server. Zero fields take the defaults above.
type Options struct {
	Path           string        // default "/engine.io/" (socket.io uses "/socket.io/")
	PingInterval   time.Duration // default 25s
	PingTimeout    time.Duration // default 20s
	UpgradeTimeout time.Duration // default 10s
	MaxPayload     int64         // default 1e6 bytes
	Transports     []string      // default {"polling","websocket"}
	CORS           CORS
	SendQueueLimit int                         // max queued messages per session (default 8192); over it the session is closed
	SendQueueBytes int64                       // max queued payload bytes per session (default 4 MiB); over it the session is closed
	WriteTimeout   time.Duration               // a websocket write that blocks longer closes the session (default 10s)
	AllowRequest   func(r *http.Request) error // optional; an error rejects the handshake with 403 code 4
}

// withDefaults returns o with every zero (or negative) field set to its
// default. Unknown transport names are dropped.
func (o Options) withDefaults() Options {
	if o.Path == "" {
		o.Path = DefaultPath
	}
	if o.PingInterval <= 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = DefaultPingTimeout
	}
	if o.UpgradeTimeout <= 0 {
		o.UpgradeTimeout = DefaultUpgradeTimeout
	}
	if o.MaxPayload <= 0 {
		o.MaxPayload = DefaultMaxPayload
	}
	if o.SendQueueLimit <= 0 {
		o.SendQueueLimit = DefaultSendQueueLimit
	}
	if o.SendQueueBytes <= 0 {
		o.SendQueueBytes = DefaultSendQueueBytes
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.Transports == nil {
		o.Transports = []string{TransportPolling, TransportWebSocket}
	} else {
		known := make([]string, 0, 2)
		for _, t := range o.Transports {
			if (t == TransportPolling || t == TransportWebSocket) && !slices.Contains(known, t) {
				known = append(known, t)
			}
		}
		o.Transports = known
	}
	o.CORS.AllowedOrigins = slices.Clone(o.CORS.AllowedOrigins)
	return o
}

// normalizePath returns the path with a leading slash and without the
// trailing one, so both "/engine.io" and "/engine.io/" match.
func normalizePath(p string) string {
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	for len(p) > 1 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return p
}
