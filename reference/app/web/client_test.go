package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// The tests of this file run socketlab's browser client in Chromium
// against the Go Socket.IO server, on the bench of lab_test.go.

func TestClient(t *testing.T) {
	browser := startBrowser(t)
	l := startLab(t, labOptions())

	t.Run("backoff matches socket.io-client's table", func(t *testing.T) {
		tb := l.page(t, browser)
		type replay struct {
			Problems []string `json:"problems"` // the first ones
			Total    int      `json:"total"`
			Steps    int      `json:"steps"`
		}
		res := eval[replay](t, tb, "lab.replayBackoff()")
		require.Zero(t, res.Total, "%d disagreements, the first ones:\n%s", res.Total, strings.Join(res.Problems, "\n"))
		require.Greater(t, res.Steps, 500, "the table was replayed")
	})

	t.Run("parsers are strict", func(t *testing.T) {
		tb := l.page(t, browser)
		require.Empty(t, eval[[]string](t, tb, "lab.parserCases()"))
	})

	t.Run("polling then websocket: auth, events, acks, heartbeats", func(t *testing.T) {
		tb := l.page(t, browser)
		openSocket(t, tb, "a", map[string]any{"auth": map[string]any{"token": "abc"}}, "websocket")
		// The testee greets with the CONNECT payload it received.
		waitFor(t, tb, "auth event", count("a", "event")+" >= 1", 5*time.Second)
		auth := events(t, tb, "a", "event")[0]
		require.Equal(t, []any{"auth", map[string]any{"token": "abc"}}, auth.Args)
		require.Equal(t, []any{"polling", "websocket"}, argsOf(events(t, tb, "a", "transport")))
		echo(t, tb, "a")
		eval[chromedp.Void](t, tb, `lab.emit("a", "message", "hi", {"n": 1})`)
		waitFor(t, tb, "message-back", `lab.events("a", "event").some(e => e.args[0] === "message-back")`, 5*time.Second)
		back := events(t, tb, "a", "event")[1]
		require.Equal(t, []any{"message-back", "hi", map[string]any{"n": 1.0}}, back.Args)
		// The other direction: the server asks for an ack (42N[…]) and
		// the client's answer (43N[…]) comes back as server-ack-result.
		eval[chromedp.Void](t, tb, `lab.answerAcks("a"); lab.emit("a", "server-ack", 7, "seven")`)
		waitFor(t, tb, "server-ack-result", `lab.events("a", "event").some(e => e.args[0] === "server-ack-result")`, 5*time.Second)
		result := events(t, tb, "a", "event")[3]
		require.Equal(t, []any{"server-ack-result", 7.0, "seven"}, result.Args)
		heartbeats(t, tb, "a", 4)
		require.Equal(t, "websocket", eval[string](t, tb, `lab.transport("a")`))
	})

	t.Run("polling only", func(t *testing.T) {
		tb := l.page(t, browser)
		openSocket(t, tb, "p", map[string]any{"transports": []string{"polling"}}, "polling")
		echo(t, tb, "p")
		heartbeats(t, tb, "p", 4)
	})

	t.Run("websocket only", func(t *testing.T) {
		tb := l.page(t, browser)
		openSocket(t, tb, "w", map[string]any{"transports": []string{"websocket"}}, "websocket")
		echo(t, tb, "w")
		heartbeats(t, tb, "w", 4)
	})

	t.Run("websocket refused: stays on polling", func(t *testing.T) {
		tb := l.page(t, browser)
		l.gate.noWebSocket.Store(true)
		openSocket(t, tb, "f", nil, "polling")
		waitFor(t, tb, "upgrade error", count("f", "upgradeError")+" >= 1", 10*time.Second)
		echo(t, tb, "f")
		heartbeats(t, tb, "f", 3)
		require.Equal(t, "polling", eval[string](t, tb, `lab.transport("f")`))
	})

	t.Run("reconnects after the connection is cut", func(t *testing.T) {
		tb := l.page(t, browser)
		openSocket(t, tb, "c", nil, "websocket")
		l.proxy.cut()
		waitFor(t, tb, "reconnect", count("c", "io:reconnect")+" >= 1", 10*time.Second)
		waitFor(t, tb, "connected again", `lab.connected("c")`, 5*time.Second)
		disconnects := events(t, tb, "c", "disconnect")
		require.Len(t, disconnects, 1)
		require.Equal(t, "transport close", disconnects[0].Args[0])
		attempts := events(t, tb, "c", "io:reconnect_attempt")
		require.Equal(t, []any{1.0}, argsOf(attempts))
		require.Equal(t, []any{1.0}, argsOf(events(t, tb, "c", "io:reconnect")))
		// socket.io-client's first delay: 1000 ms ± 50 %, never under 551.
		wait := attempts[0].At - disconnects[0].At
		require.GreaterOrEqual(t, wait, 500, "first reconnection delay")
		require.Less(t, wait, 3000, "first reconnection delay")
		require.Equal(t, 2, eval[int](t, tb, count("c", "connect")))
		waitFor(t, tb, "upgraded again", `lab.transport("c") === "websocket"`, 10*time.Second)
		echo(t, tb, "c")
	})

	t.Run("counts failed attempts, then reconnects", func(t *testing.T) {
		tb := l.page(t, browser)
		opts := map[string]any{"reconnectionDelay": 100, "reconnectionDelayMax": 300}
		openSocket(t, tb, "r", opts, "websocket")
		l.gate.down.Store(true)
		l.proxy.cut()
		waitFor(t, tb, "3 failed attempts", count("r", "io:reconnect_error")+" >= 3", 10*time.Second)
		l.gate.down.Store(false)
		waitFor(t, tb, "reconnect", count("r", "io:reconnect")+" >= 1", 10*time.Second)
		waitFor(t, tb, "connected again", `lab.connected("r")`, 5*time.Second)
		attempts := argsOf(events(t, tb, "r", "io:reconnect_attempt"))
		n := len(attempts)
		require.GreaterOrEqual(t, n, 4)
		for i, a := range attempts {
			require.Equal(t, float64(i+1), a, "attempts are numbered 1, 2, 3, …")
		}
		require.Equal(t, []any{float64(n)}, argsOf(events(t, tb, "r", "io:reconnect")))
		require.Equal(t, n-1, eval[int](t, tb, count("r", "io:reconnect_error")))
		require.Equal(t, n-1, eval[int](t, tb, count("r", "connect_error")), "each failure reaches the socket")
		require.Zero(t, eval[int](t, tb, `lab.attempts("r")`), "the backoff starts over")
		echo(t, tb, "r")
	})

	t.Run("gives up after reconnectionAttempts", func(t *testing.T) {
		tb := l.page(t, browser)
		opts := map[string]any{"reconnectionAttempts": 2, "reconnectionDelay": 100, "reconnectionDelayMax": 200}
		openSocket(t, tb, "g", opts, "websocket")
		l.gate.down.Store(true)
		l.proxy.cut()
		waitFor(t, tb, "reconnect_failed", count("g", "io:reconnect_failed")+" >= 1", 10*time.Second)
		require.Equal(t, []any{1.0, 2.0}, argsOf(events(t, tb, "g", "io:reconnect_attempt")))
		require.Equal(t, 2, eval[int](t, tb, count("g", "io:reconnect_error")))
		require.False(t, eval[bool](t, tb, `lab.connected("g")`))
		// Nothing is pending: no further attempt can start by itself.
		require.Equal(t, managerState{Active: true, Reconnecting: false, ReadyState: "closed"}, state(t, tb, "g"))
	})

	t.Run("ping timeout on a silent connection", func(t *testing.T) {
		tb := l.page(t, browser)
		openSocket(t, tb, "h", nil, "websocket")
		t.Cleanup(l.proxy.cut) // no muted connection outlives the subtest
		l.proxy.muteWebSockets()
		// No ping within pingInterval + pingTimeout: the client gives up
		// on the connection by itself, then reconnects.
		waitFor(t, tb, "disconnect", count("h", "disconnect")+" >= 1", pingInterval+pingTimeout+5*time.Second)
		require.Equal(t, "ping timeout", events(t, tb, "h", "disconnect")[0].Args[0])
		waitFor(t, tb, "reconnect", count("h", "io:reconnect")+" >= 1", 10*time.Second)
		waitFor(t, tb, "connected again", `lab.connected("h")`, 5*time.Second)
		echo(t, tb, "h")
	})

	t.Run("server disconnect is not retried", func(t *testing.T) {
		tb := l.page(t, browser)
		openSocket(t, tb, "s", nil, "websocket")
		l.io.SocketIO.Sockets().DisconnectSockets(false)
		waitFor(t, tb, "disconnect", count("s", "disconnect")+" >= 1", 5*time.Second)
		require.Equal(t, "io server disconnect", events(t, tb, "s", "disconnect")[0].Args[0])
		// The socket let go of the connection, which then closed without
		// scheduling any reconnection.
		require.Equal(t, managerState{Active: false, Reconnecting: false, ReadyState: "closed"}, state(t, tb, "s"))
		require.Zero(t, eval[int](t, tb, count("s", "io:reconnect_attempt")))
		eval[chromedp.Void](t, tb, `lab.connect("s")`)
		waitFor(t, tb, "connected again", `lab.connected("s")`, 5*time.Second)
		echo(t, tb, "s")
	})

	t.Run("client disconnect reaches the server", func(t *testing.T) {
		tb := l.page(t, browser)
		openSocket(t, tb, "d", nil, "websocket")
		require.Equal(t, 1, l.io.SocketIO.Sockets().Len())
		eval[chromedp.Void](t, tb, `lab.disconnect("d")`)
		require.Equal(t, "io client disconnect", events(t, tb, "d", "disconnect")[0].Args[0])
		require.Equal(t, managerState{Active: false, Reconnecting: false, ReadyState: "closed"}, state(t, tb, "d"))
		require.Eventually(t, func() bool { return l.io.SocketIO.Sockets().Len() == 0 }, 5*time.Second, 20*time.Millisecond)
		require.Zero(t, eval[int](t, tb, count("d", "io:reconnect_attempt")))
	})
}

