package socketio_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/gorilla/websocket"

	"socketlab/reference/socketio"
)

// A server that greets every socket and echoes "hello" events, talked to
// with raw WebSocket frames to show the wire format.
func Example() {
	io := socketio.NewServer(socketio.Options{})
	io.OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("welcome", "to socketlab")
		s.On("hello", func(e *socketio.Event) {
			_ = e.Ack("hi", e.Args[0])
		})
	})
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Close()

	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	read := func() string {
		_, msg, _ := conn.ReadMessage()
		return string(msg)
	}
	open := read() // 0{"sid":...,"upgrades":[],"pingInterval":25000,...}
	fmt.Println(open[:2], strings.Contains(open, `"upgrades":[]`))

	_ = conn.WriteMessage(websocket.TextMessage, []byte(`40`))
	fmt.Println(read()[:9]) // 40{"sid":"<20 chars>"}
	fmt.Println(read())

	_ = conn.WriteMessage(websocket.TextMessage, []byte(`427["hello","gopher"]`))
	fmt.Println(read())
	// Output:
	// 0{ true
	// 40{"sid":
	// 42["welcome","to socketlab"]
	// 437["hi","gopher"]
}

// Rooms: To(a).To(b) reaches the union of both rooms, each socket once;
// Except removes a room.
func ExampleBroadcastOperator() {
	io := socketio.NewServer(socketio.Options{})
	defer io.Close()
	op := io.To("acme").To("video:42").Except("muted")
	fmt.Println(op.Emit("video:progress", map[string]any{"videoId": "42", "progress": 10, "stage": "metadata"}))
	fmt.Println(op.Emit("disconnect"))
	// Output:
	// <nil>
	// socketio: reserved event name
}

// A middleware refuses a connection with data that the client sees as
// err.data in its connect_error handler.
func ExampleNewConnectError() {
	io := socketio.NewServer(socketio.Options{})
	defer io.Close()
	io.Use(func(s *socketio.Socket) error {
		if s.Handshake().Auth["token"] == nil {
			return socketio.NewConnectError("Authentication required", map[string]any{"hint": "send auth.token"})
		}
		return nil
	})
	fmt.Println(socketio.NewConnectError("Invalid token", nil))
	// Output: Invalid token
}
