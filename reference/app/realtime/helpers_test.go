package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socketlab/reference/app"
	"socketlab/reference/app/auth"
	"socketlab/reference/socketio"
	"socketlab/reference/socketio/client"
)

var secret = []byte("s3cret")

const wait = 5 * time.Second

// fakeVideos is an in-memory app.VideoService holding only what FindVideo
// needs.
type fakeVideos struct {
	app.VideoService // nil: any other method panics
	mu               sync.Mutex
	byID             map[string]app.Video
}

func newFakeVideos(vs ...app.Video) *fakeVideos {
	f := &fakeVideos{byID: map[string]app.Video{}}
	for _, v := range vs {
		f.byID[v.ID] = v
	}
	return f
}

func (f *fakeVideos) FindVideo(_ context.Context, orgID, id string) (*app.Video, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.byID[id]
	if !ok || v.OrganizationID != orgID {
		return nil, fmt.Errorf("%w: video %q", app.ErrNotFound, id)
	}
	return &v, nil
}

// Fixtures: V1 and V2 of acme (uploaded by Alice), G1 of globex (Carol).
var (
	created = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	v1      = app.Video{ID: "66a1f0c2e4b0a1d2c3e4f501", Title: "standup.mp4", OrganizationID: "acme", UploadedBy: "u-alice", Status: app.VideoProcessing, Progress: 40, Stage: app.StageThumbnail, CreatedAt: created}
	v2      = app.Video{ID: "66a1f0c2e4b0a1d2c3e4f502", Title: "demo.mp4", OrganizationID: "acme", UploadedBy: "u-alice", Status: app.VideoProcessing, CreatedAt: created}
	g1      = app.Video{ID: "66a1f0c2e4b0a1d2c3e4f9ff", Title: "secret.mp4", OrganizationID: "globex", UploadedBy: "u-carol", Status: app.VideoProcessing, CreatedAt: created}
)

type env struct {
	t      *testing.T
	io     *socketio.Server
	hub    *Hub
	videos *fakeVideos
	url    string
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	io := socketio.NewServer(socketio.Options{})
	videos := newFakeVideos(v1, v2, g1)
	hub := New(io, videos, auth.NewVerifier(secret), opts)
	ts := httptest.NewServer(io) // 127.0.0.1
	t.Cleanup(func() {
		io.Close()
		ts.Close()
	})
	return &env{t: t, io: io, hub: hub, videos: videos, url: ts.URL}
}

func token(t *testing.T, user, org, role string, ttl time.Duration) string {
	t.Helper()
	tok, err := auth.Sign(secret, auth.NewClaims(user, org, role, ttl))
	require.NoError(t, err)
	return tok
}

// received is one event a client got, with its arguments as JSON.
type received struct {
	name string
	json string // the arguments, re-encoded
}

// peer is a Go client that records every event it receives.
type peer struct {
	t         *testing.T
	name      string
	s         *client.Socket
	mu        sync.Mutex
	events    []received
	lifecycle []string // "event:<name>" and "disconnect:<reason>" in order
	notify    chan struct{}
}

func no() *bool { b := false; return &b }

func (e *env) dial(name string, auth map[string]any) *peer {
	e.t.Helper()
	s := client.Connect(e.url, client.Options{
		Auth:         auth,
		AutoConnect:  no(),
		Reconnection: no(),
		Transports:   []string{"websocket"},
	})
	e.t.Cleanup(s.Disconnect)
	p := &peer{t: e.t, name: name, s: s, notify: make(chan struct{}, 1)}
	s.OnAny(func(ev *client.Event) {
		b, err := json.Marshal(ev.Args)
		if err != nil {
			b = []byte(err.Error())
		}
		p.mu.Lock()
		p.events = append(p.events, received{ev.Name, string(b)})
		p.lifecycle = append(p.lifecycle, "event:"+ev.Name)
		p.mu.Unlock()
		p.poke()
	})
	s.OnDisconnect(func(reason string) {
		p.mu.Lock()
		p.lifecycle = append(p.lifecycle, "disconnect:"+reason)
		p.mu.Unlock()
		p.poke()
	})
	return p
}

func (p *peer) poke() {
	select {
	case p.notify <- struct{}{}:
	default:
	}
}

// connect dials with a token and waits for the CONNECT reply.
func (e *env) connect(name, tok string) *peer {
	e.t.Helper()
	p := e.dial(name, map[string]any{"token": tok})
	done := make(chan string, 2)
	p.s.OnConnect(func() { done <- "" })
	p.s.OnConnectError(func(err *client.ConnectError) { done <- err.Message })
	p.s.Connect()
	select {
	case msg := <-done:
		require.Empty(e.t, msg, "%s: connect refused", name)
	case <-time.After(wait):
		e.t.Fatalf("%s: no CONNECT reply", name)
	}
	return p
}

// connectError dials with auth and returns the CONNECT_ERROR message.
func (e *env) connectError(auth map[string]any) string {
	e.t.Helper()
	p := e.dial("refused", auth)
	done := make(chan string, 2)
	p.s.OnConnect(func() { done <- "<connected>" })
	p.s.OnConnectError(func(err *client.ConnectError) { done <- err.Message })
	p.s.Connect()
	select {
	case msg := <-done:
		return msg
	case <-time.After(wait):
		e.t.Fatal("no CONNECT reply")
		return ""
	}
}

// until waits for cond over the peer's records.
func (p *peer) until(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.After(wait)
	for {
		p.mu.Lock()
		ok := cond()
		p.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-p.notify:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			p.mu.Lock()
			got := fmt.Sprint(p.lifecycle)
			p.mu.Unlock()
			p.t.Fatalf("%s: timed out waiting for %s; got %s", p.name, what, got)
		}
	}
}

// all returns the events received so far named name.
func (p *peer) all(name string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, r := range p.events {
		if r.name == name {
			out = append(out, r.json)
		}
	}
	return out
}

// barrier announces a unique marker and waits until every peer has it:
// the server writes each connection's packets in order, so afterwards no
// peer can still receive anything emitted before the barrier.
func (e *env) barrier(peers ...*peer) {
	e.t.Helper()
	marker := fmt.Sprintf("barrier-%d", time.Now().UnixNano())
	e.hub.Announce(app.Announcement{Message: marker, From: "u-test", At: time.Now()})
	for _, p := range peers {
		p.until("barrier", func() bool {
			for _, r := range p.events {
				if r.name == EventAnnouncement && strings.Contains(r.json, marker) {
					return true
				}
			}
			return false
		})
	}
}

// emitAck emits with an ack and returns the ack's arguments as JSON.
func (p *peer) emitAck(event string, args ...any) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	res, err := p.s.EmitWithAck(ctx, event, args...)
	require.NoError(p.t, err, "%s: %s ack", p.name, event)
	b, err := json.Marshal(res)
	require.NoError(p.t, err)
	return string(b)
}
