package sioclient

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"socketlab/conformance/internal/wirelog"
)

func TestDialEmitAckBarrierClose(t *testing.T) {
	for _, tr := range []string{WebSocket, Polling} {
		t.Run(tr, func(t *testing.T) {
			f := newFakeServer(t)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			log := wirelog.New()
			s, err := Dial(ctx, f.srv.URL, map[string]any{"token": "t"}, Options{Transport: tr, Log: log, Name: "c"})
			if err != nil {
				t.Fatal(err)
			}
			if s.SID() != "sock1" || s.PID() != "p1" {
				t.Fatalf("sid %q pid %q", s.SID(), s.PID())
			}
			// The event the server sends right after its CONNECT reply is
			// recorded although nobody waited for it yet.
			ev, err := s.Wait(ctx, EventNamed("hello", Member("n", float64(1))))
			if err != nil || len(ev.Args) != 2 {
				t.Fatalf("hello: %v %v", ev, err)
			}
			if s.Offset() != "off-1" {
				t.Fatalf("offset %q", s.Offset())
			}
			args, err := s.EmitWithAck(ctx, "echo", 1, "two")
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := json.Marshal(args); string(b) != `[1,"two"]` {
				t.Fatalf("ack %s", b)
			}
			eventually(t, "a pong", func() bool { return slices.Contains(f.received(), "3") })
			if err := s.Barrier(ctx); err != nil {
				t.Fatal(err)
			}
			if got := f.received()[0]; got != `40{"token":"t"}` {
				t.Fatalf("first packet %q", got)
			}
			s.Close()
			eventually(t, "a DISCONNECT", func() bool { return slices.Contains(f.received(), "41") })
			if len(log.Entries()) == 0 {
				t.Fatal("nothing in the wire log")
			}
		})
	}
}

func TestConnectErrorIsTyped(t *testing.T) {
	f := newFakeServer(t)
	f.refuse = true
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := Dial(ctx, f.srv.URL, nil, Options{})
	var refused *ConnectError
	if !errors.As(err, &refused) || refused.Message != "nope" || string(refused.Data) != `{"x":1}` {
		t.Fatalf("err %v", err)
	}
	if s == nil {
		t.Fatal("the refused socket is not returned")
	}
	defer s.Close()
	if got := f.received()[0]; got != "40" {
		t.Fatalf("a nil auth must send no payload, sent %q", got)
	}
}

func TestCutAndReconnect(t *testing.T) {
	f := newFakeServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := Dial(ctx, f.srv.URL, map[string]any{"token": "t"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Wait(ctx, EventNamed("hello")); err != nil {
		t.Fatal(err)
	}
	s.Cut()
	eventually(t, "the server to see the cut", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.ended) == 1 && f.ended[0] == "abrupt"
	})
	if slices.Contains(f.received(), "41") {
		t.Fatal("Cut sent a DISCONNECT")
	}
	back, err := s.Reconnect(ctx, map[string]any{"token": "t2"})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	var last string
	for _, p := range f.received() {
		if strings.HasPrefix(p, "40{") {
			last = p
		}
	}
	var payload map[string]string
	if json.Unmarshal([]byte(last[2:]), &payload) != nil || payload["pid"] != "p1" || payload["offset"] != "off-1" || payload["token"] != "t2" {
		t.Fatalf("recovery CONNECT %q", last)
	}
}

func TestHandshakeError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f := newFakeServer(t)
	_, err := Dial(ctx, f.srv.URL, nil, Options{Path: "/nowhere/", Transport: Polling, Query: map[string][]string{"sid": {"bogus"}}})
	var hs *HandshakeError
	if !errors.As(err, &hs) || hs.Status != 400 {
		t.Fatalf("err %v", err)
	}
}
