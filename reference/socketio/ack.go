package socketio

import (
	"sync"
	"time"
)

// AckFunc receives a peer's acknowledgement: its arguments, or an error
// (ErrAckTimeout, ErrDisconnected) when none will come. Passed as the last
// argument of an Emit, it asks the client to acknowledge.
type AckFunc func(args []any, err error)

// ackTable holds the acknowledgements a socket waits for. Each callback is
// called exactly once: with the reply, on timeout, or when the socket
// disconnects.
type ackTable struct {
	mu      sync.Mutex
	next    int64
	pending map[int64]*pendingAck
	closed  bool
	// logPanic reports a panic raised by a callback on a timer goroutine.
	logPanic func(recovered any)
}

type pendingAck struct {
	fn    AckFunc
	timer *time.Timer
}

// register allocates an ack id for fn. timeout <= 0 waits until the reply
// or the disconnection. ok is false when the socket is already closed
// (fn has then been called with ErrDisconnected).
func (t *ackTable) register(fn AckFunc, timeout time.Duration) (id int64, ok bool) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		fn(nil, ErrDisconnected)
		return 0, false
	}
	if t.pending == nil {
		t.pending = make(map[int64]*pendingAck)
	}
	id = t.next
	t.next++
	pa := &pendingAck{fn: fn}
	t.pending[id] = pa
	if timeout > 0 {
		pa.timer = time.AfterFunc(timeout, func() {
			// The callback runs on a timer goroutine: a panic in it must not
			// crash the process, so it is logged like handler panics.
			defer func() {
				if r := recover(); r != nil && t.logPanic != nil {
					t.logPanic(r)
				}
			}()
			t.settle(id, nil, ErrAckTimeout)
		})
	}
	t.mu.Unlock()
	return id, true
}

// resolve delivers a client's ACK packet. An unknown id (late reply after
// a timeout, or an id never issued) is ignored, as socket.io does.
func (t *ackTable) resolve(id int64, args []any) {
	if args == nil {
		args = []any{}
	}
	t.settle(id, args, nil)
}

func (t *ackTable) settle(id int64, args []any, err error) {
	t.mu.Lock()
	pa := t.pending[id]
	delete(t.pending, id)
	t.mu.Unlock()
	if pa == nil {
		return
	}
	if pa.timer != nil {
		pa.timer.Stop()
	}
	pa.fn(args, err)
}

func (t *ackTable) failAll(err error) {
	t.mu.Lock()
	t.closed = true
	pending := t.pending
	t.pending = nil
	t.mu.Unlock()
	for _, pa := range pending {
		if pa.timer != nil {
			pa.timer.Stop()
		}
		pa.fn(nil, err)
	}
}
