package socketio_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"socketlab/reference/socketio"
)

// BenchmarkEcho compares a Socket.IO echo round trip (client emits
// "echo", the handler emits it back) with a raw gorilla/websocket echo of
// the same bytes, measured in the same run: the ratio of their ns/op is
// the overhead of the whole Socket.IO stack. 8 clients in parallel, as a
// load tool would run them.
func BenchmarkEcho(b *testing.B) {
	msg := []byte(`42["echo","` + strings.Repeat("x", 64) + `"]`)
	raw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, data, err := c.ReadMessage()
			if err != nil || c.WriteMessage(mt, data) != nil {
				return
			}
		}
	}))
	defer raw.Close()

	io := socketio.NewServer(socketio.Options{})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(e *socketio.Event) { _ = s.Emit("echo", e.Args...) })
	})
	sio := httptest.NewServer(io)
	defer sio.Close()
	defer io.Close()

	dial := func(b *testing.B, url string, socketIO bool) *websocket.Conn {
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			b.Fatal(err)
		}
		if socketIO {
			_, _, err = c.ReadMessage() // open
			if err == nil {
				err = c.WriteMessage(websocket.TextMessage, []byte("40"))
			}
			if err == nil {
				_, _, err = c.ReadMessage() // CONNECT reply
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		return c
	}
	targets := []struct {
		name     string
		url      string
		socketIO bool
	}{
		{"gorilla", "ws" + strings.TrimPrefix(raw.URL, "http"), false},
		{"socketio", "ws" + strings.TrimPrefix(sio.URL, "http") + "/socket.io/?EIO=4&transport=websocket", true},
	}
	for _, tg := range targets {
		b.Run(tg.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				c := dial(b, tg.url, tg.socketIO)
				defer c.Close()
				for pb.Next() {
					if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
						b.Error(err)
						return
					}
					for {
						_, reply, err := c.ReadMessage()
						if err != nil {
							b.Error(err)
							return
						}
						if string(reply) != "2" { // skip Engine.IO pings
							break
						}
						_ = c.WriteMessage(websocket.TextMessage, []byte("3"))
					}
				}
			})
		})
	}
}
