package socketio

import (
	"errors"
	"fmt"
)

// Sentinel errors returned by emitters and acknowledgements.
var (
	// ErrDisconnected: the socket is no longer connected to its namespace.
	ErrDisconnected = errors.New("socketio: socket disconnected")
	// ErrReservedEvent: the event name is reserved by the protocol
	// (connect, connect_error, disconnect, disconnecting, newListener,
	// removeListener) and cannot be emitted.
	ErrReservedEvent = errors.New("socketio: reserved event name")
	// ErrAckTimeout: the peer did not acknowledge within the timeout.
	ErrAckTimeout = errors.New("socketio: acknowledgement timed out")
	// ErrAlreadyAcked: Event.Ack was called a second time.
	ErrAlreadyAcked = errors.New("socketio: event already acknowledged")
	// ErrNoAck: Event.Ack was called on an event the client sent without
	// asking for an acknowledgement.
	ErrNoAck = errors.New("socketio: event has no acknowledgement")
)

// ConnectError is the error a middleware returns to refuse a connection.
// The client receives a CONNECT_ERROR packet
// {"message": Message, "data": Data}; socket.io-client surfaces it as the
// connect_error event with err.message and err.data.
//
// Any other error returned by a middleware is sent with its Error() text as
// the message and no data.
type ConnectError struct {
	Message string
	Data    any
}

func (e *ConnectError) Error() string { return e.Message }

// NewConnectError returns a *ConnectError with optional data.
func NewConnectError(message string, data any) *ConnectError {
	return &ConnectError{Message: message, Data: data}
}

// ProtocolError describes why a connection was closed for breaking the
// Socket.IO protocol (a malformed packet, a packet for a namespace the
// client has not joined, a client-sent CONNECT_ERROR...). It is passed to
// Server.OnProtocolError hooks, mostly for logging and tests.
type ProtocolError struct {
	Reason string
	Err    error
}

func (e *ProtocolError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("socketio: protocol error: %s: %v", e.Reason, e.Err)
	}
	return "socketio: protocol error: " + e.Reason
}

func (e *ProtocolError) Unwrap() error { return e.Err }
