package engineio

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

func TestWebSocketEcho(t *testing.T) {
	ts := newTestServer(t, Options{})
	c, _, r := ts.openWS(t)

	c.send("4hello")
	c.readText("4hello")
	require.Equal(t, received{"hello", false}, r.nextMessage(t))

	require.NoError(t, c.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3, 4}))
	mt, data := c.read()
	require.Equal(t, websocket.BinaryMessage, mt)
	require.Equal(t, "\x01\x02\x03\x04", data)
	require.Equal(t, received{"\x01\x02\x03\x04", true}, r.nextMessage(t))

	// A "b"+base64 text frame is a binary message too (socket.io's
	// parser reads it so); the echo goes back as a binary frame.
	c.send("bAQI=")
	mt, data = c.read()
	require.Equal(t, websocket.BinaryMessage, mt)
	require.Equal(t, "\x01\x02", data)

	require.NoError(t, c.WriteMessage(websocket.BinaryMessage, nil))
	mt, data = c.read()
	require.Equal(t, websocket.BinaryMessage, mt)
	require.Equal(t, "", data)
}

func TestWebSocketServerSendsOnePacketPerFrame(t *testing.T) {
	ts := newTestServer(t, Options{})
	c, _, r := ts.openWS(t)
	require.NoError(t, r.session.Send(NewTextMessage("a"), NewBinaryMessage([]byte("b")), NewTextMessage("c")))
	c.readText("4a")
	mt, data := c.read()
	require.Equal(t, websocket.BinaryMessage, mt)
	require.Equal(t, "b", data)
	c.readText("4c")
}

func TestWebSocketInvalidPacket(t *testing.T) {
	for _, frame := range []string{"abc", "", "9", "b!!!"} {
		t.Run(frame, func(t *testing.T) {
			ts := newTestServer(t, Options{})
			c, _, r := ts.openWS(t)
			c.send(frame)
			require.Equal(t, websocket.CloseProtocolError, c.expectClose())
			cl := r.waitClose(t)
			require.Equal(t, ReasonParseError, cl.reason)
			require.ErrorIs(t, cl.cause, ErrInvalidPacket)
			require.Equal(t, 0, ts.SessionCount())
		})
	}
}

func TestWebSocketInvalidUTF8(t *testing.T) {
	ts := newTestServer(t, Options{})
	c, _, r := ts.openWS(t)
	require.NoError(t, c.WriteMessage(websocket.TextMessage, []byte("4\xff\xfe")))
	require.Equal(t, websocket.CloseInvalidFramePayloadData, c.expectClose())
	cl := r.waitClose(t)
	require.Equal(t, ReasonTransportError, cl.reason)
	require.ErrorIs(t, cl.cause, ErrInvalidUTF8)
}

func TestWebSocketMessageTooLarge(t *testing.T) {
	ts := newTestServer(t, Options{MaxPayload: 100})
	c, _, r := ts.openWS(t)
	c.send("4" + strings.Repeat("x", 99)) // exactly the limit
	c.readText("4" + strings.Repeat("x", 99))
	c.send("4" + strings.Repeat("x", 100))
	require.Equal(t, websocket.CloseMessageTooBig, c.expectClose())
	cl := r.waitClose(t)
	require.Equal(t, ReasonTransportError, cl.reason)
	require.ErrorIs(t, cl.cause, websocket.ErrReadLimit)
}

func TestWebSocketClosePacket(t *testing.T) {
	ts := newTestServer(t, Options{})
	c, _, r := ts.openWS(t)
	c.send("1")
	require.Equal(t, websocket.CloseNormalClosure, c.expectClose())
	cl := r.waitClose(t)
	require.Equal(t, ReasonTransportClose, cl.reason)
	require.NoError(t, cl.cause)
}

