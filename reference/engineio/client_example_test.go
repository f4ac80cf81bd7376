package engineio_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"socketlab/reference/engineio"
)

// quietEcho is a server Handler that sends every message back.
type quietEcho struct{ s *engineio.Session }

func (e quietEcho) HandleMessage(data []byte, binary bool) {
	if binary {
		_ = e.s.Send(engineio.NewBinaryMessage(data))
		return
	}
	_ = e.s.Send(engineio.NewTextMessageBytes(data))
}

func (quietEcho) HandleClose(string, error) {}

// printer is a client Handler that forwards what it gets to a channel.
type printer chan string

func (p printer) HandleMessage(data []byte, binary bool) {
	p <- fmt.Sprintf("received %q (binary %v)", data, binary)
}

func (p printer) HandleClose(reason string, _ error) { p <- "closed: " + reason }

func ExampleDial() {
	srv := engineio.NewServer(engineio.Options{}, func(s *engineio.Session) engineio.Handler {
		return quietEcho{s}
	})
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	events := make(printer, 16)
	// Polling first, then the upgrade to WebSocket, as socket.io-client.
	c, err := engineio.Dial(ctx, hs.URL, engineio.DialOptions{}, events)
	if err != nil {
		log.Fatal(err)
	}
	_ = c.Send(engineio.NewTextMessage("hello"))
	fmt.Println(<-events)
	_ = c.Send(engineio.NewBinaryMessage([]byte{1, 2, 3}))
	fmt.Println(<-events)
	c.Close()
	fmt.Println(<-events)
	// Output:
	// received "hello" (binary false)
	// received "\x01\x02\x03" (binary true)
	// closed: forced close
}
