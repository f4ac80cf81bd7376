package engineio

import (
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// The upgrade as socket.io-client does it: probe, the pending GET is
// released with a noop, upgrade, then packets flow over the WebSocket,
// those queued meanwhile first.
func TestUpgrade(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	pending := asyncGet(t, ts.pollURL(sid))
	require.Eventually(t, func() bool { return pollPending(r.session) }, waitTimeout, time.Millisecond)

	c := dialWS(t, ts.wsURL(sid), nil)
	c.send("2probe")
	c.readText("3probe")
	require.Equal(t, "6", waitResponse(t, pending).body)
	require.Equal(t, TransportPolling, r.session.Transport())

	// The client has paused polling: this waits in the queue.
	require.NoError(t, r.session.Send(NewTextMessage("queued")))
	c.send("5")
	c.readText("4queued")
	require.Equal(t, TransportWebSocket, r.session.Transport())

	c.send("4hello")
	c.readText("4hello")
	require.Equal(t, received{"hello", false}, r.nextMessage(t))

	// Polling is over for this session.
	requireHTTPError(t, get(t, ts.pollURL(sid)), 400, 3, "Bad request")
	requireHTTPError(t, post(t, ts.pollURL(sid), "4x"), 400, 3, "Bad request")
	c.send("4still")
	c.readText("4still")
	require.Equal(t, 1, ts.SessionCount())
}

// A GET arriving after the probe returns at once: with what is queued,
// or a noop.
func TestUpgradeGetAfterProbe(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	c := dialWS(t, ts.wsURL(sid), nil)
	c.send("2probe")
	c.readText("3probe")
	require.Equal(t, "6", get(t, ts.pollURL(sid)).body)
	require.NoError(t, r.session.Send(NewTextMessage("m")))
	require.Equal(t, "4m", get(t, ts.pollURL(sid)).body)
	c.send("5")
	c.send("4x")
	c.readText("4x")
}

// The conformance suite's "ignores HTTP requests with same sid after
// upgrade": probe and upgrade sent back to back, without reading.
func TestUpgradeBackToBack(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	c := dialWS(t, ts.wsURL(sid), nil)
	c.send("2probe")
	c.send("5")
	require.Eventually(t, func() bool { return r.session.Transport() == TransportWebSocket }, waitTimeout, time.Millisecond)
	require.Equal(t, http.StatusBadRequest, get(t, ts.pollURL(sid)).status)
	c.send("4hello")
	c.readText("3probe")
	c.readText("4hello")
}

func TestUpgradeSecondWebSocketIsClosed(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	c := dialWS(t, ts.wsURL(sid), nil)
	c.send("2probe")
	c.readText("3probe")

	// During the upgrade.
	during := dialWS(t, ts.wsURL(sid), nil)
	require.Equal(t, websocket.CloseNormalClosure, during.expectClose())

	c.send("5")
	require.Eventually(t, func() bool { return r.session.Transport() == TransportWebSocket }, waitTimeout, time.Millisecond)

	// After it.
	after := dialWS(t, ts.wsURL(sid), nil)
	require.Equal(t, websocket.CloseNormalClosure, after.expectClose())

	c.send("4hello")
	c.readText("4hello")
	select {
	case cl := <-r.closes:
		t.Fatalf("the session closed: %v", cl)
	default:
	}
}

// A WebSocket-only session cannot be "upgraded" again.
func TestUpgradeOfWebSocketSessionIsClosed(t *testing.T) {
	ts := newTestServer(t, Options{})
	c, sid, _ := ts.openWS(t)
	second := dialWS(t, ts.wsURL(sid), nil)
	require.Equal(t, websocket.CloseNormalClosure, second.expectClose())
	requireHTTPError(t, get(t, ts.pollURL(sid)), 400, 3, "Bad request")
	c.send("4ok")
	c.readText("4ok")
}

func TestUpgradeTimeout(t *testing.T) {
	ts := newTestServer(t, Options{UpgradeTimeout: 100 * time.Millisecond})
	sid, r := ts.handshake(t)
	c := dialWS(t, ts.wsURL(sid), nil)
	c.send("2probe")
	c.readText("3probe")
	require.Equal(t, websocket.CloseNormalClosure, c.expectClose())

	// Polling goes on, and waits for packets again.
	require.Eventually(t, func() bool {
		r.session.mu.Lock()
		defer r.session.mu.Unlock()
		return r.session.probe == nil
	}, waitTimeout, time.Millisecond)
	require.Equal(t, TransportPolling, r.session.Transport())
	require.Equal(t, "ok", post(t, ts.pollURL(sid), "4after").body)
	require.Equal(t, "4after", get(t, ts.pollURL(sid)).body)

	// And may upgrade again.
	c2 := dialWS(t, ts.wsURL(sid), nil)
	c2.send("2probe")
	c2.readText("3probe")
	c2.send("5")
	c2.send("4ws")
	c2.readText("4ws")
}

func TestUpgradeAbortedByUnexpectedPacket(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	c := dialWS(t, ts.wsURL(sid), nil)
	c.send("2probe")
	c.readText("3probe")
	c.send("4too early")
	require.Equal(t, websocket.CloseProtocolError, c.expectClose())
	require.Equal(t, "ok", post(t, ts.pollURL(sid), "4polling").body)
	require.Equal(t, received{"polling", false}, r.nextMessage(t))
	require.Equal(t, TransportPolling, r.session.Transport())
}

func TestUpgradeProbeConnectionDropped(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	c := dialWS(t, ts.wsURL(sid), nil)
	c.send("2probe")
	c.readText("3probe")
	require.NoError(t, c.NetConn().Close())
	require.Eventually(t, func() bool {
		r.session.mu.Lock()
		defer r.session.mu.Unlock()
		return r.session.probe == nil
	}, waitTimeout, time.Millisecond)
	require.Equal(t, "ok", post(t, ts.pollURL(sid), "4still polling").body)
}

// Closing the session during an upgrade closes the probe too.
func TestCloseDuringUpgrade(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	c := dialWS(t, ts.wsURL(sid), nil)
	c.send("2probe")
	c.readText("3probe")
	require.Equal(t, "ok", post(t, ts.pollURL(sid), "1").body)
	require.Equal(t, ReasonTransportClose, r.waitClose(t).reason)
	require.Equal(t, websocket.CloseNormalClosure, c.expectClose())
}

// A graceful Close during an upgrade completes over the WebSocket: the
// queued packets, then the close frame.
func TestGracefulCloseCompletesAfterUpgrade(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	c := dialWS(t, ts.wsURL(sid), nil)
	c.send("2probe")
	c.readText("3probe")
	require.NoError(t, r.session.Send(NewTextMessage("last words")))
	r.session.Close("bye")
	c.send("5")
	c.readText("4last words")
	require.Equal(t, websocket.CloseNormalClosure, c.expectClose())
	require.Equal(t, "bye", r.waitClose(t).reason)
}
