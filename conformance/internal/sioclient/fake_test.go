package sioclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"socketlab/conformance/internal/codec"
)

// fakeServer is a minimal Engine.IO v4 / Socket.IO v5 server for the
// client's tests, over WebSocket and polling: it answers CONNECT (or
// refuses it), emits one event with a recovery offset right after the
// CONNECT reply, acks "echo" with its arguments, refuses other namespaces
// and pings once.
type fakeServer struct {
	srv    *httptest.Server
	refuse bool

	mu       sync.Mutex
	got      []string // every packet received, as text
	ended    []string // how each WebSocket ended: "close frame" or "abrupt"
	sessions map[string]*fakePoll
}

type fakePoll struct {
	mu    sync.Mutex
	queue []string
	ready chan struct{}
}

const fakeOpen = `0{"sid":"eio1","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}`

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{sessions: map[string]*fakePoll{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeServer) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.got...)
}

// handle answers one packet through send.
func (f *fakeServer) handle(p string, send func(string)) {
	f.mu.Lock()
	f.got = append(f.got, p)
	f.mu.Unlock()
	switch {
	case strings.HasPrefix(p, "40/"):
		ns := strings.TrimSuffix(strings.SplitN(p[2:], ",", 2)[0], ",")
		send("44" + ns + `,{"message":"Invalid namespace"}`)
	case strings.HasPrefix(p, "40"):
		if f.refuse {
			send(`44{"message":"nope","data":{"x":1}}`)
			return
		}
		send(`40{"sid":"sock1","pid":"p1"}`)
		send(`42["hello",{"n":1},"off-1"]`)
		send("2")
	case strings.HasPrefix(p, "42"):
		pk, err := codec.DecodeSIO([]byte(p[1:]))
		if err != nil || pk.ID == nil {
			return
		}
		var args []json.RawMessage
		_ = json.Unmarshal(pk.Data, &args)
		out, _ := json.Marshal(args[1:])
		send(fmt.Sprintf("43%d%s", *pk.ID, out))
	}
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("transport") == WebSocket {
		f.serveWS(w, r)
		return
	}
	sid := r.URL.Query().Get("sid")
	f.mu.Lock()
	sess := f.sessions[sid]
	f.mu.Unlock()
	switch {
	case sid == "":
		f.mu.Lock()
		f.sessions["eio1"] = &fakePoll{ready: make(chan struct{}, 1)}
		f.mu.Unlock()
		_, _ = io.WriteString(w, fakeOpen)
	case sess == nil:
		http.Error(w, `{"code":1,"message":"Session ID unknown"}`, 400)
	case r.Method == http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		for _, p := range bytes.Split(body, []byte{codec.Separator}) {
			f.handle(string(p), sess.push)
		}
		_, _ = io.WriteString(w, "ok")
	default:
		select {
		case <-sess.ready:
		case <-time.After(time.Second):
		case <-r.Context().Done():
			return
		}
		sess.mu.Lock()
		out := strings.Join(sess.queue, string(codec.Separator))
		sess.queue = nil
		sess.mu.Unlock()
		if out == "" {
			out = "6"
		}
		_, _ = io.WriteString(w, out)
	}
}

func (s *fakePoll) push(p string) {
	s.mu.Lock()
	s.queue = append(s.queue, p)
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

func (f *fakeServer) serveWS(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer ws.Close()
	var wmu sync.Mutex
	send := func(p string) {
		wmu.Lock()
		defer wmu.Unlock()
		_ = ws.WriteMessage(websocket.TextMessage, []byte(p))
	}
	send(fakeOpen)
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			how := "abrupt"
			if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				how = "close frame"
			}
			f.mu.Lock()
			f.ended = append(f.ended, how)
			f.mu.Unlock()
			return
		}
		f.handle(string(data), send)
	}
}

// eventually polls cond for up to 2 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