// TestClientConnectError: a CONNECT refused by the server's middleware
// reaches the page as connect_error with the message and data, the client
// does not retry by itself, and connect() with new auth succeeds.
func TestClientConnectError(t *testing.T) {
	browser := startBrowser(t)
	opts := labOptions()
	opts.AuthToken = "sesame"
	l := startLab(t, opts)
	tb := l.page(t, browser)

	eval[chromedp.Void](t, tb, `lab.open("e", {auth: {token: "wrong"}})`)
	waitFor(t, tb, "connect_error", count("e", "connect_error")+" >= 1", 10*time.Second)
	refusal := events(t, tb, "e", "connect_error")[0]
	require.Equal(t, map[string]any{"message": "not authorized", "data": map[string]any{"reason": "bad token"}}, refusal.Args[0])
	require.False(t, eval[bool](t, tb, `lab.connected("e")`))
	require.Equal(t, managerState{Active: false, Reconnecting: false, ReadyState: "closed"}, state(t, tb, "e"))

	eval[chromedp.Void](t, tb, `lab.setAuth("e", {token: "sesame"}); lab.connect("e")`)
	waitFor(t, tb, "connected", `lab.connected("e")`, 10*time.Second)
	waitFor(t, tb, "auth event", count("e", "event")+" >= 1", 5*time.Second)
	require.Equal(t, []any{"auth", map[string]any{"token": "sesame"}}, events(t, tb, "e", "event")[0].Args)
	require.Zero(t, eval[int](t, tb, count("e", "io:reconnect_attempt")))
	echo(t, tb, "e")
}
