package sioclient

import (
	"encoding/json"
	"fmt"
)

// ConnectError is the server's CONNECT_ERROR answer to a CONNECT: the
// namespace refused the socket with Message (and optional Data).
type ConnectError struct {
	Namespace string
	Message   string
	// HasMessage is false when the payload had no string "message".
	HasMessage bool
	Data       json.RawMessage
	// Raw is the packet's JSON payload as received.
	Raw json.RawMessage
}

func (e *ConnectError) Error() string {
	return fmt.Sprintf("CONNECT to %s refused: %s", e.Namespace, e.Raw)
}

// HandshakeError is an Engine.IO handshake the server did not accept: an
// HTTP status other than 200 (polling) or 101 (WebSocket).
type HandshakeError struct {
	Status int
	Body   string
}

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("Engine.IO handshake refused: HTTP %d %q", e.Status, e.Body)
}

// ClosedError says the connection ended while the client waited for
// something (a CONNECT reply, an ack).
type ClosedError struct {
	Waiting string
	Cause   error
}

func (e *ClosedError) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("connection closed while waiting for %s: %v", e.Waiting, e.Cause)
	}
	return "connection closed while waiting for " + e.Waiting
}

func (e *ClosedError) Unwrap() error { return e.Cause }

// ProtocolError is a frame from the server that the strict codec rejects;
// it wraps the *codec.Error.
type ProtocolError struct {
	Frame string
	Cause error
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("invalid frame from server %q: %v", e.Frame, e.Cause)
}

func (e *ProtocolError) Unwrap() error { return e.Cause }
