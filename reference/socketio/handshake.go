package socketio

import (
	"net/http"
	"net/url"
	"time"

	"socketlab/reference/engineio"
)

// Handshake is what the server knows about a socket's origin: the auth
// payload of its CONNECT packet and the HTTP request that opened its
// Engine.IO session (socket.io's socket.handshake).
type Handshake struct {
	// Auth is the CONNECT payload (socket.io-client's `auth` option), an
	// empty map when the client sent none. Numbers are json.Number.
	Auth map[string]any
	// Header holds the headers of the request that opened the session.
	Header http.Header
	// RawQuery is the query string of that request (EIO, transport, and
	// whatever the client added); Query parses it.
	RawQuery string
	// Address is the remote address of that request.
	Address string
	// URL is the request URI.
	URL string
	// Secure is true when the session was opened over TLS.
	Secure bool
	// Time is when the socket was created (CONNECT received).
	Time time.Time
}

func newHandshake(session *engineio.Session, auth map[string]any) *Handshake {
	h := &Handshake{Auth: auth, Time: time.Now()}
	if r := session.Request(); r != nil {
		h.Header = r.Header
		h.RawQuery = r.URL.RawQuery
		h.Address = r.RemoteAddr
		h.URL = r.URL.RequestURI()
		h.Secure = r.TLS != nil
	}
	return h
}

// Query parses the query string of the request that opened the session.
// It is parsed on demand because few applications look at it and an idle
// connection should not hold a parsed copy.
func (h *Handshake) Query() url.Values {
	q, _ := url.ParseQuery(h.RawQuery)
	return q
}
