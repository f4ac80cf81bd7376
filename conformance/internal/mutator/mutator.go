// Package mutator is a protocol-aware proxy that breaks one rule at a time.
// It sits between the harness and a target, relays Engine.IO polling
// bodies and WebSocket messages, and lets a Rule rewrite, drop or inject
// packets. The harness's own tests use it to prove that each case catches
// the bug it is about: a target behind the proxy with the rule "announce
// the wrong pingInterval" must make the heartbeat case FAIL, and the same
// target behind a pass-through proxy must make it PASS.
package mutator

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
)

// Dir is the direction of a packet.
type Dir int

const (
	ToServer Dir = iota
	ToClient
)

// Rule rewrites one Engine.IO packet (its text form: "4…", or the raw
// bytes of a binary WebSocket message) travelling in dir on connection
// conn. It returns the packets to forward instead: itself unchanged, a
// rewritten one, none (drop), or several.
type Rule func(p *Proxy, conn int, dir Dir, packet []byte) [][]byte

// PassThrough forwards everything unchanged.
func PassThrough(_ *Proxy, _ int, _ Dir, packet []byte) [][]byte { return [][]byte{packet} }

// Proxy is a running mutating proxy.
type Proxy struct {
	URL string

	upstream *url.URL
	rule     Rule
	server   *http.Server
	ln       net.Listener

	mu    sync.Mutex
	next  int
	conns map[int]*websocket.Conn // client-side WebSocket connections
	wmu   map[int]*sync.Mutex
}

// Start listens on 127.0.0.1:0 and relays to upstream (a base URL).
func Start(upstream string, rule Rule) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), upstream: u, rule: rule, ln: ln,
		conns: map[int]*websocket.Conn{}, wmu: map[int]*sync.Mutex{}}
	p.server = &http.Server{Handler: http.HandlerFunc(p.serve)}
	go func() { _ = p.server.Serve(ln) }()
	return p, nil
}

// Close stops the proxy and its connections.
func (p *Proxy) Close() {
	_ = p.server.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	if websocket.IsWebSocketUpgrade(r) {
		p.relayWebSocket(w, r)
		return
	}
	p.relayHTTP(w, r)
}

// relayHTTP forwards a polling (or REST) request, rewriting Engine.IO
// payloads in both directions. Bodies that are not polling payloads pass
// through untouched.
func (p *Proxy) relayHTTP(w http.ResponseWriter, r *http.Request) {
	polling := strings.Contains(r.URL.RawQuery, "transport=polling")
	conn := p.pollingConn(r)
	rp := httputil.NewSingleHostReverseProxy(p.upstream)
	rp.Director = func(out *http.Request) {
		out.URL.Scheme, out.URL.Host, out.Host = p.upstream.Scheme, p.upstream.Host, p.upstream.Host
		if polling && out.Method == http.MethodPost && out.Body != nil {
			body, _ := io.ReadAll(out.Body)
			if body = p.rewritePayload(conn, ToServer, body); body == nil {
				body = []byte("6") // an empty body is not a payload: a noop says nothing
			}
			out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			out.Header.Del("Content-Length")
		}
	}
	rp.ModifyResponse = func(resp *http.Response) error {
		if !polling || resp.StatusCode != http.StatusOK || r.Method != http.MethodGet {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if body = p.rewritePayload(conn, ToClient, body); body == nil {
			// Everything was dropped: a server that had nothing to say
			// would have kept the poll open, so keep it open.
			<-resp.Request.Context().Done()
			return resp.Request.Context().Err()
		}
		resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		resp.Header.Del("Content-Length")
		return nil
	}
	rp.ServeHTTP(w, r)
}

// pollingConn numbers polling sessions by sid so rules can tell them apart.
func (p *Proxy) pollingConn(r *http.Request) int {
	sid := r.URL.Query().Get("sid")
	if sid == "" {
		return p.newConn()
	}
	return int(hash(sid))
}

func hash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h >> 1
}

func (p *Proxy) newConn() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	return p.next
}

// rewritePayload applies the rule to each packet of a polling body.
func (p *Proxy) rewritePayload(conn int, dir Dir, body []byte) []byte {
	var out [][]byte
	for part := range bytes.SplitSeq(body, []byte{0x1e}) {
		out = append(out, p.rule(p, conn, dir, part)...)
	}
	if len(out) == 0 {
		return nil
	}
	return bytes.Join(out, []byte{0x1e})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// relayWebSocket connects to the upstream WebSocket with the client's
// path, query and relevant headers, then relays messages through the rule.
func (p *Proxy) relayWebSocket(w http.ResponseWriter, r *http.Request) {
	target := *p.upstream
	target.Scheme = strings.Replace(target.Scheme, "http", "ws", 1)
	target.Path, target.RawQuery = r.URL.Path, r.URL.RawQuery
	hdr := http.Header{}
	for _, h := range []string{"Origin", "Authorization", "Cookie"} {
		if v := r.Header.Get(h); v != "" {
			hdr.Set(h, v)
		}
	}
	up, resp, err := websocket.DefaultDialer.Dial(target.String(), hdr)
	if err != nil {
		status := http.StatusBadGateway
		if resp != nil {
			status = resp.StatusCode
		}
		http.Error(w, "upstream refused the WebSocket", status)
		return
	}
	down, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		_ = up.Close()
		return
	}
	id := p.newConn()
	p.mu.Lock()
	p.conns[id], p.wmu[id] = down, &sync.Mutex{}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, id)
		p.mu.Unlock()
		_ = up.Close()
		_ = down.Close()
	}()
	go func() {
		defer up.Close()
		defer down.Close()
		p.pump(id, ToServer, down, up, nil)
	}()
	p.pump(id, ToClient, up, down, p.writeLock(id))
}

func (p *Proxy) writeLock(id int) *sync.Mutex {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.wmu[id]
}

// pump relays messages from src to dst through the rule until either fails.
func (p *Proxy) pump(id int, dir Dir, src, dst *websocket.Conn, lock *sync.Mutex) {
	for {
		kind, msg, err := src.ReadMessage()
		if err != nil {
			return
		}
		for _, out := range p.rule(p, id, dir, msg) {
			if lock != nil {
				lock.Lock()
			}
			err = dst.WriteMessage(kind, out)
			if lock != nil {
				lock.Unlock()
			}
			if err != nil {
				return
			}
		}
	}
}

// InjectToClients sends a text message to every client-side WebSocket
// except the one numbered except: how a rule simulates a room leak.
func (p *Proxy) InjectToClients(except int, msg []byte) {
	p.mu.Lock()
	targets := map[int]*websocket.Conn{}
	for id, c := range p.conns {
		if id != except {
			targets[id] = c
		}
	}
	p.mu.Unlock()
	for id, c := range targets {
		lock := p.writeLock(id)
		if lock == nil {
			continue
		}
		lock.Lock()
		_ = c.WriteMessage(websocket.TextMessage, msg)
		lock.Unlock()
	}
}
