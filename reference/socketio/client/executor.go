package client

import "sync"

// executor runs functions one at a time, in the order they were posted,
// on a goroutine of its own that exists only while there is work (so an
// abandoned Manager leaves no goroutine behind). It is the "event loop" of
// a Manager: everything the connection reports (messages, close, timers,
// dial results) and every user handler runs through it, serially.
type executor struct {
	mu      sync.Mutex
	queue   []func()
	running bool
}

func (e *executor) post(f func()) {
	e.mu.Lock()
	e.queue = append(e.queue, f)
	if !e.running {
		e.running = true
		go e.drain()
	}
	e.mu.Unlock()
}

func (e *executor) drain() {
	for {
		e.mu.Lock()
		if len(e.queue) == 0 {
			e.queue = nil
			e.running = false
			e.mu.Unlock()
			return
		}
		f := e.queue[0]
		e.queue[0] = nil
		e.queue = e.queue[1:]
		e.mu.Unlock()
		f()
	}
}
