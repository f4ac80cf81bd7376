package engineio

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"socketlab/reference/internal/idlemem"
)

func TestMain(m *testing.M) {
	idlemem.ServeClientsIfChild()
	os.Exit(m.Run())
}

// BenchmarkIdleWebSocketMemory measures what an idle WebSocket session
// costs the server (heap and goroutine stacks per session; see package
// idlemem). b.N is ignored: run it with -benchtime=1x.
func BenchmarkIdleWebSocketMemory(b *testing.B) {
	const n = 2000
	srv := NewServer(Options{}, func(*Session) Handler { return discardHandler{} })
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/engine.io/?EIO=4&transport=websocket"
	idlemem.Measure(b, url, n, false, srv.SessionCount, "session")
}
