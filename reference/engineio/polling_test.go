package engineio

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPollingMessagesBothWays(t *testing.T) {
	ts := newTestServer(t, Options{})
	ts.echo = false
	sid, r := ts.handshake(t)

	res := post(t, ts.pollURL(sid), "4hello\x1ebAQIDBA==\x1e4")
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "ok", res.body)
	require.Equal(t, received{"hello", false}, r.nextMessage(t))
	require.Equal(t, received{"\x01\x02\x03\x04", true}, r.nextMessage(t))
	require.Equal(t, received{"", false}, r.nextMessage(t))

	require.NoError(t, r.session.Send(NewTextMessage("world"), NewBinaryMessage([]byte{1, 2, 3})))
	require.NoError(t, r.session.Send(NewTextMessage("é€")))
	res = get(t, ts.pollURL(sid))
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "text/plain; charset=UTF-8", res.header.Get("Content-Type"))
	require.Equal(t, "4world\x1ebAQID\x1e4é€", res.body)
}

// The three message tests of the official conformance suite, with its
// echo server.
func TestPollingEchoConformance(t *testing.T) {
	ts := newTestServer(t, Options{})
	for _, payload := range []string{"4hello", "4test1\x1e4test2\x1e4test3", "4hello\x1ebAQIDBA=="} {
		sid, _ := ts.handshake(t)
		res := post(t, ts.pollURL(sid), payload)
		require.Equal(t, "ok", res.body)
		require.Equal(t, payload, get(t, ts.pollURL(sid)).body)
	}
}

func TestPollingOctetStreamBody(t *testing.T) {
	ts := newTestServer(t, Options{})
	ts.echo = false
	sid, r := ts.handshake(t)
	res := do(t, http.MethodPost, ts.pollURL(sid), "application/octet-stream", "4bytes\x1ebAQ==", nil)
	require.Equal(t, "ok", res.body)
	require.Equal(t, received{"bytes", false}, r.nextMessage(t))
	require.Equal(t, received{"\x01", true}, r.nextMessage(t))
}

func TestPollingGetWaitsForPackets(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	pending := asyncGet(t, ts.pollURL(sid))
	notYet(t, pending, 50*time.Millisecond)
	require.NoError(t, r.session.Send(NewTextMessage("late")))
	require.Equal(t, "4late", waitResponse(t, pending).body)
}

func TestPollingDuplicateGet(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	first := asyncGet(t, ts.pollURL(sid))
	require.Eventually(t, func() bool { return pollPending(r.session) }, waitTimeout, time.Millisecond)

	requireHTTPError(t, get(t, ts.pollURL(sid)+"&t=burst"), 400, 3, "Bad request")
	res := waitResponse(t, first)
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "1", res.body)
	c := r.waitClose(t)
	require.Equal(t, ReasonTransportError, c.reason)
	require.ErrorIs(t, c.cause, ErrOverlappingRequest)
	requireHTTPError(t, get(t, ts.pollURL(sid)), 400, 1, "Session ID unknown")
}

func TestPollingDuplicatePost(t *testing.T) {
	ts := newTestServer(t, Options{})
	release := make(chan struct{})
	entered := make(chan struct{})
	ts.hook = func(_ *recorder, data []byte, _ bool) {
		if string(data) == "block" {
			close(entered)
			<-release
		}
	}
	sid, r := ts.handshake(t)
	first := make(chan response, 1)
	go func() { first <- post(t, ts.pollURL(sid), "4block") }()
	<-entered
	requireHTTPError(t, post(t, ts.pollURL(sid), "4second"), 400, 3, "Bad request")
	close(release)
	waitResponse(t, first)
	c := r.waitClose(t)
	require.Equal(t, ReasonTransportError, c.reason)
	require.ErrorIs(t, c.cause, ErrOverlappingRequest)
	require.Equal(t, received{"block", false}, r.nextMessage(t))
	select {
	case m := <-r.messages:
		t.Fatalf("the rejected POST was delivered: %v", m)
	default:
	}
}

func TestPollingInvalidPacket(t *testing.T) {
	for _, body := range []string{"abc", "", "4a\x1e", "\x1e4a", "bnot-base64!", "4\xff", "7"} {
		t.Run(body, func(t *testing.T) {
			ts := newTestServer(t, Options{})
			sid, r := ts.handshake(t)
			requireHTTPError(t, post(t, ts.pollURL(sid), body), 400, 3, "Bad request")
			c := r.waitClose(t)
			require.Equal(t, ReasonParseError, c.reason)
			require.ErrorIs(t, c.cause, ErrInvalidPayload)
			requireHTTPError(t, get(t, ts.pollURL(sid)), 400, 1, "Session ID unknown")
		})
	}
}

func TestPollingPayloadTooLarge(t *testing.T) {
	ts := newTestServer(t, Options{MaxPayload: 100})
	sid, r := ts.handshake(t)
	res := post(t, ts.pollURL(sid), "4"+strings.Repeat("x", 100))
	require.Equal(t, http.StatusRequestEntityTooLarge, res.status)
	c := r.waitClose(t)
	require.Equal(t, ReasonTransportError, c.reason)
	require.ErrorIs(t, c.cause, ErrPayloadTooLarge)

	// Exactly MaxPayload is fine.
	sid, r = ts.handshake(t)
	res = post(t, ts.pollURL(sid), "4"+strings.Repeat("x", 99))
	require.Equal(t, "ok", res.body)
	require.Len(t, r.nextMessage(t).data, 99)
}

