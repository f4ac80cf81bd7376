package engineio

import (
	"context"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"
)

// benchClient is a client Handler that signals each message.
type benchClient chan struct{}

func (b benchClient) HandleMessage([]byte, bool) { b <- struct{}{} }
func (b benchClient) HandleClose(string, error)  {}

// BenchmarkClientRoundTrip: one message to our echo server and back, per
// transport.
func BenchmarkClientRoundTrip(b *testing.B) {
	srv := NewServer(Options{}, func(s *Session) Handler { return &echoHandler{s} })
	hs := httptest.NewServer(srv)
	defer func() {
		srv.Close()
		hs.Close()
	}()
	for _, mode := range clientModes[:2] {
		b.Run(mode.name, func(b *testing.B) {
			got := make(benchClient, 1)
			c, err := Dial(context.Background(), hs.URL, DialOptions{Transports: mode.transports}, got)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			msg := NewTextMessage(`2["ping",{"n":1}]`)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := c.Send(msg); err != nil {
					b.Fatal(err)
				}
				<-got
			}
		})
	}
}

// BenchmarkClientIdleWebSocket measures what an idle WebSocket client
// costs, heap, stacks and goroutines, together with its server session
// in the same process (run with -benchtime 1x).
func BenchmarkClientIdleWebSocket(b *testing.B) {
	srv := NewServer(Options{}, nil)
	hs := httptest.NewServer(srv)
	defer func() {
		srv.Close()
		hs.Close()
	}()
	const n = 500
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		clients := make([]*Client, 0, n)
		for range n {
			c, err := Dial(context.Background(), hs.URL, DialOptions{Transports: clientModes[1].transports}, nil)
			if err != nil {
				b.Fatal(err)
			}
			clients = append(clients, c)
		}
		for deadline := time.Now().Add(waitTimeout); srv.SessionCount() < n; {
			if time.Now().After(deadline) {
				b.Fatal("sessions missing")
			}
			runtime.Gosched()
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		used := int64(after.HeapInuse+after.StackInuse) - int64(before.HeapInuse+before.StackInuse)
		b.ReportMetric(float64(used)/n, "bytes/conn")
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/n, "goroutines/conn")
		for _, c := range clients {
			c.Close()
		}
	}
}
