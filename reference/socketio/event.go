package socketio

import (
	"fmt"
	"sync/atomic"

	"socketlab/reference/socketio/parser"
)

// Event is one event received from a client.
type Event struct {
	// Name is the event name (the first element of the packet's array).
	Name string
	// Args are the arguments after the name, as decoded JSON values:
	// map[string]any, []any, json.Number, string, bool, nil, and []byte for
	// binary attachments. Use Bind to decode one into a Go type.
	Args []any

	socket *Socket
	ackID  int64
	acked  atomic.Bool
}

// Socket is the socket that received the event.
func (e *Event) Socket() *Socket { return e.socket }

// HasAck reports whether the client asked for an acknowledgement.
func (e *Event) HasAck() bool { return e.ackID >= 0 }

// Ack answers the client's acknowledgement callback with args (binary
// allowed). It may be called once, from any goroutine.
func (e *Event) Ack(args ...any) error {
	if !e.HasAck() {
		return ErrNoAck
	}
	if !e.acked.CompareAndSwap(false, true) {
		return ErrAlreadyAcked
	}
	if !e.socket.Connected() {
		return ErrDisconnected
	}
	if args == nil {
		args = []any{}
	}
	return e.socket.conn.sendPacket(&parser.Packet{
		Type:      parser.Ack,
		Namespace: e.socket.nsp.name,
		ID:        e.ackID,
		Data:      args,
	})
}

// Bind decodes argument i into v (a pointer), through JSON. Binary
// arguments bind to *[]byte.
func (e *Event) Bind(i int, v any) error {
	if i < 0 || i >= len(e.Args) {
		return fmt.Errorf("socketio: event %q has no argument %d", e.Name, i)
	}
	return parser.Bind(e.Args[i], v)
}