// A chunked body has no Content-Length: the limit is enforced while
// reading.
func TestPollingPayloadTooLargeChunked(t *testing.T) {
	ts := newTestServer(t, Options{MaxPayload: 100})
	sid, r := ts.handshake(t)
	pr, pw := ioPipe()
	go func() {
		_, _ = pw.Write([]byte("4" + strings.Repeat("y", 200)))
		_ = pw.Close()
	}()
	req, err := http.NewRequest(http.MethodPost, ts.pollURL(sid), pr)
	require.NoError(t, err)
	res, err := httpClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	require.ErrorIs(t, r.waitClose(t).cause, ErrPayloadTooLarge)
}

func TestPollingClosePacket(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	pending := asyncGet(t, ts.pollURL(sid))
	require.Eventually(t, func() bool { return pollPending(r.session) }, waitTimeout, time.Millisecond)
	require.Equal(t, "ok", post(t, ts.pollURL(sid), "1").body)
	require.Equal(t, "6", waitResponse(t, pending).body)
	c := r.waitClose(t)
	require.Equal(t, ReasonTransportClose, c.reason)
	require.NoError(t, c.cause)
	requireHTTPError(t, get(t, ts.pollURL(sid)), 400, 1, "Session ID unknown")
}

// Once the client's close packet is processed the sid is unknown to every
// request, a GET that raced the close included (engine.io-protocol: "The
// server MUST return an HTTP 400 response if the session ID is not known";
// the official server does the same, conformance case EIO-CLOSE-3).
func TestPollingGetAfterClosePacket(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	require.Equal(t, "ok", post(t, ts.pollURL(sid), "1").body)
	require.Equal(t, ReasonTransportClose, r.waitClose(t).reason)
	requireHTTPError(t, get(t, ts.pollURL(sid)), 400, 1, "Session ID unknown")
	requireHTTPError(t, post(t, ts.pollURL(sid), "4x"), 400, 1, "Session ID unknown")
}

func TestPollingMessagesBeforeCloseAreDelivered(t *testing.T) {
	ts := newTestServer(t, Options{})
	ts.echo = false
	sid, r := ts.handshake(t)
	require.Equal(t, "ok", post(t, ts.pollURL(sid), "4a\x1e1\x1e4b").body)
	require.Equal(t, received{"a", false}, r.nextMessage(t))
	require.Equal(t, ReasonTransportClose, r.waitClose(t).reason)
	select {
	case m := <-r.messages:
		t.Fatalf("a packet after close was delivered: %v", m)
	default:
	}
}

func TestPollingClientPingIsAnError(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	requireHTTPError(t, post(t, ts.pollURL(sid), "2"), 400, 3, "Bad request")
	c := r.waitClose(t)
	require.Equal(t, ReasonTransportError, c.reason)
	require.ErrorIs(t, c.cause, ErrHeartbeatDirection)
}

func TestPollingIgnoresNoopAndUpgrade(t *testing.T) {
	ts := newTestServer(t, Options{})
	ts.echo = false
	sid, r := ts.handshake(t)
	require.Equal(t, "ok", post(t, ts.pollURL(sid), "6\x1e5\x1e0\x1e4x").body)
	require.Equal(t, received{"x", false}, r.nextMessage(t))
}

func TestPollingAbortedGetClosesSession(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.pollURL(sid), nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if res, err := httpClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	require.Eventually(t, func() bool { return pollPending(r.session) }, waitTimeout, time.Millisecond)
	cancel()
	<-done
	c := r.waitClose(t)
	require.Equal(t, ReasonTransportError, c.reason)
	require.ErrorIs(t, c.cause, ErrPollAborted)
}

func TestPollingPayloadSplitAtMaxPayload(t *testing.T) {
	ts := newTestServer(t, Options{MaxPayload: 20})
	sid, r := ts.handshake(t)
	for _, s := range []string{"aaaaaaaa", "bbbbbbbb", "cccccccc", strings.Repeat("d", 30)} {
		require.NoError(t, r.session.Send(NewTextMessage(s)))
	}
	require.Equal(t, "4aaaaaaaa\x1e4bbbbbbbb", get(t, ts.pollURL(sid)).body) // 19 bytes
	require.Equal(t, "4cccccccc", get(t, ts.pollURL(sid)).body)
	require.Equal(t, "4"+strings.Repeat("d", 30), get(t, ts.pollURL(sid)).body) // alone, even if over
}

func TestSessionCloseGracefulPolling(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	require.NoError(t, r.session.Send(NewTextMessage("bye")))
	r.session.Close(ReasonForcedClose)
	require.ErrorIs(t, r.session.Send(NewTextMessage("late")), ErrSessionClosed)
	select {
	case c := <-r.closes:
		t.Fatalf("closed before the last packets were taken: %v", c)
	default:
	}
	res := get(t, ts.pollURL(sid))
	require.Equal(t, "4bye\x1e1", res.body)
	c := r.waitClose(t)
	require.Equal(t, ReasonForcedClose, c.reason)
	require.NoError(t, c.cause)
	requireHTTPError(t, get(t, ts.pollURL(sid)), 400, 1, "Session ID unknown")
}

func TestSessionCloseWakesPendingGet(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, r := ts.handshake(t)
	pending := asyncGet(t, ts.pollURL(sid))
	require.Eventually(t, func() bool { return pollPending(r.session) }, waitTimeout, time.Millisecond)
	r.session.Close("bye")
	require.Equal(t, "1", waitResponse(t, pending).body)
	require.Equal(t, "bye", r.waitClose(t).reason)
}

// A client that never polls again cannot keep a closing session forever.
func TestSessionCloseGiveUpAfterPingTimeout(t *testing.T) {
	ts := newTestServer(t, Options{PingTimeout: 50 * time.Millisecond})
	_, r := ts.handshake(t)
	require.NoError(t, r.session.Send(NewTextMessage("never read")))
	r.session.Close("bye")
	require.Equal(t, "bye", r.waitClose(t).reason)
	require.Equal(t, 0, ts.SessionCount())
}
