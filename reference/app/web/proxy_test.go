package web_test

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// cutProxy forwards TCP connections to a backend and can break them the
// ways a network breaks: cut (connections closed: the client notices at
// once), mute (a connection stays open but nothing passes: only a
// heartbeat can notice) and refuse (new connections are closed at once,
// as when the server is down).
type cutProxy struct {
	ln      net.Listener
	backend string
	refuse  atomic.Bool
	mu      sync.Mutex
	links   map[*link]struct{}
}

type link struct {
	client, server net.Conn
	muted          atomic.Bool
	webSocket      atomic.Bool // its first request asked for transport=websocket
	once           sync.Once
}

func (l *link) close() {
	l.once.Do(func() {
		_ = l.client.Close()
		_ = l.server.Close()
	})
}

// listenProxy opens the proxy's port; forward starts the forwarding. The
// two steps let a server be configured with the proxy's URL (its allowed
// origins) before it starts.
func listenProxy(t *testing.T) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, links: map[*link]struct{}{}}
	t.Cleanup(func() {
		_ = ln.Close()
		p.cut()
	})
	return p
}

// forward sends every connection to backend (host:port) from now on.
func (p *cutProxy) forward(backend string) {
	p.backend = backend
	go p.accept()
}

// URL is the proxy's http:// base URL.
func (p *cutProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *cutProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.refuse.Load() {
			_ = c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.backend)
		if err != nil {
			_ = c.Close()
			continue
		}
		l := &link{client: c, server: s}
		p.mu.Lock()
		p.links[l] = struct{}{}
		p.mu.Unlock()
		go p.pump(l, c, s, true)
		go p.pump(l, s, c, false)
	}
}

func (p *cutProxy) pump(l *link, from, to net.Conn, fromClient bool) {
	buf := make([]byte, 32<<10)
	first := fromClient
	for {
		n, err := from.Read(buf)
		if first && n > 0 {
			line, _, _ := bytes.Cut(buf[:n], []byte("\r\n"))
			l.webSocket.Store(bytes.Contains(line, []byte("transport=websocket")))
			first = false
		}
		if n > 0 && !l.muted.Load() {
			if _, werr := to.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	if l.muted.Load() && !fromClient {
		// A black hole does not close: the server's end went away,
		// the client's stays open until the client gives up.
		_ = l.server.Close()
		return
	}
	l.close()
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
}

func (p *cutProxy) current() []*link {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*link, 0, len(p.links))
	for l := range p.links {
		out = append(out, l)
	}
	return out
}

// cut closes every current connection.
func (p *cutProxy) cut() {
	for _, l := range p.current() {
		l.close()
	}
}

// muteWebSockets silences every current WebSocket connection in both
// directions. (Muting the idle HTTP connections too would make the
// browser's next request on them hang, which a real black hole also does,
// but which only slows a test down.)
func (p *cutProxy) muteWebSockets() {
	for _, l := range p.current() {
		if l.webSocket.Load() {
			l.muted.Store(true)
		}
	}
}
