package client_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"socketlab/reference/socketio"
	"socketlab/reference/socketio/client"
)

// Connect to a server and emit an event with an acknowledgement.
func Example() {
	srv := socketio.NewServer(socketio.Options{})
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("hello", func(e *socketio.Event) {
			_ = e.Ack("hi " + e.Args[0].(string))
		})
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()

	s := client.Connect(ts.URL, client.Options{})
	defer s.Disconnect()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Emitted before the socket is connected: buffered, sent on connect.
	reply, err := s.EmitWithAck(ctx, "hello", "gopher")
	fmt.Println(reply, err)
	fmt.Println(s.Connected(), len(s.ID()))

	// With an AckFunc and a timeout instead.
	done := make(chan struct{})
	_ = s.Timeout(time.Second).Emit("hello", "again", client.AckFunc(func(args []any, err error) {
		fmt.Println(args, err)
		close(done)
	}))
	<-done
	// Output:
	// [hi gopher] <nil>
	// true 20
	// [hi again] <nil>
}

// OnAny sees every event the server sends, before the handlers registered
// with On.
func ExampleSocket_OnAny() {
	srv := socketio.NewServer(socketio.Options{})
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("subscribe", func(*socketio.Event) {
			_ = s.Emit("news", "Go 1.26 is out")
			_ = s.Emit("weather", map[string]any{"temp": 21})
		})
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()

	s := client.Connect(ts.URL, client.Options{})
	defer s.Disconnect()
	seen := make(chan struct{}, 2)
	s.OnAny(func(e *client.Event) {
		fmt.Println("any:", e.Name, e.Args)
	})
	s.On("weather", func(e *client.Event) {
		var w struct{ Temp int }
		_ = e.Bind(0, &w)
		fmt.Println("weather:", w.Temp)
		seen <- struct{}{}
	})
	_ = s.Emit("subscribe")
	<-seen
	// Output:
	// any: news [Go 1.26 is out]
	// any: weather [map[temp:21]]
	// weather: 21
}

// []byte arguments travel as binary attachments, both ways, at any depth
// of []any and map[string]any.
func ExampleSocket_Emit_binary() {
	srv := socketio.NewServer(socketio.Options{})
	srv.OnConnection(func(s *socketio.Socket) {
		s.On("upload", func(e *socketio.Event) {
			data := e.Args[0].(map[string]any)["data"].([]byte)
			_ = e.Ack(len(data), []byte{data[0] ^ 0xff})
		})
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()

	s := client.Connect(ts.URL, client.Options{})
	defer s.Disconnect()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	reply, err := s.EmitWithAck(ctx, "upload", map[string]any{"name": "a.bin", "data": []byte{0x0f, 1, 2}})
	fmt.Println(reply[0], reply[1].([]byte), err)
	// Output: 3 [240] <nil>
}

// Several namespaces share one connection: ask the Manager for their
// sockets.
func ExampleManager_Socket() {
	srv := socketio.NewServer(socketio.Options{})
	for _, nsp := range []string{"/chat", "/admin"} {
		srv.Of(nsp).OnConnection(func(s *socketio.Socket) {
			s.On("whoami", func(e *socketio.Event) { _ = e.Ack(s.Namespace().Name()) })
		})
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()

	m := client.NewManager(ts.URL, client.Options{})
	chat := m.Socket("/chat", client.SocketOptions{})
	admin := m.Socket("/admin", client.SocketOptions{Auth: map[string]any{"token": "s3cret"}})
	defer chat.Disconnect()
	defer admin.Disconnect()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range []*client.Socket{chat, admin} {
		reply, err := s.EmitWithAck(ctx, "whoami")
		fmt.Println(reply, err)
	}
	fmt.Println("engine sessions:", srv.Engine().SessionCount())
	// Output:
	// [/chat] <nil>
	// [/admin] <nil>
	// engine sessions: 1
}
