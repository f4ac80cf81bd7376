package faults

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wire"
)

// collector keeps every Socket.IO packet a wire.SIO receives, from when it
// starts, so that a case waiting for one packet never discards another: the
// upgrade case judges the whole stream (nothing lost or doubled while the
// transport changes), not just the packets it waited for.
type collector struct {
	mu      sync.Mutex
	list    []wire.Packet
	changed chan struct{}
	done    bool
	err     error
}

// collect reads sio until it fails or ctx ends. Nothing else may read sio
// meanwhile.
func collect(ctx context.Context, sio *wire.SIO) *collector {
	k := &collector{changed: make(chan struct{})}
	go func() {
		for {
			p, err := sio.Next(ctx)
			k.mu.Lock()
			if err != nil {
				k.done, k.err = true, err
			} else {
				k.list = append(k.list, p)
			}
			close(k.changed)
			k.changed = make(chan struct{})
			k.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return k
}

// wait returns the first collected packet that matches; the error that
// ended the stream, or a *wire.TimeoutError naming what when ctx ends.
func (k *collector) wait(ctx context.Context, what string, match func(wire.Packet) bool) (wire.Packet, error) {
	started := time.Now()
	for from := 0; ; {
		k.mu.Lock()
		for _, p := range k.list[from:] {
			if match(p) {
				k.mu.Unlock()
				return p, nil
			}
		}
		from = len(k.list)
		done, err, changed := k.done, k.err, k.changed
		k.mu.Unlock()
		if done {
			return wire.Packet{}, err
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return wire.Packet{}, &wire.TimeoutError{Waiting: what, After: time.Since(started)}
		}
	}
}

func (k *collector) packets() []wire.Packet {
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.list)
}

// wireStep is stepOf for a raw packet.
func wireStep(p wire.Packet, id string) string {
	var args []json.RawMessage
	if json.Unmarshal(p.Data, &args) != nil || len(args) < 2 {
		return ""
	}
	if vid, st := eventStep(p.Event(), args[1]); vid == id {
		return st
	}
	return ""
}

// isAck selects the ACK with id on the main namespace.
func isAck(id uint64) func(wire.Packet) bool {
	return func(p wire.Packet) bool {
		return p.Namespace == "/" && p.Type == codec.SIOAck && p.ID != nil && *p.ID == id
	}
}

// isAnnouncement selects server:announcement carrying message.
func isAnnouncement(message string) func(wire.Packet) bool {
	return func(p wire.Packet) bool {
		if p.Event() != "server:announcement" {
			return false
		}
		var args []json.RawMessage
		var body struct {
			Message string `json:"message"`
		}
		return json.Unmarshal(p.Data, &args) == nil && len(args) >= 2 && json.Unmarshal(args[1], &body) == nil && body.Message == message
	}
}
