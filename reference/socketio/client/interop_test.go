package client_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socketlab/internal/syncbuf"
	"socketlab/interop"
	"socketlab/reference/engineio"
	"socketlab/reference/socketio"
	"socketlab/reference/socketio/client"
)

// The client scenarios against the OFFICIAL socket.io server (Node).
func TestInteropScenarios(t *testing.T) {
	interop.Require(t)
	url := interop.StartTestee(t, slowPingFlags...)
	tokenURL := interop.StartTestee(t, append([]string{"--auth-token", "secret"}, slowPingFlags...)...)
	runScenarios(t, scenarioServer{url: url, tokenURL: tokenURL})
}

// nodeTestee is testee.mjs on a port of our choosing, that the test can
// kill and start again on the same port (interop.StartTestee only stops
// its process when the test ends).
type nodeTestee struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	exited chan struct{}
	stderr *syncbuf.Buffer
}

func startNodeTestee(t *testing.T, port int, args ...string) *nodeTestee {
	t.Helper()
	interop.Require(t)
	cmd := exec.Command("node", append([]string{"testee.mjs", "--port", strconv.Itoa(port)}, args...)...)
	cmd.Dir = interop.TesteeDir()
	stdin, err := cmd.StdinPipe() // EOF makes the testee exit if we die
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	n := &nodeTestee{cmd: cmd, stdin: stdin, exited: make(chan struct{}), stderr: &syncbuf.Buffer{}}
	cmd.Stderr = n.stderr
	require.NoError(t, cmd.Start())
	first := make(chan string, 1)
	go func() {
		rd := bufio.NewReader(stdout)
		line, _ := rd.ReadString('\n')
		first <- line
		_, _ = io.Copy(io.Discard, rd)
		_ = cmd.Wait()
		close(n.exited)
	}()
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("testee stderr:\n%s", n.stderr.String())
		}
	})
	select {
	case line := <-first:
		require.JSONEq(t, fmt.Sprintf(`{"port":%d}`, port), strings.TrimSpace(line), "testee stderr: %s", n.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("testee did not start: %s", n.stderr.String())
	}
	return n
}

// kill ends the process abruptly (SIGKILL): its connections drop without
// any close packet.
func (n *nodeTestee) kill() {
	select {
	case <-n.exited:
		return
	default:
	}
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.exited
	_ = n.stdin.Close()
}

func freePort(t *testing.T) int {
	_, port, err := net.SplitHostPort(freeAddr(t))
	require.NoError(t, err)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	return p
}

// The official server is killed and restarted on the same port: the Go
// client reconnects with its backoff and works again.
func TestInteropServerRestart(t *testing.T) {
	interop.Require(t)
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) {
			port := freePort(t)
			node := startNodeTestee(t, port, slowPingFlags...)
			r := newRecorder()
			var back chan *client.Event
			s := dial(t, fmt.Sprintf("http://127.0.0.1:%d", port), fastOptions(tc.transports), func(s *client.Socket) {
				watch(r, s)
				back = events(s, "message-back")
			})
			r.expect(t, "connect")
			id := s.ID()

			node.kill()
			require.Contains(t, []string{"disconnect:transport close", "disconnect:transport error"}, r.next(t))
			require.NoError(t, s.Emit("message", "sent while down"))
			r.expect(t, "reconnect_attempt:1")
			r.waitFor(t, "reconnect_error")
			startNodeTestee(t, port, slowPingFlags...)
			seq := r.waitFor(t, "connect")
			require.Regexp(t, `^reconnect:\d+$`, seq[len(seq)-1])
			require.Equal(t, `["sent while down"]`, jsonOf(t, recv(t, back).Args))
			require.NotEqual(t, id, s.ID())

			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			reply, err := s.EmitWithAck(ctx, "message-with-ack", "after")
			require.NoError(t, err)
			require.Equal(t, `["after"]`, jsonOf(t, reply))
		})
	}
}

// Connection state recovery against the official server: the network
// fails (a proxy stops passing what the client sends, then refuses new
// connections for a while), another client emits to the room meanwhile,
// and on reconnection the Go client gets the missed events (before its
// connect handlers, as socket.io-client) and Recovered() is true.
func TestInteropRecovery(t *testing.T) {
	interop.Require(t)
	url := interop.StartTestee(t, "--recovery", "--ping-interval", "500", "--ping-timeout", "200")
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) { scenarioRecovery(t, url, tc.transports) })
	}
}

// The same against socketlab's Go server with recovery on.
func TestGoServerRecovery(t *testing.T) {
	url := serveGo(t, newGoTestee("", socketio.Options{
		Recovery: &socketio.RecoveryOptions{},
		Engine:   engineio.Options{PingInterval: 500 * time.Millisecond, PingTimeout: 200 * time.Millisecond},
	}))
	for _, tc := range transportCases {
		t.Run(tc.name, func(t *testing.T) { scenarioRecovery(t, url, tc.transports) })
	}
}

