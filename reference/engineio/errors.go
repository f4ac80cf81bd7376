package engineio

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// Sentinel errors. Codec functions return ErrInvalidPacket and
// ErrInvalidPayload; Session.Send returns ErrSessionClosed and ErrQueueFull.
// The others are passed as the cause to Handler.HandleClose so that a
// handler can tell why its session ended.
var (
	ErrInvalidPacket  = errors.New("engineio: invalid packet")
	ErrInvalidPayload = errors.New("engineio: invalid payload")
	ErrSessionClosed  = errors.New("engineio: session closed")
	ErrQueueFull      = errors.New("engineio: send queue full")

	// ErrPayloadTooLarge: a polling POST body was longer than
	// Options.MaxPayload (the request got 413).
	ErrPayloadTooLarge = errors.New("engineio: payload too large")
	// ErrInvalidUTF8: a WebSocket text frame was not valid UTF-8 (closed
	// with status 1007).
	ErrInvalidUTF8 = errors.New("engineio: invalid UTF-8 in text frame")
	// ErrOverlappingRequest: the client had two GET (or two POST) polling
	// requests in flight at once, which the protocol forbids.
	ErrOverlappingRequest = errors.New("engineio: overlapping polling request")
	// ErrPollAborted: the client went away while a polling GET was pending.
	ErrPollAborted = errors.New("engineio: polling request closed prematurely")
	// ErrHeartbeatDirection: the client sent a ping. In Engine.IO v4 only
	// the server pings; socket.io closes such a session with "transport
	// error" ("invalid heartbeat direction"), and so do we.
	ErrHeartbeatDirection = errors.New("engineio: invalid heartbeat direction (client sent a ping)")
)

// Close reasons (strings as socket.io names them), passed to
// Handler.HandleClose.
const (
	ReasonTransportClose = "transport close"
	ReasonTransportError = "transport error"
	ReasonPingTimeout    = "ping timeout"
	ReasonParseError     = "parse error"
	ReasonForcedClose    = "forced close"
	ReasonServerShutdown = "server shutting down"
)

// Error codes of the JSON body of a rejected HTTP request, as socket.io's
// engine numbers them (Server.errors in engine.io).
const (
	CodeUnknownTransport           = 0
	CodeUnknownSID                 = 1
	CodeBadHandshakeMethod         = 2
	CodeBadRequest                 = 3
	CodeForbidden                  = 4
	CodeUnsupportedProtocolVersion = 5
)

// HTTPError is a rejected handshake or request. The server answers it with
// the given HTTP status and the JSON body {"code":Code,"message":Message}.
// AllowRequest may return one to choose the answer itself.
type HTTPError struct {
	Status  int
	Code    int
	Message string
}

func (e *HTTPError) Error() string {
	return "engineio: " + strconv.Itoa(e.Status) + " code " + strconv.Itoa(e.Code) + ": " + e.Message
}

// The standard rejections, with socket.io's codes and messages.
var (
	errUnknownTransport = &HTTPError{http.StatusBadRequest, CodeUnknownTransport, "Transport unknown"}
	errUnknownSID       = &HTTPError{http.StatusBadRequest, CodeUnknownSID, "Session ID unknown"}
	errBadHandshake     = &HTTPError{http.StatusBadRequest, CodeBadHandshakeMethod, "Bad handshake method"}
	errBadRequest       = &HTTPError{http.StatusBadRequest, CodeBadRequest, "Bad request"}
	errForbidden        = &HTTPError{http.StatusForbidden, CodeForbidden, "Forbidden"}
	errUnsupportedEIO   = &HTTPError{http.StatusBadRequest, CodeUnsupportedProtocolVersion, "Unsupported protocol version"}
)

// body renders {"code":N,"message":"..."}.
func (e *HTTPError) body() []byte {
	msg, _ := json.Marshal(e.Message) // a string always marshals
	b := make([]byte, 0, 24+len(msg))
	b = append(b, `{"code":`...)
	b = strconv.AppendInt(b, int64(e.Code), 10)
	b = append(b, `,"message":`...)
	b = append(b, msg...)
	return append(b, '}')
}

// writeHTTPError answers the request with e. Headers already set on w (the
// CORS ones) are kept.
func writeHTTPError(w http.ResponseWriter, e *HTTPError) {
	body := e.body()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}
