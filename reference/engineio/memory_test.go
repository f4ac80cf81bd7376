package engineio

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
)

// idleClientEnv makes the test binary a client process that opens idle
// WebSockets (see BenchmarkIdleWebSocketMemory): "url n".
const idleClientEnv = "ENGINEIO_IDLE_CLIENT"

func TestMain(m *testing.M) {
	if spec := os.Getenv(idleClientEnv); spec != "" {
		os.Exit(runIdleClients(spec))
	}
	os.Exit(m.Run())
}

// runIdleClients opens the connections, prints "ready", answers pings
// and holds them until stdin closes.
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
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if _, _, err := c.ReadMessage(); err != nil { // open packet
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	for _, c := range conns {
		c.Close()
	}
	return 0
}

// BenchmarkIdleWebSocketMemory measures what an idle WebSocket session
// costs the server: heap and goroutine stacks per session, with the
// clients in another process so that their memory is not counted.
// b.N is ignored (run it with -benchtime=1x); the figures are reported as
// metrics.
func BenchmarkIdleWebSocketMemory(b *testing.B) {
	const n = 2000
	srv := NewServer(Options{}, func(*Session) Handler { return discardHandler{} })
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()

	before := settledMemory()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), idleClientEnv+"=ws"+strings.TrimPrefix(hs.URL, "http")+"/engine.io/?EIO=4&transport=websocket "+strconv.Itoa(n))
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
	for srv.SessionCount() < n {
		time.Sleep(time.Millisecond) // bounded by the client having connected
	}
	after := settledMemory()

	perSession := func(a, b uint64) float64 { return (float64(a) - float64(b)) / n }
	heap := perSession(after.HeapInuse, before.HeapInuse)
	stack := perSession(after.StackInuse, before.StackInuse)
	b.ReportMetric(heap, "heap-B/session")
	b.ReportMetric(stack, "stack-B/session")
	b.ReportMetric(heap+stack, "B/session")
	b.ReportMetric(float64(after.goroutines-before.goroutines)/n, "goroutines/session")
}

type memSnapshot struct {
	runtime.MemStats
	goroutines int
}

// settledMemory returns the memory in use after garbage collection; the
// collections also shrink idle goroutine stacks.
func settledMemory() memSnapshot {
	var m memSnapshot
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m.MemStats)
	m.goroutines = runtime.NumGoroutine()
	return m
}
