package sioclient

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"socketlab/conformance/internal/codec"
)

// Received is one Socket.IO packet from the server, as recorded.
type Received struct {
	Seq    int       // position in the socket's record, from 0
	At     time.Time // arrival
	Packet codec.SIOPacket
	// Frame is the Engine.IO message text that carried the packet.
	Frame string
	// Event is the event name of an EVENT or BINARY_EVENT.
	Event string
	// Args are the EVENT arguments after the name, or the ACK arguments.
	Args []json.RawMessage
	// Attachments of a BINARY_EVENT or BINARY_ACK.
	Attachments [][]byte
	// Err is set when the frame broke the codec (the packet is then empty).
	Err error
}

// IsEvent reports whether r is an EVENT or BINARY_EVENT.
func (r Received) IsEvent() bool {
	return r.Err == nil && (r.Packet.Type == codec.SIOEvent || r.Packet.Type == codec.SIOBinaryEvent)
}

// Arg decodes argument i into v.
func (r Received) Arg(i int, v any) error {
	if i >= len(r.Args) {
		return &json.UnmarshalTypeError{Value: "missing argument", Type: nil}
	}
	return json.Unmarshal(r.Args[i], v)
}

// Predicate selects recorded packets.
type Predicate func(Received) bool

// EventNamed selects events called name whose first argument, decoded as
// a JSON object, satisfies match (nil matches all).
func EventNamed(name string, match ...func(map[string]any) bool) Predicate {
	return func(r Received) bool {
		if !r.IsEvent() || r.Event != name {
			return false
		}
		if len(match) == 0 {
			return true
		}
		var obj map[string]any
		if len(r.Args) == 0 || json.Unmarshal(r.Args[0], &obj) != nil {
			return false
		}
		for _, m := range match {
			if !m(obj) {
				return false
			}
		}
		return true
	}
}

// Member matches a first argument whose member key equals value.
func Member(key string, value any) func(map[string]any) bool {
	return func(obj map[string]any) bool { return obj[key] == value }
}

// recorder is an append-only list of received packets that waiters can
// block on: appending wakes every waiter, which then rescans.
type recorder struct {
	mu      sync.Mutex
	list    []Received
	changed chan struct{}
	ended   bool
	endErr  error
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) add(x Received) Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	x.Seq = len(r.list)
	r.list = append(r.list, x)
	close(r.changed)
	r.changed = make(chan struct{})
	return x
}

// end marks the connection over; waiters stop waiting for new packets.
func (r *recorder) end(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	r.ended, r.endErr = true, err
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *recorder) snapshot() []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Received(nil), r.list...)
}

// wait returns the first packet at index from or later that matches.
func (r *recorder) wait(ctx context.Context, from int, what string, match Predicate) (Received, error) {
	for {
		r.mu.Lock()
		for i := from; i < len(r.list); i++ {
			if match(r.list[i]) {
				x := r.list[i]
				r.mu.Unlock()
				return x, nil
			}
		}
		from = len(r.list)
		ended, endErr, changed := r.ended, r.endErr, r.changed
		r.mu.Unlock()
		if ended {
			return Received{}, &ClosedError{Waiting: what, Cause: endErr}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return Received{}, &TimeoutError{Waiting: what, Cause: ctx.Err()}
		}
	}
}

// TimeoutError says a wait ended with its context before a match arrived.
type TimeoutError struct {
	Waiting string
	Cause   error
}

func (e *TimeoutError) Error() string { return "timed out waiting for " + e.Waiting }
func (e *TimeoutError) Unwrap() error { return e.Cause }
