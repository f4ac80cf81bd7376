package socketio

import (
	"sync"
	"time"

	"socketlab/reference/engineio"
	"socketlab/reference/socketio/parser"
)

// BroadcastOperator describes a set of sockets of one namespace: rooms
// (union), rooms to except, and possibly the sender to exclude. Each
// method returns a new operator, so operators can be shared and reused.
type BroadcastOperator struct {
	nsp *Namespace
	t   target
}

// To adds rooms to the union of target rooms.
func (b *BroadcastOperator) To(rooms ...string) *BroadcastOperator {
	next := *b
	next.t.rooms = append(append([]string(nil), b.t.rooms...), rooms...)
	return &next
}

// In is an alias of To.
func (b *BroadcastOperator) In(rooms ...string) *BroadcastOperator { return b.To(rooms...) }

// Except removes every socket in rooms from the targets.
func (b *BroadcastOperator) Except(rooms ...string) *BroadcastOperator {
	next := *b
	next.t.except = append(append([]string(nil), b.t.except...), rooms...)
	return &next
}

// targetsPool recycles the slices that hold a broadcast's targets, so a
// busy server does not allocate a 1,000-entry slice per event.
var targetsPool = sync.Pool{New: func() any { s := make([]*Socket, 0, 64); return &s }}

// Emit sends an event to every target socket. The packet is encoded once
// and the same Engine.IO messages (hence, over WebSocket, the same
// prepared frames) are queued on every target connection. Acknowledgements
// are not supported on broadcasts.
//
// With connection state recovery on, the event also gets an offset as its
// last argument and is retained, so that sockets of the target rooms that
// are disconnected right now receive it when they recover.
func (b *BroadcastOperator) Emit(event string, args ...any) error {
	if err := checkEventName(event); err != nil {
		return err
	}
	if st := b.nsp.recovery; st != nil {
		return b.emitRecoverable(st, event, args)
	}
	msgs, err := b.encode(event, args)
	if err != nil {
		return err
	}
	b.send(msgs)
	return nil
}

func (b *BroadcastOperator) encode(event string, args []any) ([]*engineio.Message, error) {
	return encodeMessages(&parser.Packet{
		Type:      parser.Event,
		Namespace: b.nsp.name,
		ID:        -1,
		Data:      eventData(event, args),
	})
}

// emitRecoverable numbers, retains and sends one event, all under the
// store's emit lock so that every client sees offsets in increasing order.
func (b *BroadcastOperator) emitRecoverable(st *recoveryStore, event string, args []any) error {
	st.emitMu.Lock()
	defer st.emitMu.Unlock()
	seq, offset := st.allocate()
	msgs, err := b.encode(event, append(args[:len(args):len(args)], offset))
	p := storedPacket{at: time.Now(), rooms: b.t.rooms, except: b.t.except, msgs: msgs}
	if b.t.exclude != nil {
		p.exclude = b.t.exclude.id
	}
	st.store(seq, p) // even on error: seqs must stay contiguous (nil msgs replay nothing)
	if err != nil {
		return err
	}
	b.send(msgs)
	return nil
}

func (b *BroadcastOperator) send(msgs []*engineio.Message) {
	bufp := targetsPool.Get().(*[]*Socket)
	targets := b.nsp.adapter.collect((*bufp)[:0], b.t)
	for _, s := range targets {
		// A full queue closes that one slow connection; the others go on.
		_ = s.conn.session.Send(msgs...)
	}
	clear(targets)
	*bufp = targets[:0]
	targetsPool.Put(bufp)
}

// Sockets returns the target sockets (a snapshot).
func (b *BroadcastOperator) Sockets() []*Socket {
	return b.nsp.adapter.collect(nil, b.t)
}

// DisconnectSockets disconnects every target socket.
func (b *BroadcastOperator) DisconnectSockets(close bool) {
	for _, s := range b.Sockets() {
		s.Disconnect(close)
	}
}

// SocketsJoin makes every target socket join rooms.
func (b *BroadcastOperator) SocketsJoin(rooms ...string) {
	for _, s := range b.Sockets() {
		s.Join(rooms...)
	}
}

// SocketsLeave makes every target socket leave room.
func (b *BroadcastOperator) SocketsLeave(room string) {
	for _, s := range b.Sockets() {
		s.Leave(room)
	}
}
