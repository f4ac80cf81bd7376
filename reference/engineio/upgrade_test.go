package engineio

import (
	"net/http"
	"runtime"
	"strconv"
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

// A GET that arrives after the probe is held; if the upgrade completes
// meanwhile it raced the "5" and gets 400, like any later poll.
func TestUpgradeGetRacingUpgradePacket(t *testing.T) {
	ts := newTestServer(t, Options{})
	// The GET must still be held when "5" arrives: on a busy machine the
	// real 100 ms window can pass before the test sends it.
	ts.Server.probeHold = waitTimeout
	sid, r := ts.handshake(t)
	c := dialWS(t, ts.wsURL(sid), nil)
	c.send("2probe")
	c.readText("3probe")
	held := asyncGet(t, ts.pollURL(sid))
	require.Eventually(t, func() bool { return pollPending(r.session) }, waitTimeout, time.Millisecond)
	c.send("5")
	res := waitResponse(t, held)
	requireHTTPError(t, res, 400, 3, "Bad request")
	c.send("4ws")
	c.readText("4ws")
}

// Messages sent continuously while a session upgrades arrive once each,
// in order, across the last polls and the WebSocket.
func TestUpgradeKeepsOrder(t *testing.T) {
	ts := newTestServer(t, Options{SendQueueLimit: 1 << 20})
	ts.echo = false
	sid, r := ts.handshake(t)
	const total = 3000
	go func() {
		for i := range total {
			if r.session.Send(NewTextMessage(strconv.Itoa(i))) != nil {
				return
			}
			if i%50 == 0 {
				runtime.Gosched()
			}
		}
	}()
	var got []string
	collect := func(body string) {
		packets, err := DecodePayload([]byte(body))
		require.NoError(t, err, body)
		for _, p := range packets {
			if p.Type == PacketMessage {
				got = append(got, string(p.Data))
			}
		}
	}
	for i := 0; i < 3 && len(got) < total; i++ {
		collect(get(t, ts.pollURL(sid)).body)
	}
	pending := asyncGet(t, ts.pollURL(sid))
	c := dialWS(t, ts.wsURL(sid), nil)
	c.send("2probe")
	c.readText("3probe")
	collect(waitResponse(t, pending).body) // polling paused from here on
	c.send("5")
	for len(got) < total {
		mt, data := c.read()
		require.Equal(t, websocket.TextMessage, mt)
		require.Equal(t, byte('4'), data[0], data)
		got = append(got, data[1:])
	}
	for i, g := range got {
		require.Equal(t, strconv.Itoa(i), g)
	}
}
