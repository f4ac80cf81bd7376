package engineio

import (
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

var fastHeartbeat = Options{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond}

func TestHeartbeatPolling(t *testing.T) {
	ts := newTestServer(t, fastHeartbeat)
	sid, r := ts.handshake(t)
	for range 3 {
		res := get(t, ts.pollURL(sid))
		require.Equal(t, http.StatusOK, res.status)
		require.Equal(t, "2", res.body)
		require.Equal(t, "ok", post(t, ts.pollURL(sid), "3").body)
	}
	select {
	case c := <-r.closes:
		t.Fatalf("closed despite pongs: %v", c)
	default:
	}
}

func TestPingTimeoutPolling(t *testing.T) {
	ts := newTestServer(t, fastHeartbeat)
	sid, r := ts.handshake(t)
	start := time.Now()
	c := r.waitClose(t)
	require.Equal(t, ReasonPingTimeout, c.reason)
	require.NoError(t, c.cause)
	require.GreaterOrEqual(t, time.Since(start), 90*time.Millisecond)
	requireHTTPError(t, get(t, ts.pollURL(sid)), 400, 1, "Session ID unknown")
}

// A GET pending when the pong is late is answered with a close packet.
func TestPingTimeoutPollingPendingGet(t *testing.T) {
	ts := newTestServer(t, fastHeartbeat)
	sid, r := ts.handshake(t)
	require.Equal(t, "2", get(t, ts.pollURL(sid)).body)
	pending := asyncGet(t, ts.pollURL(sid))
	require.Equal(t, "1", waitResponse(t, pending).body)
	require.Equal(t, ReasonPingTimeout, r.waitClose(t).reason)
}

func TestHeartbeatWebSocket(t *testing.T) {
	ts := newTestServer(t, fastHeartbeat)
	c, _, r := ts.openWS(t)
	for range 3 {
		c.readText("2")
		c.send("3")
	}
	c.send("4still here")
	c.readText("4still here")
	c.readText("2")
	c.send("3")
	select {
	case cl := <-r.closes:
		t.Fatalf("closed despite pongs: %v", cl)
	default:
	}
}

func TestPingTimeoutWebSocket(t *testing.T) {
	ts := newTestServer(t, fastHeartbeat)
	c, _, r := ts.openWS(t)
	c.readText("2")
	require.Equal(t, websocket.CloseNormalClosure, c.expectClose())
	require.Equal(t, ReasonPingTimeout, r.waitClose(t).reason)
}

// A pong nobody asked for changes nothing; a late pong does not save the
// session.
func TestUnsolicitedPong(t *testing.T) {
	ts := newTestServer(t, fastHeartbeat)
	c, _, r := ts.openWS(t)
	c.send("3")
	c.send("3")
	c.readText("2")
	require.Equal(t, websocket.CloseNormalClosure, c.expectClose())
	require.Equal(t, ReasonPingTimeout, r.waitClose(t).reason)
}

// A request that arrives after the pong deadline, while the timer has not
// fired yet (a busy machine), finds the session dead.
func TestPongOverdueBeforeTimerFires(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	s := r.session
	s.mu.Lock()
	s.hbTimer.Stop()
	s.queue = append(s.queue, pingMessage)
	s.hbPhase = hbWaitPong
	s.hbDue = time.Now().Add(-time.Millisecond)
	s.mu.Unlock()
	requireHTTPError(t, get(t, ts.pollURL(sid)), 400, 1, "Session ID unknown")
	require.Equal(t, ReasonPingTimeout, r.waitClose(t).reason)
}