func TestWebSocketClientCloseFrame(t *testing.T) {
	ts := newTestServer(t, Options{})
	c, _, r := ts.openWS(t)
	require.NoError(t, c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")))
	cl := r.waitClose(t)
	require.Equal(t, ReasonTransportClose, cl.reason)
	require.NoError(t, cl.cause)
}

func TestWebSocketConnectionDropped(t *testing.T) {
	ts := newTestServer(t, Options{})
	c, _, r := ts.openWS(t)
	require.NoError(t, c.NetConn().Close())
	require.Equal(t, ReasonTransportClose, r.waitClose(t).reason)
}

func TestWebSocketClientPingIsAnError(t *testing.T) {
	ts := newTestServer(t, Options{})
	c, _, r := ts.openWS(t)
	c.send("2")
	require.Equal(t, websocket.CloseProtocolError, c.expectClose())
	cl := r.waitClose(t)
	require.Equal(t, ReasonTransportError, cl.reason)
	require.ErrorIs(t, cl.cause, ErrHeartbeatDirection)
}

func TestSessionCloseGracefulWebSocket(t *testing.T) {
	ts := newTestServer(t, Options{})
	c, _, r := ts.openWS(t)
	require.NoError(t, r.session.Send(NewTextMessage("bye")))
	r.session.Close(ReasonForcedClose)
	require.ErrorIs(t, r.session.Send(NewTextMessage("late")), ErrSessionClosed)
	c.readText("4bye")
	require.Equal(t, websocket.CloseNormalClosure, c.expectClose())
	cl := r.waitClose(t)
	require.Equal(t, ReasonForcedClose, cl.reason)
	require.NoError(t, cl.cause)
	r.session.Close("again") // no effect
	require.EqualValues(t, 1, r.closeN.Load())
}

// Close from inside HandleMessage: HandleClose runs once, after
// HandleMessage has returned, on the same goroutine, never nested.
func TestCloseInsideHandleMessage(t *testing.T) {
	ts := newTestServer(t, Options{})
	ts.echo = false
	var inside sync.Mutex // held while HandleMessage runs
	ts.hook = func(r *recorder, data []byte, _ bool) {
		inside.Lock()
		defer inside.Unlock()
		r.session.Close("handler closed")
		require.ErrorIs(t, r.session.Send(NewTextMessage("x")), ErrSessionClosed)
	}
	c, _, r := ts.openWS(t)
	c.send("4bye")
	r.nextMessage(t)
	require.Equal(t, "handler closed", r.waitClose(t).reason)
	require.True(t, inside.TryLock(), "HandleClose ran while HandleMessage was running")
	require.Equal(t, websocket.CloseNormalClosure, c.expectClose())
}

// Close from inside the connection callback reaches the handler it
// returns.
func TestCloseInsideOnConnection(t *testing.T) {
	closes := make(chan closed, 1)
	srv := NewServer(Options{}, func(s *Session) Handler {
		s.Close("rejected")
		return &recorder{closes: closes, messages: make(chan received, 1)}
	})
	ts := &testServer{Server: srv}
	hs := newHTTPTestServer(t, srv)
	ts.url = hs.URL + "/engine.io/"
	c := dialWS(t, ts.wsURL(""), nil)
	mt, data := c.read()
	require.Equal(t, websocket.TextMessage, mt)
	parseOpen(t, data)
	require.Equal(t, websocket.CloseNormalClosure, c.expectClose())
	select {
	case cl := <-closes:
		require.Equal(t, "rejected", cl.reason)
	case <-time.After(waitTimeout):
		t.Fatal("no HandleClose")
	}
}

// Messages sent concurrently from many goroutines all arrive, each
// goroutine's in order, and Send(a, b) keeps a and b adjacent.
func TestWebSocketConcurrentSends(t *testing.T) {
	ts := newTestServer(t, Options{SendQueueLimit: 100000})
	c, _, r := ts.openWS(t)
	const senders, each = 8, 200
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				a := NewTextMessage(fmt.Sprintf("%d:%d:a", g, i))
				b := NewTextMessage(fmt.Sprintf("%d:%d:b", g, i))
				require.NoError(t, r.session.Send(a, b))
			}
		})
	}
	next := make([]int, senders)
	for range senders * each {
		_, first := c.readSkippingPings()
		_, second := c.readSkippingPings()
		var g, i int
		_, err := fmt.Sscanf(first, "4%d:%d:a", &g, &i)
		require.NoError(t, err, first)
		require.Equal(t, fmt.Sprintf("4%d:%d:b", g, i), second)
		require.Equal(t, next[g], i)
		next[g]++
	}
	wg.Wait()
}

// HandleMessage is never called concurrently with itself, even when the
// client pipelines frames.
func TestHandleMessageIsSerial(t *testing.T) {
	ts := newTestServer(t, Options{})
	ts.echo = false
	var mu sync.Mutex
	ts.hook = func(*recorder, []byte, bool) {
		require.True(t, mu.TryLock(), "concurrent HandleMessage")
		runtime.Gosched() // widen the window a concurrent call would need
		mu.Unlock()
	}
	c, _, r := ts.openWS(t)
	for i := range 200 {
		c.send(fmt.Sprintf("4m%d", i))
	}
	for i := range 200 {
		require.Equal(t, fmt.Sprintf("m%d", i), r.nextMessage(t).data)
	}
}

func TestSendAfterCloseAndNil(t *testing.T) {
	ts := newTestServer(t, Options{})
	c, _, r := ts.openWS(t)
	require.NoError(t, r.session.Send())
	require.NoError(t, r.session.Send(nil, NewTextMessage("x"), nil))
	c.readText("4x")
	r.session.Close("done")
	r.waitClose(t)
	require.ErrorIs(t, r.session.Send(NewTextMessage("y")), ErrSessionClosed)
}

// A reply sent from HandleMessage is written when the handler returns;
// a packet sent by another goroutine while a handler is blocked is not
// held back until then.
func TestSendDuringSlowHandlerIsNotHeldBack(t *testing.T) {
	ts := newTestServer(t, Options{})
	ts.echo = false
	release := make(chan struct{})
	ts.hook = func(r *recorder, data []byte, _ bool) {
		if string(data) == "slow" {
			require.NoError(t, r.session.Send(NewTextMessage("reply")))
			<-release
		}
	}
	c, _, r := ts.openWS(t)
	c.send("4slow")
	require.Eventually(t, func() bool { return r.session.readerBusy.Load() }, waitTimeout, time.Millisecond)
	require.NoError(t, r.session.Send(NewTextMessage("from elsewhere")))
	c.readText("4reply")
	c.readText("4from elsewhere")
	close(release)
	c.send("4fast")
	require.Equal(t, "slow", r.nextMessage(t).data)
	require.Equal(t, "fast", r.nextMessage(t).data)
}

// A handler that sends more than the deferral bound in one call gets
// everything delivered, in order.
func TestManySendsFromOneHandler(t *testing.T) {
	ts := newTestServer(t, Options{})
	ts.echo = false
	ts.hook = func(r *recorder, data []byte, _ bool) {
		for i := range 500 {
			require.NoError(t, r.session.Send(NewTextMessage(fmt.Sprint(i))))
		}
	}
	c, _, _ := ts.openWS(t)
	c.send("4go")
	for i := range 500 {
		_, data := c.readSkippingPings()
		require.Equal(t, fmt.Sprintf("4%d", i), data)
	}
}
