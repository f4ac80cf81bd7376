package engineio

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func BenchmarkDecodePacket(b *testing.B) {
	for _, c := range []struct {
		name   string
		data   []byte
		binary bool
	}{
		{"text", []byte(`42["chat message","` + strings.Repeat("x", 100) + `"]`), false},
		{"base64", []byte("b" + strings.Repeat("AQIDBA==", 1)[:8]), false},
		{"binaryFrame", make([]byte, 1024), true},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				if _, err := DecodePacket(c.data, c.binary); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodePayload(b *testing.B) {
	body := []byte(strings.Repeat(`42["chat","hello world"]`+"\x1e", 9) + "bAQIDBA==")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := DecodePayload(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodePayload(b *testing.B) {
	packets := make([]Packet, 0, 10)
	for range 9 {
		packets = append(packets, Packet{Type: PacketMessage, Data: []byte(`2["chat","hello world"]`)})
	}
	packets = append(packets, Packet{Type: PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true})
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendPayload(buf[:0], packets)
	}
	b.SetBytes(int64(len(buf)))
}

// discardConn is a net.Conn that accepts and drops every write and counts
// them: a WebSocket peer that reads infinitely fast.
type discardConn struct {
	writes atomic.Int64
}

func (c *discardConn) Read([]byte) (int, error)         { select {} }
func (c *discardConn) Write(p []byte) (int, error)      { c.writes.Add(1); return len(p), nil }
func (c *discardConn) Close() error                     { return nil }
func (c *discardConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *discardConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *discardConn) SetDeadline(time.Time) error      { return nil }
func (c *discardConn) SetReadDeadline(time.Time) error  { return nil }
func (c *discardConn) SetWriteDeadline(time.Time) error { return nil }
func (w *hijackRecorder) Header() http.Header           { return w.header }
func (w *hijackRecorder) Write(p []byte) (int, error)   { return len(p), nil }
func (w *hijackRecorder) WriteHeader(int)               {}
func (w *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.conn, bufio.NewReadWriter(bufio.NewReader(w.conn), bufio.NewWriter(w.conn)), nil
}

// hijackRecorder lets the server's own Upgrader build a real
// *websocket.Conn over a discardConn.
type hijackRecorder struct {
	header http.Header
	conn   net.Conn
}

// discardWebSocket returns a server-side WebSocket whose peer discards.
func discardWebSocket(tb testing.TB, srv *Server) (*websocket.Conn, *discardConn) {
	dc := &discardConn{}
	r := httptest.NewRequest(http.MethodGet, "/engine.io/?EIO=4&transport=websocket", nil)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	conn, err := srv.upgrader.Upgrade(&hijackRecorder{header: http.Header{}, conn: dc}, r, nil)
	if err != nil {
		tb.Fatal(err)
	}
	dc.writes.Store(0) // the 101 response
	return conn, dc
}

// BenchmarkMessagePrepared is the broadcast path: one Message written to
// N WebSocket sessions. "prepared" is this package (the frame is built
// once and shared), "perConn" what writing each connection separately
// costs. Per op: one message to all N.
func BenchmarkMessagePrepared(b *testing.B) {
	const n = 1000
	payload := `2["news",{"title":"` + strings.Repeat("x", 200) + `"}]`
	srv := NewServer(Options{}, nil)
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		conns[i], _ = discardWebSocket(b, srv)
	}
	b.Run("prepared", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := NewTextMessage(payload)
			m.sends.Store(n) // what n Session.Send calls do
			for _, c := range conns {
				if err := m.writeTo(c); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("perConn", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := NewTextMessage(payload)
			for _, c := range conns {
				if err := c.WriteMessage(websocket.TextMessage, m.text); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkBroadcastSend broadcasts through Session.Send to N idle
// WebSocket sessions: each Send starts a short-lived flush goroutine that
// writes the shared frame and exits. Per op: one message delivered to all.
func BenchmarkBroadcastSend(b *testing.B) {
	const n = 1000
	srv := NewServer(Options{}, nil)
	sessions := make([]*Session, n)
	sinks := make([]*discardConn, n)
	for i := range sessions {
		conn, dc := discardWebSocket(b, srv)
		s := newSession(srv, httptest.NewRequest(http.MethodGet, "/", nil), TransportWebSocket, conn)
		s.flushing = false
		s.delivery.handler = discardHandler{}
		sessions[i], sinks[i] = s, dc
	}
	payload := `2["news",{"title":"` + strings.Repeat("x", 200) + `"}]`
	var sent int64
	b.ReportAllocs()
	for b.Loop() {
		m := NewTextMessage(payload)
		for _, s := range sessions {
			if err := s.Send(m); err != nil {
				b.Fatal(err)
			}
		}
		sent++
		for _, dc := range sinks {
			for dc.writes.Load() < sent {
				runtime.Gosched() // the flush goroutines are running

			}
		}
	}
}

// BenchmarkEcho compares a WebSocket echo through this package with a
// bare gorilla echo server, one client doing round trips (serial) and
// many clients at once (parallel).
func BenchmarkEcho(b *testing.B) {
	msg := []byte(`42["echo","` + strings.Repeat("x", 64) + `"]`)
	raw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up := websocket.Upgrader{}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, data, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(mt, data); err != nil {
				return
			}
		}
	}))
	defer raw.Close()
	eio := NewServer(Options{}, func(s *Session) Handler { return &echoHandler{s} })
	eioHTTP := httptest.NewServer(eio)
	defer eioHTTP.Close()
	defer eio.Close()

	targets := []struct{ name, url string }{
		{"gorilla", "ws" + strings.TrimPrefix(raw.URL, "http")},
		{"engineio", "ws" + strings.TrimPrefix(eioHTTP.URL, "http") + "/engine.io/?EIO=4&transport=websocket"},
	}
	dial := func(b *testing.B, url string, engine bool) *websocket.Conn {
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			b.Fatal(err)
		}
		if engine {
			if _, _, err := c.ReadMessage(); err != nil { // open packet
				b.Fatal(err)
			}
		}
		return c
	}
	roundTrip := func(b *testing.B, c *websocket.Conn) {
		if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
	for _, tg := range targets {
		b.Run(tg.name+"/serial", func(b *testing.B) {
			c := dial(b, tg.url, tg.name == "engineio")
			defer c.Close()
			b.ReportAllocs()
			for b.Loop() {
				roundTrip(b, c)
			}
		})
		b.Run(tg.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				c := dial(b, tg.url, tg.name == "engineio")
				defer c.Close()
				for pb.Next() {
					roundTrip(b, c)
				}
			})
		})
	}
}

type echoHandler struct{ s *Session }

func (h *echoHandler) HandleMessage(data []byte, binary bool) {
	if binary {
		_ = h.s.Send(NewBinaryMessage(data))
		return
	}
	_ = h.s.Send(NewTextMessageBytes(data))
}

func (h *echoHandler) HandleClose(string, error) {}
