package client

import (
	"errors"
	"fmt"
	"sync/atomic"

	"socketlab/reference/socketio/parser"
)

var (
	// ErrAckTimeout: no acknowledgement arrived within the timeout
	// (socket.io-client: "operation has timed out").
	ErrAckTimeout = errors.New("socketio client: ack timeout")
	// ErrDisconnected: the socket disconnected before the acknowledgement
	// arrived (socket.io-client: "socket has been disconnected"), or there
	// is no open connection to send an acknowledgement on.
	ErrDisconnected = errors.New("socketio client: socket disconnected")
	// ErrReservedEvent: the event name is one of parser.ReservedEvents
	// (socket.io-client throws `"connect" is a reserved event name`).
	ErrReservedEvent = errors.New("socketio client: reserved event name")
	// ErrNoAck: Event.Ack on an event the server sent without asking for
	// an acknowledgement.
	ErrNoAck = errors.New("socketio client: event has no acknowledgement")
	// ErrAlreadyAcked: Event.Ack called a second time (socket.io-client
	// silently ignores the second call).
	ErrAlreadyAcked = errors.New("socketio client: event already acknowledged")
	// ErrTimeout is the error of a connection attempt that did not open
	// within Options.Timeout. Its text is socket.io-client's, "timeout".
	ErrTimeout = errors.New("timeout")
)

// ConnectError is what OnConnectError handlers receive
// (socket.io-client's connect_error event).
//
// When the server refused the namespace (a CONNECT_ERROR packet, e.g. from
// a middleware), Message and Data are the packet's "message" and "data",
// Cause is nil, and the socket will not retry by itself (call Connect).
// When the connection itself failed (refused, timed out, broken before the
// namespace was joined), Message is the error's text, Cause the error, and
// the Manager keeps reconnecting if reconnection is on.
type ConnectError struct {
	Message string
	Data    any
	Cause   error
}

func (e *ConnectError) Error() string { return e.Message }

// Unwrap returns Cause.
func (e *ConnectError) Unwrap() error { return e.Cause }

// AckFunc receives the server's acknowledgement of an emit: its arguments,
// or an error (ErrAckTimeout, ErrDisconnected) when none will come. Passed
// as the last argument of Emit, it asks the server to acknowledge. A
// func([]any, error) literal works too.
type AckFunc func(args []any, err error)

// Event is one event received from the server.
type Event struct {
	// Name is the event name.
	Name string
	// Args are the arguments after the name, as decoded JSON values:
	// map[string]any, []any, json.Number, string, bool, nil, and []byte for
	// binary attachments. With connection state recovery the server
	// appends an offset (a string) to the events it may replay; like
	// socket.io-client, the client leaves it in Args.
	Args []any

	socket *Socket
	ackID  int64
	acked  atomic.Bool
}

// Socket is the socket that received the event.
func (e *Event) Socket() *Socket { return e.socket }

// HasAck reports whether the server asked for an acknowledgement.
func (e *Event) HasAck() bool { return e.ackID >= 0 }

// Ack answers the server's acknowledgement callback with args (binary
// allowed). Only the first call sends anything (ErrAlreadyAcked after).
// It may be called from any goroutine, also after the handler returned.
func (e *Event) Ack(args ...any) error {
	if !e.HasAck() {
		return ErrNoAck
	}
	if !e.acked.CompareAndSwap(false, true) {
		return ErrAlreadyAcked
	}
	if args == nil {
		args = []any{}
	}
	msgs, err := encode(&parser.Packet{Type: parser.Ack, Namespace: e.socket.nsp, ID: e.ackID, Data: args})
	if err != nil {
		return err
	}
	m := e.socket.m
	m.mu.Lock()
	sent := m.write(msgs)
	m.mu.Unlock()
	if !sent {
		return ErrDisconnected
	}
	return nil
}

// Bind decodes argument i into v (a pointer), through JSON. Binary
// arguments bind to *[]byte.
func (e *Event) Bind(i int, v any) error {
	if i < 0 || i >= len(e.Args) {
		return fmt.Errorf("socketio client: event %q has no argument %d", e.Name, i)
	}
	return parser.Bind(e.Args[i], v)
}
