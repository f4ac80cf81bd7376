package scriptserver

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wirelog"
)

// A raw client, written against the spec, drives the server in these
// tests: what a well-behaved Socket.IO client does, step by step.

func start(t *testing.T, o Options) *Server {
	t.Helper()
	o.Log = wirelog.New()
	s, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

// pending waits until the session holds a GET.
func pending(t *testing.T, s *Server, sess *Session) {
	t.Helper()
	if err := s.await(ctx(t), "a pending GET", func() bool { return sess.getBusy }); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "text/plain;charset=UTF-8", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// handshake opens a polling session and returns its query URL.
func handshake(t *testing.T, s *Server) (string, codec.Open) {
	t.Helper()
	status, body := get(t, s.URL+Path+"?EIO=4&transport=polling")
	if status != 200 || body[0] != '0' {
		t.Fatalf("handshake: %d %q", status, body)
	}
	open, err := codec.DecodeOpen([]byte(body[1:]))
	if err != nil {
		t.Fatal(err)
	}
	return s.URL + Path + "?EIO=4&transport=polling&sid=" + open.SID, open
}

func TestPollingSessionAndUpgrade(t *testing.T) {
	s := start(t, Options{NoPings: true})
	url, open := handshake(t, s)
	if len(open.Upgrades) != 1 || open.Upgrades[0] != "websocket" || open.PingInterval != 300 {
		t.Fatalf("open packet %+v", open)
	}
	if status, body := post(t, url, `40{"token":"t"}`); status != 200 || body != "ok" {
		t.Fatalf("POST: %d %q", status, body)
	}
	sess, err := s.AwaitSession(ctx(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sess.Expect(ctx(t), "CONNECT", func(p Packet) bool { return p.Type == codec.SIOConnect })
	if err != nil || p.Object()["token"] != "t" {
		t.Fatalf("CONNECT: %v %v", p, err)
	}
	if err := sess.Accept("/", "S", "P"); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, url); body != `40{"pid":"P","sid":"S"}` {
		t.Fatalf("CONNECT reply %q", body)
	}

	// A GET waits; the probe releases it with a noop.
	noop := make(chan string, 1)
	go func() {
		resp, err := http.Get(url)
		if err != nil {
			noop <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		noop <- string(b)
	}()
	pending(t, s, sess)
	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(strings.Replace(url, "http", "ws", 1), "polling", "websocket", 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.WriteMessage(websocket.TextMessage, []byte("2probe"))
	if _, m, err := ws.ReadMessage(); err != nil || string(m) != "3probe" {
		t.Fatalf("probe answer %q %v", m, err)
	}
	if body := <-noop; body != "6" {
		t.Fatalf("pending GET got %q, want a noop", body)
	}
	_ = ws.WriteMessage(websocket.TextMessage, []byte("5"))
	if err := sess.AwaitUpgrade(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if err := sess.Emit(codec.Ack(3), "echo", 1); err != nil {
		t.Fatal(err)
	}
	if _, m, err := ws.ReadMessage(); err != nil || string(m) != `423["echo",1]` {
		t.Fatalf("event over the WebSocket %q %v", m, err)
	}
	_ = ws.WriteMessage(websocket.TextMessage, []byte(`433[1]`))
	if _, err := sess.Expect(ctx(t), "ACK", func(p Packet) bool { return p.Type == codec.SIOAck && *p.ID == 3 }); err != nil {
		t.Fatal(err)
	}
	// Polling after the upgrade breaks the pause rule.
	if status, _ := get(t, url); status != 400 {
		t.Fatalf("GET after the upgrade: %d", status)
	}
	if vs := s.Violations(); len(vs) != 1 || !strings.Contains(vs[0].What, "after the upgrade") {
		t.Fatalf("violations %v", vs)
	}
}

func TestRefusals(t *testing.T) {
	s := start(t, Options{Policy: func(n int) Refusal { return [...]Refusal{Refuse503, DropTCP, Accept}[min(n-1, 2)] }})
	if status, _ := get(t, s.URL+Path+"?EIO=4&transport=polling"); status != 503 {
		t.Fatalf("attempt 1: %d", status)
	}
	if _, err := http.Get(s.URL + Path + "?EIO=4&transport=polling"); err == nil {
		t.Fatal("attempt 2: want the connection dropped")
	}
	handshake(t, s)
	as, err := s.AwaitAttempts(ctx(t), 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []Refusal{Refuse503, DropTCP, Accept} {
		if as[i].Refusal != want || as[i].Answered.Before(as[i].Arrived) {
			t.Fatalf("attempt %d: %+v", i+1, as[i])
		}
	}
	if as[2].SID == "" {
		t.Fatal("the accepted attempt has no sid")
	}
}

func TestPollingRulesBreaches(t *testing.T) {
	s := start(t, Options{NoPings: true})
	url, _ := handshake(t, s)
	sess, _ := s.AwaitSession(ctx(t), 1)
	go func() { _, _ = http.Get(url) }() // a GET left pending
	pending(t, s, sess)
	if status, _ := get(t, url); status != 400 {
		t.Fatalf("second GET: %d", status)
	}
	if ended, why := sess.Ended(); !ended || why != "two GETs at once" {
		t.Fatalf("session after two GETs: %v %q", ended, why)
	}
	if status, _ := post(t, s.URL+Path+"?EIO=4&transport=polling", "40"); status != 400 {
		t.Fatalf("POST without sid: %d", status)
	}
	if status, _ := get(t, s.URL+Path+"?EIO=3&transport=polling"); status != 400 {
		t.Fatalf("EIO=3: %d", status)
	}
	if n := len(s.Violations()); n != 3 {
		t.Fatalf("%d violations, want 3: %v", n, s.Violations())
	}
}

func TestCutFailsThePendingGET(t *testing.T) {
	s := start(t, Options{NoPings: true})
	url, _ := handshake(t, s)
	sess, _ := s.AwaitSession(ctx(t), 1)
	failed := make(chan error, 1)
	go func() {
		resp, err := http.Get(url)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		failed <- err
	}()
	pending(t, s, sess)
	sess.Cut()
	if err := <-failed; err == nil {
		t.Fatal("the pending GET succeeded after the cut")
	}
	if status, _ := get(t, url); status != 400 {
		t.Fatalf("GET with the cut session's sid: %d", status)
	}
}

func TestPingTimeoutEndsTheSession(t *testing.T) {
	s := start(t, Options{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond})
	url, _ := handshake(t, s)
	sess, _ := s.AwaitSession(ctx(t), 1)
	if _, body := get(t, url); body != "2" {
		t.Fatalf("want a ping, got %q", body)
	}
	post(t, url, "3")
	if _, err := sess.AwaitPings(ctx(t), 1); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, url); body != "2" { // the second ping goes unanswered
		t.Fatalf("want a ping, got %q", body)
	}
	why, err := sess.AwaitEnd(ctx(t))
	if err != nil || why != "ping timeout" {
		t.Fatalf("end %q %v", why, err)
	}
	_, err = sess.Expect(ctx(t), "anything", func(Packet) bool { return false })
	var ee *EndedError
	if !errors.As(err, &ee) {
		t.Fatalf("Expect on an ended session: %v", err)
	}
}

func TestCloseOverPolling(t *testing.T) {
	s := start(t, Options{NoPings: true})
	url, _ := handshake(t, s)
	sess, _ := s.AwaitSession(ctx(t), 1)
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, url); body != "1" {
		t.Fatalf("want the close packet, got %q", body)
	}
	if why, _ := sess.AwaitEnd(ctx(t)); why != "closed by the server" {
		t.Fatalf("end %q", why)
	}
}

func TestCORS(t *testing.T) {
	s := start(t, Options{})
	req, _ := http.NewRequest(http.MethodOptions, s.URL+Path+"?EIO=4&transport=polling", nil)
	req.Header.Set("Origin", "http://page.test")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != 204 || h.Get("Access-Control-Allow-Origin") != "http://page.test" ||
		h.Get("Access-Control-Allow-Credentials") != "true" || h.Get("Access-Control-Allow-Headers") != "content-type" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, h)
	}
}
