package socketio

import (
	"context"
	"time"

	"socketlab/reference/socketio/parser"
)

// reservedEvents may not be emitted: the client library gives these names
// a meaning of its own.
var reservedEvents = map[string]bool{}

func init() {
	for _, name := range parser.ReservedEvents {
		reservedEvents[name] = true
	}
}

func checkEventName(event string) error {
	if reservedEvents[event] {
		return ErrReservedEvent
	}
	return nil
}

// splitAck separates a trailing AckFunc from the arguments.
func splitAck(args []any) ([]any, AckFunc) {
	if n := len(args); n > 0 {
		switch fn := args[n-1].(type) {
		case AckFunc:
			return args[:n-1], fn
		case func([]any, error):
			return args[:n-1], AckFunc(fn)
		}
	}
	return args, nil
}

func eventData(event string, args []any) []any {
	data := make([]any, 0, 1+len(args))
	data = append(data, event)
	return append(data, args...)
}

// Emit sends an event to this socket's client. Arguments are any values
// encoding/json accepts, and []byte for binary (sent as attachments, at
// any depth of []any and map[string]any). When the last argument is an
// AckFunc, the client is asked to acknowledge and the function receives
// its reply, or ErrDisconnected if the socket disconnects first.
//
// Emit never blocks on the network: the packet joins the connection's
// bounded send queue.
//
// With connection state recovery on, an event without acknowledgement
// carries an offset as its last argument and is retained: emitted to a
// socket that is disconnected but may still recover, it is delivered on
// recovery (Emit then returns nil, not ErrDisconnected).
func (s *Socket) Emit(event string, args ...any) error {
	return s.emit(event, args, 0)
}

// Timeout returns an emitter whose acknowledgements fail with
// ErrAckTimeout after d (socket.io's socket.timeout(d).emit).
func (s *Socket) Timeout(d time.Duration) *Emitter {
	return &Emitter{socket: s, timeout: d}
}

// EmitWithAck emits an event and waits for the client's acknowledgement
// or ctx's end. Do not call it from an event handler of the same
// connection without a timeout: the handler would wait for a reply that
// the connection only reads once the handler returns. Use an AckFunc
// there.
func (s *Socket) EmitWithAck(ctx context.Context, event string, args ...any) ([]any, error) {
	type reply struct {
		args []any
		err  error
	}
	done := make(chan reply, 1)
	fn := AckFunc(func(args []any, err error) { done <- reply{args, err} })
	if err := s.emit(event, append(args[:len(args):len(args)], fn), 0); err != nil {
		return nil, err
	}
	select {
	case r := <-done:
		return r.args, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Emitter emits with an acknowledgement timeout.
type Emitter struct {
	socket  *Socket
	timeout time.Duration
}

// Emit is Socket.Emit with the emitter's acknowledgement timeout.
func (e *Emitter) Emit(event string, args ...any) error {
	return e.socket.emit(event, args, e.timeout)
}

func (s *Socket) emit(event string, args []any, timeout time.Duration) error {
	if err := checkEventName(event); err != nil {
		return err
	}
	args, ack := splitAck(args)
	if ack == nil && s.nsp.recovery != nil {
		// socket.io sends a recoverable socket's own events through the
		// adapter too, to its id room: they get an offset and are replayed
		// if the socket recovers after missing them.
		return (&BroadcastOperator{nsp: s.nsp, t: target{rooms: []string{s.id}}}).Emit(event, args...)
	}
	p := &parser.Packet{Type: parser.Event, Namespace: s.nsp.name, ID: -1, Data: eventData(event, args)}
	if ack != nil {
		id, ok := s.acks.register(ack, timeout)
		if !ok {
			return ErrDisconnected
		}
		p.ID = id
	}
	if !s.Connected() {
		if ack != nil {
			s.acks.settle(p.ID, nil, ErrDisconnected)
		}
		return ErrDisconnected
	}
	if err := s.conn.sendPacket(p); err != nil {
		if ack != nil {
			s.acks.settle(p.ID, nil, err)
		}
		return err
	}
	return nil
}