func scenarioRecovery(t *testing.T, serverURL string, transports []string) {
	p := newProxy(t, strings.TrimPrefix(serverURL, "http://"))
	r := newRecorder()
	order := newRecorder()
	var room chan *client.Event
	opts := fastOptions(transports)
	opts.ReconnectionDelay = 20 * time.Millisecond
	opts.Timeout = time.Second // an attempt caught in the proxy fails soon
	c1 := dial(t, p.url(), opts, func(s *client.Socket) {
		watch(r, s)
		room = events(s, "emit-to-room")
		s.On("emit-to-room", func(e *client.Event) { order.add("event:%v", e.Args[0]) })
		s.OnConnect(func() { order.add("connect") })
	})
	r.expect(t, "connect")
	order.expect(t, "connect")
	require.False(t, c1.Recovered())
	require.NoError(t, c1.Emit("join", "room1"))
	require.NoError(t, c1.Emit("emit-to-room", "room1", "hello"))
	e := recv(t, room)
	order.expect(t, "event:hello")
	// The offset the server appended stays in the arguments.
	require.Len(t, e.Args, 2)
	require.Equal(t, "hello", e.Args[0])
	require.IsType(t, "", e.Args[1])
	id := c1.ID()

	c2 := dial(t, serverURL, fastOptions(nil), nil)
	connected(t, c2)

	// The server stops hearing c1 and closes its session on its ping
	// timeout (pingTimeout after its next ping), recoverable; c1 hears of
	// it at once over WebSocket (the close goes through), over polling by
	// its own ping timeout, pingInterval later, or sooner when its next
	// poll (every request has a connection of its own) is refused: a
	// "transport error". A server that has not closed the old session yet
	// could not restore it.
	p.setRefuse(true)
	p.setDropUp(true)
	cutAt := time.Now()
	require.Contains(t, []string{"disconnect:transport close", "disconnect:ping timeout", "disconnect:transport error"}, r.next(t))
	p.cut()
	p.setDropUp(false)
	require.NoError(t, c2.Emit("emit-to-room", "room1", "missed1"))
	require.NoError(t, c2.Emit("emit-to-room", "room1", "missed2"))
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, err := c2.EmitWithAck(ctx, "message-with-ack") // the server has handled both
	require.NoError(t, err)
	// Keep refusing until the server must have closed the old session:
	// the official server notices a dead polling client only by its ping
	// timeout (pingInterval + pingTimeout after the cut), and its timers
	// cannot be observed from here, so the wait is counted in failed
	// reconnection attempts, each an event, until that bound has passed.
	serverNotices := 500*time.Millisecond + 200*time.Millisecond + 200*time.Millisecond
	for r.waitFor(t, "reconnect_error"); time.Since(cutAt) < serverNotices; r.waitFor(t, "reconnect_error") {
	}
	p.setRefuse(false)
	r.waitFor(t, "connect")

	order.expect(t, "event:missed1", "event:missed2", "connect")
	require.True(t, c1.Recovered())
	require.Equal(t, id, c1.ID())
	for _, want := range []string{"missed1", "missed2"} {
		e := recv(t, room)
		require.Len(t, e.Args, 2)
		require.Equal(t, want, e.Args[0])
		require.IsType(t, "", e.Args[1])
	}
	// Still in the room, still working.
	require.NoError(t, c2.Emit("emit-to-room", "room1", "after"))
	require.Equal(t, "after", recv(t, room).Args[0])
	order.expect(t, "event:after")
}

// socket.io-client 4.8 itself, in Node, against a port where nothing
// listens, with reconnectionAttempts 2: the Go client emits the same
// events in the same order.
func TestInteropReconnectFailedOrder(t *testing.T) {
	interop.Require(t)
	url := "http://" + freeAddr(t)
	const script = `
const { io } = require("socket.io-client");
const ev = [];
const s = io(process.argv[1], { reconnectionAttempts: 2, reconnectionDelay: 10, randomizationFactor: 0, transports: ["polling"] });
s.on("connect", () => ev.push("connect"));
s.on("connect_error", () => ev.push("connect_error"));
s.on("disconnect", (r) => ev.push("disconnect:" + r));
s.io.on("reconnect_attempt", (n) => ev.push("reconnect_attempt:" + n));
s.io.on("reconnect", (n) => ev.push("reconnect:" + n));
s.io.on("reconnect_error", () => ev.push("reconnect_error"));
s.io.on("reconnect_failed", () => {
  ev.push("reconnect_failed");
  setTimeout(() => { console.log(JSON.stringify(ev)); process.exit(0); }, 50);
});
`
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "-e", script, url)
	cmd.Dir = interop.NodeDir()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	var official []string
	require.NoError(t, json.Unmarshal(out, &official), "%s", out)

	r := newRecorder()
	opts := fastOptions([]string{"polling"})
	opts.ReconnectionAttempts = 2
	dial(t, url, opts, func(s *client.Socket) { watch(r, s) })
	var ours []string
	for {
		ev := r.next(t)
		ours = append(ours, ev)
		if ev == "reconnect_failed" {
			ours = append(ours, r.next(t))
			break
		}
	}
	require.Equal(t, official, ours)
	require.Equal(t, []string{
		"connect_error",
		"reconnect_attempt:1", "connect_error", "reconnect_error",
		"reconnect_attempt:2", "connect_error", "reconnect_failed", "reconnect_error",
	}, ours)
}
