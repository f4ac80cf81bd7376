package socketio_test

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"socketlab/reference/internal/idlemem"
	"socketlab/reference/socketio"
)

func TestMain(m *testing.M) {
	idlemem.ServeClientsIfChild()
	os.Exit(m.Run())
}

// BenchmarkIdleSocketMemory measures what an idle Socket.IO connection
// (Engine.IO session over WebSocket + one socket in "/" + two rooms, as
// the reference app holds them) costs the server in heap and goroutine
// stacks (see package idlemem). b.N is ignored: run with -benchtime=1x.
func BenchmarkIdleSocketMemory(b *testing.B) {
	const n = 2000
	io := socketio.NewServer(socketio.Options{})
	io.OnConnection(func(s *socketio.Socket) { s.Join("org:acme", "user:"+s.ID()) })
	hs := httptest.NewServer(io)
	defer hs.Close()
	defer io.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	idlemem.Measure(b, url, n, true, io.Sockets().Len, "conn")
}
