package engineio

import (
	"sync"
	"sync/atomic"
)

// delivery hands a Handler its messages and, exactly once, its close,
// for both ends of a connection (Session and Client).
//
// mu serializes HandleMessage calls and HandleClose. A close is recorded
// first (closeEvent) and then run by whichever goroutine holds mu or next
// releases it: every holder calls runPendingClose after unlocking, and the
// claim is a compare-and-swap. So HandleClose runs exactly once, never
// concurrently with HandleMessage, never nested inside it (a handler may
// call Close), and never with a connection lock held.
type delivery struct {
	mu           sync.Mutex
	handler      Handler
	closeEvent   atomic.Pointer[closeEvent]
	closeHandled atomic.Bool
}

// message delivers one message while open() holds.
func (d *delivery) message(open func() bool, data []byte, binary bool) {
	d.mu.Lock()
	if open() {
		d.handler.HandleMessage(data, binary)
	}
	d.mu.Unlock()
	d.runPendingClose()
}

// closed records the close and runs HandleClose unless a message is being
// delivered; then the deliverer runs it when HandleMessage returns.
func (d *delivery) closed(reason string, cause error) {
	d.closeEvent.Store(&closeEvent{reason: reason, cause: cause})
	d.runPendingClose()
}

func (d *delivery) runPendingClose() {
	if d.closeEvent.Load() == nil || d.closeHandled.Load() {
		return
	}
	if !d.mu.TryLock() {
		return // the holder calls us again after unlocking
	}
	if ev := d.closeEvent.Load(); ev != nil && d.closeHandled.CompareAndSwap(false, true) {
		d.handler.HandleClose(ev.reason, ev.cause)
	}
	d.mu.Unlock()
}
