package engineio

import (
	"sync"
	"sync/atomic"
	"time"
)

// flushWatchTick is the period of the flushWatch: a packet sent while its
// session's reader is inside HandleMessage waits at most two ticks.
const flushWatchTick = 500 * time.Microsecond

// flushWatch bounds deferred flushes (see Session.kickLocked) without a
// timer per message: arming a short timer for every reply costs more than
// the hand-off the deferral saves. One goroutine per server ticks while
// any session is watched and exits when none is; a session is added at
// most once per tick however many messages it defers.
type flushWatch struct {
	epoch atomic.Uint32 // ticks so far

	mu       sync.Mutex
	sessions []*Session
	running  bool
}

// add watches s. The caller holds s.mu: the lock order is s.mu, then
// w.mu, and run never holds w.mu while it locks a session.
func (w *flushWatch) add(s *Session) {
	w.mu.Lock()
	w.sessions = append(w.sessions, s)
	start := !w.running
	w.running = true
	w.mu.Unlock()
	if start {
		go w.run()
	}
}

func (w *flushWatch) run() {
	ticker := time.NewTicker(flushWatchTick)
	defer ticker.Stop()
	var keep []*Session
	for range ticker.C {
		epoch := w.epoch.Add(1)
		w.mu.Lock()
		batch := w.sessions
		w.sessions = nil
		w.mu.Unlock()

		keep = keep[:0]
		for _, s := range batch {
			if s.checkDeferredFlush(epoch) {
				keep = append(keep, s)
			}
		}
		clear(batch)

		w.mu.Lock()
		w.sessions = append(w.sessions, keep...)
		if len(w.sessions) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
	}
}
