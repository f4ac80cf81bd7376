package scriptserver

import (
	"context"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wirelog"
)

// startHeartbeat pings pingInterval after the open packet and after each
// pong, and ends the session when a pong is later than pingTimeout — what
// engine.io-protocol v4 §Heartbeat describes for a server.
func (sess *Session) startHeartbeat() {
	if sess.srv.opts.NoPings {
		return
	}
	go sess.heartbeat()
}

func (sess *Session) heartbeat() {
	s := sess.srv
	for {
		select {
		case <-sess.stop:
			return
		case <-time.After(s.opts.PingInterval):
		}
		s.mu.Lock()
		n := len(sess.pings)
		sess.pings = append(sess.pings, Ping{Sent: time.Now()})
		s.mu.Unlock()
		if sess.sendEIO(codec.EIOPacket{Type: codec.EIOPing}) != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.PingTimeout)
		err := s.await(ctx, "pong", func() bool { return sess.ended || !sess.pings[n].Pong.IsZero() })
		cancel()
		if err != nil {
			s.opts.Log.Add(wirelog.Note, "note", sess.conn(), []byte("no pong within pingTimeout "+s.opts.PingTimeout.String()+": the session ends, as a server ends it"))
			sess.end("ping timeout", true)
			return
		}
	}
}
