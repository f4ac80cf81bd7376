package socketio

import (
	"log/slog"
	"time"

	"socketlab/reference/engineio"
)

// Options configures a Server. The zero value is usable: every unset field
// takes socket.io's default.
type Options struct {
	// Engine configures the Engine.IO layer (transports, heartbeat,
	// maxPayload, CORS, send queue). Its Path defaults to "/socket.io/"
	// here, as in socket.io, instead of Engine.IO's "/engine.io/".
	Engine engineio.Options

	// ConnectTimeout closes a connection that has not joined any namespace
	// within this delay (socket.io's connectTimeout, default 45s).
	ConnectTimeout time.Duration

	// MaxAttachments bounds the binary attachments of one packet
	// (socket.io-parser's default: 10).
	MaxAttachments int

	// Recovery, when set, turns on connection state recovery for every
	// namespace (socket.io's connectionStateRecovery); see RecoveryOptions.
	Recovery *RecoveryOptions

	// Logger receives what the server cannot report to anyone else: a
	// panic in an application handler (recovered, logged with its stack,
	// and the client's connection closed, as net/http does for HTTP
	// handlers). Default: slog.Default().
	Logger *slog.Logger
}

// DefaultPath is where socket.io serves by default.
const DefaultPath = "/socket.io/"

// DefaultConnectTimeout is socket.io's connectTimeout default.
const DefaultConnectTimeout = 45 * time.Second

func (o Options) withDefaults() Options {
	if o.Engine.Path == "" {
		o.Engine.Path = DefaultPath
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.MaxAttachments <= 0 {
		o.MaxAttachments = 10
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
