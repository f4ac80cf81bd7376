package engineio

import (
	"time"

	"github.com/gorilla/websocket"
)

// heartbeatPhase is what the session's single heartbeat timer waits for.
// One time.AfterFunc timer per session, re-armed in place, does the whole
// heartbeat: no goroutine exists between firings.
type heartbeatPhase uint8

const (
	hbWaitPing heartbeatPhase = iota // due: send a ping
	hbWaitPong                       // due: the pong is late, close ("ping timeout")
	hbClosing                        // due: a graceful Close took too long, finish it
)

func (s *Session) startHeartbeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stateLocked() == stateClosed {
		return
	}
	d := s.srv.opts.PingInterval
	s.hbPhase = hbWaitPing
	s.hbDue = time.Now().Add(d)
	s.hbTimer = time.AfterFunc(d, s.onHeartbeat)
}

// armLocked re-arms the heartbeat timer for phase in d.
func (s *Session) armLocked(phase heartbeatPhase, d time.Duration) {
	s.armAtLocked(phase, time.Now(), time.Now().Add(d))
}

// armAtLocked re-arms the heartbeat timer for phase at due.
func (s *Session) armAtLocked(phase heartbeatPhase, now, due time.Time) {
	s.hbPhase = phase
	s.hbDue = due
	if s.hbTimer != nil {
		s.hbTimer.Reset(due.Sub(now))
	}
}

// armClosingLocked bounds a graceful Close by PingTimeout: a client that
// does not take its last packets by then is not listening.
func (s *Session) armClosingLocked() {
	s.armLocked(hbClosing, s.srv.opts.PingTimeout)
}

// onHeartbeat is the timer callback. A firing from before the last re-arm
// (Reset cannot recall a callback that already started) finds hbDue in the
// future and does nothing; the timer fires again when due.
func (s *Session) onHeartbeat() {
	s.mu.Lock()
	if s.stateLocked() == stateClosed || time.Now().Before(s.hbDue) {
		s.mu.Unlock()
		return
	}
	switch s.hbPhase {
	case hbWaitPing:
		conn := s.enqueueControlLocked(pingMessage)
		// The pong is due PingTimeout after the ping was due, not after
		// this late callback: a session is then known dead exactly
		// pingInterval+pingTimeout after its last pong, which is when a
		// client stops trusting it too. A callback so late that this
		// leaves the client less than half of PingTimeout gets that half.
		now := time.Now()
		due := s.hbDue.Add(s.srv.opts.PingTimeout)
		if least := now.Add(s.srv.opts.PingTimeout / 2); due.Before(least) {
			due = least
		}
		s.armAtLocked(hbWaitPong, now, due)
		s.mu.Unlock()
		if conn != nil {
			go s.flushLoop(conn)
		}
	case hbWaitPong:
		s.mu.Unlock()
		s.finish(ReasonPingTimeout, nil, websocket.CloseNormalClosure)
	default: // hbClosing
		reason := s.closeReason
		s.mu.Unlock()
		s.finish(reason, nil, websocket.CloseNormalClosure)
	}
}

// onPong answers the ping in flight: the next one is due PingInterval
// from now, as in socket.io. A pong nobody asked for is ignored.
func (s *Session) onPong() {
	s.mu.Lock()
	if s.hbPhase == hbWaitPong && s.stateLocked() == stateOpen {
		s.armLocked(hbWaitPing, s.srv.opts.PingInterval)
	}
	s.mu.Unlock()
}

// pongOverdue reports whether the pong is late even though the timer has
// not fired yet (timers run late on a busy machine). Requests check it so
// that a dead session is not served in that gap.
func (s *Session) pongOverdue() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hbPhase == hbWaitPong && s.stateLocked() != stateClosed && !time.Now().Before(s.hbDue)
}
