package wire

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"socketlab/conformance/internal/wirelog"
)

// fakeServer accepts one connection, reads the upgrade request and hands
// the connection to serve; it returns the base URL.
func fakeServer(t *testing.T, serve func(conn net.Conn, req *http.Request)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		req, err := http.ReadRequest(bufio.NewReader(conn))
		if err != nil {
			return
		}
		serve(conn, req)
	}()
	return "http://" + ln.Addr().String()
}

func accept(conn net.Conn, req *http.Request) {
	_, _ = conn.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		AcceptKey(req.Header.Get("Sec-WebSocket-Key")) + "\r\n\r\n"))
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

// Nothing the server sends is lost, however late the case reads: the
// reader goroutine queues fragments joined, control frames, then the close.
func TestWSQueuesEverythingUntilRead(t *testing.T) {
	pong := make(chan []byte, 1)
	base := fakeServer(t, func(conn net.Conn, req *http.Request) {
		accept(conn, req)
		for _, f := range []Frame{
			{Fin: true, Op: OpText, Payload: []byte("0{}")},
			{Fin: false, Op: OpText, Payload: []byte("4hel")},
			{Fin: true, Op: OpPing, Payload: []byte("hb")},
			{Fin: true, Op: OpContinuation, Payload: []byte("lo")},
			{Fin: true, Op: OpBinary, Payload: []byte{1, 2}},
			{Fin: true, Op: OpClose, Payload: ClosePayload(CloseTooBig, "big")},
		} {
			_, _ = conn.Write(EncodeFrame(f))
		}
		f, err := ReadFrame(conn, 1<<10)
		if err == nil && f.Masked && f.Op == OpPong {
			pong <- f.Payload
		}
	})
	ws, err := DialWS(ctx(t), base, "/x", wirelog.New(), WSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if _, err := ws.WaitClosed(ctx(t)); err != nil { // everything arrived; now read it
		t.Fatal(err)
	}
	select {
	case p := <-pong:
		if string(p) != "hb" {
			t.Errorf("pong %q", p)
		}
	case <-time.After(2 * time.Second):
		t.Error("the ping was not answered with a masked pong")
	}
	var got []string
	for {
		ev, err := ws.NextEvent(ctx(t))
		var closed *ClosedError
		if errors.As(err, &closed) {
			if closed.Code != CloseTooBig || closed.Reason != "big" || !errors.Is(err, ErrClosed) {
				t.Errorf("close %+v", closed)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.Op.String()+":"+string(ev.Data))
	}
	want := []string{"text:0{}", "ping:hb", "text:4hello", "binary:\x01\x02"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

func TestWSTypedErrors(t *testing.T) {
	t.Run("refused upgrade", func(t *testing.T) {
		base := fakeServer(t, func(conn net.Conn, _ *http.Request) {
			_, _ = conn.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad"))
		})
		_, err := DialWS(ctx(t), base, "/x", wirelog.New(), WSOptions{})
		var status *StatusError
		if !errors.As(err, &status) || status.Status != 400 || string(status.Body) != "bad" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bad accept key", func(t *testing.T) {
		base := fakeServer(t, func(conn net.Conn, _ *http.Request) {
			_, _ = conn.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: nope\r\n\r\n"))
		})
		_, err := DialWS(ctx(t), base, "/x", wirelog.New(), WSOptions{})
		var proto *ProtocolError
		if !errors.As(err, &proto) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("dropped before the response", func(t *testing.T) {
		base := fakeServer(t, func(net.Conn, *http.Request) {})
		_, err := DialWS(ctx(t), base, "/x", wirelog.New(), WSOptions{})
		if !errors.Is(err, ErrDropped) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("garbage after the 101", func(t *testing.T) {
		base := fakeServer(t, func(conn net.Conn, req *http.Request) {
			accept(conn, req)
			_, _ = conn.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
		})
		ws, err := DialWS(ctx(t), base, "/x", wirelog.New(), WSOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		_, err = ws.Next(ctx(t))
		var proto *ProtocolError
		var fe *FrameError
		if !errors.As(err, &proto) || !errors.As(err, &fe) || fe.Kind != FrameReserved {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("masked server frame", func(t *testing.T) {
		base := fakeServer(t, func(conn net.Conn, req *http.Request) {
			accept(conn, req)
			_, _ = conn.Write(EncodeFrame(Frame{Fin: true, Op: OpText, Masked: true, Key: [4]byte{1, 2, 3, 4}, Payload: []byte("x")}))
		})
		ws, err := DialWS(ctx(t), base, "/x", wirelog.New(), WSOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		var proto *ProtocolError
		if _, err = ws.Next(ctx(t)); !errors.As(err, &proto) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		base := fakeServer(t, func(conn net.Conn, req *http.Request) {
			accept(conn, req)
			time.Sleep(time.Second)
		})
		ws, err := DialWS(ctx(t), base, "/x", wirelog.New(), WSOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := ws.Next(short); !errors.Is(err, ErrTimeout) {
			t.Fatalf("got %v", err)
		}
	})
}

// TargetFault blames the target for its own errors only.
func TestTargetFault(t *testing.T) {
	for _, err := range []error{&ClosedError{Via: ViaTCP}, &TimeoutError{}, &DroppedError{}, &StatusError{}, &ProtocolError{}, &UnexpectedError{}, &ConnectError{}} {
		if ok, _ := TargetFault(err); !ok {
			t.Errorf("%T not blamed on the target", err)
		}
	}
	if ok, _ := TargetFault(errors.New("harness bug")); ok {
		t.Error("a harness error blamed on the target")
	}
}
