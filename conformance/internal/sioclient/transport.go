package sioclient

import (
	"net/http"
	"net/url"
	"strings"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wirelog"
)

// Transport names, as in the Engine.IO query.
const (
	WebSocket = "websocket"
	Polling   = "polling"
)

// transport carries Engine.IO packets; a reader goroutine hands what
// arrives to its sink.
type transport interface {
	send(p codec.EIOPacket) error
	// close ends the transport politely (a close frame, or a close packet
	// over polling).
	close()
	// cut drops the TCP connection without sending anything.
	cut()
}

// sink receives what a transport reads, in order.
type sink interface {
	onPacket(p codec.EIOPacket, frame string)
	onBadFrame(frame string, err error)
	onEnd(err error)
}

// endpoint is where and how a transport connects.
type endpoint struct {
	base   string // http://host:port
	path   string // /socket.io/
	query  url.Values
	header http.Header
	log    *wirelog.Log
	conn   string // label in the wire log
}

// url builds the Engine.IO URL for transport t (and sid, when known).
func (e endpoint) url(scheme, t, sid string) string {
	q := url.Values{}
	for k, vs := range e.query {
		q[k] = append([]string(nil), vs...)
	}
	q.Set("EIO", "4")
	q.Set("transport", t)
	if sid != "" {
		q.Set("sid", sid)
	}
	base := e.base
	if scheme == "ws" {
		base = "ws" + strings.TrimPrefix(base, "http")
	}
	return base + e.path + "?" + q.Encode()
}
