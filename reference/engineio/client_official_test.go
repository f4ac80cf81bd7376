package engineio

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socketlab/internal/syncbuf"
	"socketlab/interop"
)

// officialServerScript runs the official engine.io server (the one under
// socket.io 4.8) on 127.0.0.1, port 0, with the options given as JSON in
// argv[2]. It prints "PORT <n>", then one line per event: "CONNECT <sid>
// <transport>", "UPGRADE <sid> <transport>", "CLOSE <sid> <reason>". It
// echoes every message, except "close me" (it closes the socket) and
// "burst <n>" (it sends "b0" ... "b<n-1>").
const officialServerScript = `
const http = require("http");
const { Server } = require("engine.io");
const opts = JSON.parse(process.argv[2] || "{}");
const httpServer = http.createServer();
const engine = new Server(opts);
engine.attach(httpServer);
engine.on("connection", (socket) => {
  console.log("CONNECT " + socket.id + " " + socket.transport.name);
  socket.on("upgrade", (t) => console.log("UPGRADE " + socket.id + " " + t.name));
  socket.on("close", (reason) => console.log("CLOSE " + socket.id + " " + reason));
  socket.on("message", (data) => {
    if (data === "close me") return socket.close();
    if (typeof data === "string" && data.startsWith("burst ")) {
      const n = Number(data.slice(6));
      for (let i = 0; i < n; i++) socket.send("b" + i);
      return;
    }
    socket.send(data);
  });
});
httpServer.listen(0, "127.0.0.1", () => console.log("PORT " + httpServer.address().port));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
`

// officialServer is a running officialServerScript.
type officialServer struct {
	url    string
	mu     sync.Mutex
	lines  []string
	signal chan struct{} // a line arrived
	stderr syncbuf.Buffer
}

// startOfficialServer starts the official server with opts (JSON), or
// skips the test without Node.js (fails under CI=true).
func startOfficialServer(t *testing.T, opts string) *officialServer {
	t.Helper()
	interop.Require(t)
	node, err := exec.LookPath("node")
	require.NoError(t, err)
	modules := filepath.Join(interop.NodeDir(), "node_modules")
	_, err = os.Stat(filepath.Join(modules, "engine.io", "package.json"))
	require.NoError(t, err, "engine.io comes with socket.io in interop/node")
	script := filepath.Join(t.TempDir(), "server.cjs")
	require.NoError(t, os.WriteFile(script, []byte(officialServerScript), 0o600))

	cmd := exec.Command(node, script, opts)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	s := &officialServer{signal: make(chan struct{}, 1)}
	cmd.Stderr = &s.stderr
	stdin, err := cmd.StdinPipe() // closing it stops the server
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.mu.Lock()
			s.lines = append(s.lines, sc.Text())
			s.mu.Unlock()
			select {
			case s.signal <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() {
			<-scanned
			_ = cmd.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(waitTimeout):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	// Node may start slowly on a busy machine.
	port := s.expect(t, 30*time.Second, func(l string) bool { return strings.HasPrefix(l, "PORT ") })
	_, err = strconv.Atoi(strings.TrimPrefix(port, "PORT "))
	require.NoError(t, err, port)
	s.url = "http://127.0.0.1:" + strings.TrimPrefix(port, "PORT ")
	return s
}

// expect waits up to timeout for a line matching match, takes it and
// returns it.
func (s *officialServer) expect(t testing.TB, timeout time.Duration, match func(string) bool) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		for i, l := range s.lines {
			if match(l) {
				s.lines = append(s.lines[:i], s.lines[i+1:]...)
				s.mu.Unlock()
				return l
			}
		}
		s.mu.Unlock()
		select {
		case <-s.signal:
		case <-deadline:
			s.mu.Lock()
			defer s.mu.Unlock()
			t.Fatalf("official server: no matching line; got %q; stderr: %s", s.lines, s.stderr.String())
			return ""
		}
	}
}

func (s *officialServer) expectLine(t testing.TB, line string) {
	t.Helper()
	s.expect(t, waitTimeout, func(l string) bool { return l == line })
}

