// Package idlemem measures what an idle connection costs a server: heap
// and goroutine stacks per connection, with the clients in a child
// process (the test binary itself, re-run) so that their memory is not
// counted. The engineio and socketio benchmarks share it.
//
// A test package wires it with
//
//	func TestMain(m *testing.M) { idlemem.ServeClientsIfChild(); os.Exit(m.Run()) }
//
// and measures with Measure.
package idlemem

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// clientEnv makes the test binary a client process: "<joinNamespace> <url> <n>".
const clientEnv = "SOCKETLAB_IDLE_CLIENTS"

// ServeClientsIfChild runs the client side and exits when the process was
// started by Measure; otherwise it returns at once.
func ServeClientsIfChild() {
	if spec := os.Getenv(clientEnv); spec != "" {
		os.Exit(runClients(spec))
	}
}

// runClients opens the connections (Engine.IO over WebSocket, and a
// Socket.IO CONNECT to "/" when asked), prints "ready", answers pings and
// holds them until stdin closes.
func runClients(spec string) int {
	fields := strings.Fields(spec)
	if len(fields) != 3 {
		fmt.Fprintln(os.Stderr, "idlemem: bad spec", spec)
		return 2
	}
	join, url := fields[0] == "true", fields[1]
	n, err := strconv.Atoi(fields[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	dialer := websocket.Dialer{ReadBufferSize: 256, WriteBufferSize: 256, HandshakeTimeout: 10 * time.Second}
	conns := make([]*websocket.Conn, 0, n)
	for range n {
		c, _, err := dialer.Dial(url, nil)
		if err == nil {
			_, _, err = c.ReadMessage() // open packet
		}
		if err == nil && join {
			err = c.WriteMessage(websocket.TextMessage, []byte(`40{"token":"idle"}`))
			if err == nil {
				_, _, err = c.ReadMessage() // CONNECT reply
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		go answerPings(c)
		conns = append(conns, c)
	}
	fmt.Println("ready")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	for _, c := range conns {
		c.Close()
	}
	return 0
}

func answerPings(c *websocket.Conn) {
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		if string(msg) == "2" {
			_ = c.WriteMessage(websocket.TextMessage, []byte("3"))
		}
	}
}

// Result is the cost of one idle connection.
type Result struct {
	HeapBytes, StackBytes, Goroutines float64
}

// Measure starts n idle clients of wsURL in a child process (joining "/"
// when joinNamespace), waits until connected() reports n, and returns the
// server-side cost per connection. It reports the figures as benchmark
// metrics named after unit ("session", "conn").
func Measure(b *testing.B, wsURL string, n int, joinNamespace bool, connected func() int, unit string) Result {
	b.Helper()
	before := settledMemory()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%t %s %d", clientEnv, joinNamespace, wsURL, n))
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
	for connected() < n {
		time.Sleep(time.Millisecond) // bounded: every client has connected
	}
	after := settledMemory()

	per := func(a, b uint64) float64 { return (float64(a) - float64(b)) / float64(n) }
	r := Result{
		HeapBytes:  per(after.HeapInuse, before.HeapInuse),
		StackBytes: per(after.StackInuse, before.StackInuse),
		Goroutines: float64(after.goroutines-before.goroutines) / float64(n),
	}
	b.ReportMetric(r.HeapBytes, "heap-B/"+unit)
	b.ReportMetric(r.StackBytes, "stack-B/"+unit)
	b.ReportMetric(r.HeapBytes+r.StackBytes, "B/"+unit)
	b.ReportMetric(r.Goroutines, "goroutines/"+unit)
	return r
}

type memSnapshot struct {
	runtime.MemStats
	goroutines int
}

// settledMemory returns the memory in use once garbage collection has run
// a few times: each cycle also halves goroutine stacks that use less than
// a quarter of their size, which is where an idle reader ends up after
// handling its first packets (a long-running server gets there with its
// periodic collections).
func settledMemory() memSnapshot {
	var m memSnapshot
	for range 8 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m.MemStats)
	m.goroutines = runtime.NumGoroutine()
	return m
}
