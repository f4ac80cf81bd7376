package socketio_test

import (
	"bufio"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"socketlab/reference/socketio"
)

// idleClientEnv turns the test binary into a client process that holds
// idle Socket.IO connections (see BenchmarkIdleSocketMemory): "url n".
const idleClientEnv = "SOCKETIO_IDLE_CLIENT"

func TestMain(m *testing.M) {
	if spec := os.Getenv(idleClientEnv); spec != "" {
		os.Exit(runIdleClients(spec))
	}
	os.Exit(m.Run())
}

// runIdleClients connects n sockets to "/", prints "ready" and holds them
// (answering pings) until stdin closes.
func runIdleClients(spec string) int {
	url, nText, _ := strings.Cut(spec, " ")
	n, err := strconv.Atoi(nText)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	dialer := websocket.Dialer{ReadBufferSize: 256, WriteBufferSize: 256, HandshakeTimeout: 10 * time.Second}
	conns := make([]*websocket.Conn, 0, n)
	for range n {
		c, _, err := dialer.Dial(url, nil)
		if err == nil {
			_, _, err = c.ReadMessage() // open
		}
		if err == nil {
			err = c.WriteMessage(websocket.TextMessage, []byte(`40{"token":"idle"}`))
		}
		if err == nil {
			_, _, err = c.ReadMessage() // CONNECT reply
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		go func() {
			for {
				_, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				if string(msg) == "2" {
					_ = c.WriteMessage(websocket.TextMessage, []byte("3"))
				}
			}
		}()
		conns = append(conns, c)
	}
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	for _, c := range conns {
		c.Close()
	}
	return 0
}

// BenchmarkIdleSocketMemory measures what an idle Socket.IO connection
// (Engine.IO session over WebSocket + one socket in "/" + two rooms, as
// the reference app holds them) costs the server in heap and goroutine
// stacks. The clients run in another process so their memory is not
// counted. b.N is ignored: run with -benchtime=1x.
func BenchmarkIdleSocketMemory(b *testing.B) {
	const n = 2000
	io := socketio.NewServer(socketio.Options{})
	io.OnConnection(func(s *socketio.Socket) { s.Join("org:acme", "user:"+s.ID()) })
	hs := httptest.NewServer(io)
	defer hs.Close()
	defer io.Close()

	before := settledMemory()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), idleClientEnv+"=ws"+strings.TrimPrefix(hs.URL, "http")+"/socket.io/?EIO=4&transport=websocket "+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		b.Fatalf("client process: %q %v", line, err)
	}
	for io.Sockets().Len() < n {
		time.Sleep(time.Millisecond) // bounded: every client has connected
	}
	after := settledMemory()

	perSocket := func(a, b uint64) float64 { return (float64(a) - float64(b)) / n }
	heap := perSocket(after.HeapInuse, before.HeapInuse)
	stack := perSocket(after.StackInuse, before.StackInuse)
	b.ReportMetric(heap, "heap-B/conn")
	b.ReportMetric(stack, "stack-B/conn")
	b.ReportMetric(heap+stack, "B/conn")
	b.ReportMetric(float64(after.goroutines-before.goroutines)/n, "goroutines/conn")
}

type memSnapshot struct {
	runtime.MemStats
	goroutines int
}

// settledMemory returns the memory in use once garbage collection has run
// a few times: each cycle also halves goroutine stacks that use less than
// a quarter of their size, which is where an idle connection's reader
// ends up after handling its first packets (a long-running server gets
// there with its periodic collections).
func settledMemory() memSnapshot {
	var m memSnapshot
	for range 8 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m.MemStats)
	m.goroutines = runtime.NumGoroutine()
	return m
}