// TestOfficialServer connects to the official engine.io server over
// polling, WebSocket, and polling then upgrade, and exchanges text,
// binary and bursts both ways while the server pings every 100ms (with a
// generous pingTimeout: on a busy machine Node may answer late).
func TestOfficialServer(t *testing.T) {
	srv := startOfficialServer(t, `{"pingInterval":100,"pingTimeout":5000}`)
	for _, mode := range clientModes {
		t.Run(mode.name, func(t *testing.T) {
			c, rec := dialClient(t, srv.url, DialOptions{Transports: mode.transports})
			first := TransportPolling
			if mode.name == "websocket" {
				first = TransportWebSocket
			}
			srv.expectLine(t, "CONNECT "+c.ID()+" "+first)
			hs := c.Handshake()
			require.Equal(t, 100*time.Millisecond, hs.PingInterval)
			require.Equal(t, 5*time.Second, hs.PingTimeout)
			require.EqualValues(t, 1e6, hs.MaxPayload)
			if mode.name == "upgrade" {
				waitUpgrade(t, c)
				srv.expectLine(t, "UPGRADE "+c.ID()+" websocket")
			}
			require.Equal(t, mode.final, c.Transport())

			require.NoError(t, c.Send(NewTextMessage("héllo")))
			require.Equal(t, received{"héllo", false}, rec.next(t))
			bin := []byte{0, 1, 2, 0x1e, 0xff}
			require.NoError(t, c.Send(NewBinaryMessage(bin)))
			require.Equal(t, received{string(bin), true}, rec.next(t))

			const n = 500
			for i := range n {
				require.NoError(t, c.Send(NewTextMessage("m"+strconv.Itoa(i))))
			}
			for i := range n {
				require.Equal(t, "m"+strconv.Itoa(i), rec.next(t).data)
			}
			require.NoError(t, c.Send(NewTextMessage("burst 1000")))
			for i := range 1000 {
				require.Equal(t, "b"+strconv.Itoa(i), rec.next(t).data)
			}

			// The heartbeat: pongs keep the session alive.
			pings := c.pings.Load()
			require.Eventually(t, func() bool { return c.pings.Load() >= pings+4 }, waitTimeout, 5*time.Millisecond)
			require.NoError(t, c.Send(NewTextMessage("still here")))
			require.Equal(t, "still here", rec.next(t).data)

			c.Close()
			require.Equal(t, ReasonForcedClose, rec.waitClose(t).reason)
			srv.expectLine(t, "CLOSE "+c.ID()+" transport close")
		})
	}
}

// TestOfficialServerCloses: the official server closing the socket ends
// the client with "transport close".
func TestOfficialServerCloses(t *testing.T) {
	srv := startOfficialServer(t, `{}`)
	for _, mode := range clientModes {
		t.Run(mode.name, func(t *testing.T) {
			c, rec := dialClient(t, srv.url, DialOptions{Transports: mode.transports})
			if mode.name == "upgrade" {
				waitUpgrade(t, c)
			}
			require.NoError(t, c.Send(NewTextMessage("close me")))
			cl := rec.waitClose(t)
			require.Equal(t, ReasonTransportClose, cl.reason)
			srv.expectLine(t, "CLOSE "+c.ID()+" forced close")
		})
	}
}

// TestOfficialServerDialError: the official server's JSON error is an
// *HTTPError; without upgrades offered the client stays on polling.
func TestOfficialServerDialError(t *testing.T) {
	srv := startOfficialServer(t, `{"transports":["polling"]}`)
	_, err := Dial(context.Background(), srv.url, DialOptions{Transports: []string{TransportWebSocket}}, nil)
	var he *HTTPError
	require.ErrorAs(t, err, &he)
	require.Equal(t, HTTPError{Status: 400, Code: CodeUnknownTransport, Message: "Transport unknown"}, *he)

	// No upgrade offered: the client stays on polling.
	c, rec := dialClient(t, srv.url, DialOptions{})
	require.Empty(t, c.Handshake().Upgrades)
	require.NoError(t, c.Send(NewTextMessage("x")))
	require.Equal(t, "x", rec.next(t).data)
	require.Equal(t, TransportPolling, c.Transport())
}
