package socketio_test

import (
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"socketlab/reference/socketio"
)

// benchClient is a minimal Socket.IO client over WebSocket that counts the
// events it receives. It answers pings so the session stays up.
func benchClient(b *testing.B, base string, delivered *atomic.Int64) *websocket.Conn {
	conn, _, err := websocket.DefaultDialer.Dial(base+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, _, err := conn.ReadMessage(); err != nil { // open
		b.Fatal(err)
	}
	if err := conn.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		b.Fatal(err)
	}
	if _, msg, err := conn.ReadMessage(); err != nil || !strings.HasPrefix(string(msg), "40") {
		b.Fatalf("connect: %q %v", msg, err)
	}
	go func() {
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			switch {
			case len(msg) == 1 && msg[0] == '2':
				_ = conn.WriteMessage(websocket.TextMessage, []byte("3"))
			case len(msg) > 1 && msg[0] == '4' && msg[1] == '2':
				delivered.Add(1)
			}
		}
	}()
	return conn
}

// BenchmarkBroadcastToRoom1000 measures fan-out end to end: one event to a
// room of 1,000 WebSocket clients, counted when every client has read it.
// At most `window` broadcasts are in flight, so queues stay far from their
// bound and nothing is dropped.
func BenchmarkBroadcastToRoom1000(b *testing.B) {
	const sockets, window = 1000, 32
	io := socketio.NewServer(socketio.Options{})
	io.OnConnection(func(s *socketio.Socket) { s.Join("room") })
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Close()
	base := "ws" + strings.TrimPrefix(ts.URL, "http")

	delivered := make([]atomic.Int64, sockets)
	for i := range sockets {
		conn := benchClient(b, base, &delivered[i])
		defer conn.Close()
	}
	for io.Sockets().RoomSize("room") < sockets {
		time.Sleep(time.Millisecond)
	}
	// waitFor waits until every client has read at least target events:
	// the window is per client, so one starved reader cannot fall a whole
	// queue behind (which would, by design, get it disconnected).
	waitFor := func(target int64) {
		deadline := time.Now().Add(30 * time.Second)
		for i := range delivered {
			for delivered[i].Load() < target {
				if time.Now().After(deadline) {
					b.Fatalf("client %d read %d of %d events; %d sockets connected", i, delivered[i].Load(), target, io.Sockets().Len())
				}
				time.Sleep(50 * time.Microsecond)
			}
		}
	}

	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if i >= window {
			waitFor(int64(i - window))
		}
		if err := io.To("room").Emit("video:progress", map[string]any{"videoId": "v1", "progress": i, "stage": "metadata"}); err != nil {
			b.Fatal(err)
		}
	}
	waitFor(int64(b.N))
	b.StopTimer()
	b.ReportMetric(float64(int64(b.N)*sockets)/b.Elapsed().Seconds(), "deliveries/s")
	if io.Sockets().Len() != sockets {
		b.Fatalf("lost sockets: %d connected", io.Sockets().Len())
	}
}
