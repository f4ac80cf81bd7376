package engineio

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

func TestSendQueueLimitPolling(t *testing.T) {
	ts := newTestServer(t, Options{SendQueueLimit: 4})
	sid, r := ts.handshake(t)
	require.NoError(t, r.session.Send(NewTextMessage("1"), NewTextMessage("2")))
	require.NoError(t, r.session.Send(NewTextMessage("3"), NewTextMessage("4")))
	// Atomic: a call that does not fit queues nothing, and closes.
	require.ErrorIs(t, r.session.Send(NewTextMessage("5")), ErrQueueFull)
	c := r.waitClose(t)
	require.Equal(t, ReasonTransportError, c.reason)
	require.ErrorIs(t, c.cause, ErrQueueFull)
	require.ErrorIs(t, r.session.Send(NewTextMessage("6")), ErrSessionClosed)
	requireHTTPError(t, get(t, ts.pollURL(sid)), 400, 1, "Session ID unknown")
}

// The byte bound holds even when the count bound is far away: a few large
// messages close the session, and draining frees the budget again.
func TestSendQueueBytesLimit(t *testing.T) {
	ts := newTestServer(t, Options{SendQueueBytes: 10})
	sid, r := ts.handshake(t)
	require.NoError(t, r.session.Send(NewTextMessage("12345"), NewTextMessage("6789")))
	require.Equal(t, "412345\x1e46789", get(t, ts.pollURL(sid)).body)
	require.NoError(t, r.session.Send(NewTextMessage("1234567890")))
	require.ErrorIs(t, r.session.Send(NewTextMessage("x")), ErrQueueFull)
	c := r.waitClose(t)
	require.Equal(t, ReasonTransportError, c.reason)
	require.ErrorIs(t, c.cause, ErrQueueFull)
}

func TestSendQueueDrainsAndRefills(t *testing.T) {
	ts := newTestServer(t, Options{SendQueueLimit: 2})
	sid, r := ts.handshake(t)
	for range 3 {
		require.NoError(t, r.session.Send(NewTextMessage("a"), NewTextMessage("b")))
		require.Equal(t, "4a\x1e4b", get(t, ts.pollURL(sid)).body)
	}
}

// A client that stops reading: the server keeps sending, the socket
// buffers fill, the write blocks past WriteTimeout or the queue passes
// its limit, and the session is closed. Memory stays bounded meanwhile:
// the sender below makes a fresh 16 KiB message each time, so unbounded
// queueing would grow the heap by the whole 800 MiB it tries to send.
func TestSlowReaderIsDisconnected(t *testing.T) {
	ts := newTestServer(t, Options{SendQueueLimit: 64, WriteTimeout: 200 * time.Millisecond})
	ts.echo = false
	c := dialWS(t, ts.wsURL(""), nil) // never reads after this
	r := ts.nextSession(t)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	payload := strings.Repeat("x", 16<<10)
	const attempts = 50_000
	accepted := 0
	var sendErr error
	deadline := time.Now().Add(waitTimeout)
	for range attempts {
		if sendErr = r.session.Send(NewTextMessage(payload)); sendErr != nil {
			break
		}
		accepted++
		if time.Now().After(deadline) {
			break
		}
		if accepted%64 == 0 {
			runtime.Gosched() // let the flusher run, as a real server's other work would
		}
	}
	require.Error(t, sendErr, "Send never failed for a client that does not read")
	require.True(t, errors.Is(sendErr, ErrQueueFull) || errors.Is(sendErr, ErrSessionClosed), "%v", sendErr)
	cl := r.waitClose(t)
	require.Equal(t, ReasonTransportError, cl.reason)
	t.Logf("accepted %d messages (%d KiB) before closing: %v (cause %v)", accepted, accepted*16, sendErr, cl.cause)

	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	require.Less(t, growth, int64(64<<20), "heap grew by %d bytes", growth)
	require.Equal(t, 0, ts.SessionCount())
	_ = c
}

// WriteTimeout alone (the queue never fills) disconnects a stalled
// client too.
func TestWriteTimeoutDisconnects(t *testing.T) {
	ts := newTestServer(t, Options{WriteTimeout: 100 * time.Millisecond})
	ts.echo = false
	dialWS(t, ts.wsURL(""), nil) // never reads
	r := ts.nextSession(t)
	big := NewTextMessage(strings.Repeat("y", 8<<20)) // larger than any socket buffer
	require.NoError(t, r.session.Send(big))
	cl := r.waitClose(t)
	require.Equal(t, ReasonTransportError, cl.reason)
	var ne interface{ Timeout() bool }
	require.True(t, errors.As(cl.cause, &ne) && ne.Timeout(), "cause: %v", cl.cause)
}

// One Message sent to many sessions is encoded once and arrives intact.
func TestBroadcastSharedMessage(t *testing.T) {
	ts := newTestServer(t, Options{})
	ts.echo = false
	const n = 20
	conns := make([]*wsConn, n)
	sessions := make([]*Session, n)
	for i := range n {
		var r *recorder
		conns[i], _, r = ts.openWS(t)
		sessions[i] = r.session
	}
	sid, pr := ts.handshake(t)

	text := NewTextMessage("to all")
	bin := NewBinaryMessage([]byte{0xde, 0xad})
	for _, s := range sessions {
		require.NoError(t, s.Send(text, bin))
	}
	require.NoError(t, pr.session.Send(text, bin))
	for _, c := range conns {
		c.readText("4to all")
		mt, data := c.read()
		require.Equal(t, websocket.BinaryMessage, mt)
		require.Equal(t, "\xde\xad", data)
	}
	require.Equal(t, "4to all\x1eb3q0=", get(t, ts.pollURL(sid)).body)
	require.NotNil(t, text.prep, "a message sent to several sessions is prepared once")
	require.EqualValues(t, n+1, text.sends.Load())
}
