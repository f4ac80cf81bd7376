// Package faultproxy is a TCP proxy that injects network faults between the
// harness's clients and a target, with toxics like toxiproxy's: latency
// (with jitter), bandwidth, slicer, reset_peer, timeout (black hole) and
// limit_data. Toxics can change while connections are open, so a case can
// run a healthy session, then cut or stall it, then heal the network.
//
// It works below HTTP: both Engine.IO transports, the WebSocket upgrade and
// REST pass through it unchanged unless a toxic is on.
package faultproxy

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Toxics are the faults applied to data in both directions.
type Toxics struct {
	// Latency delays each chunk; Jitter adds a uniform ±Jitter to it. Order
	// is kept.
	Latency, Jitter time.Duration
	// BandwidthKBps caps throughput per direction (0: unlimited).
	BandwidthKBps int
	// SliceBytes splits writes into segments of at most this many bytes,
	// SliceDelay apart (TCP_NODELAY is set, so each is its own segment).
	SliceBytes int
	SliceDelay time.Duration
	// BlackHole drops all data silently while the connections stay open:
	// what a peer behind a dead NAT sees.
	BlackHole bool
	// LimitBytes closes a connection once this many bytes went through it
	// in either direction (0: no limit).
	LimitBytes int64
}

// Proxy is a running fault proxy.
type Proxy struct {
	// Addr is host:port to dial instead of the upstream.
	Addr     string
	upstream string
	ln       net.Listener

	mu     sync.Mutex
	toxics Toxics
	conns  map[*link]struct{}
	closed bool
	// Accepted counts connections accepted so far.
	accepted int
}

// Start listens on 127.0.0.1:0 and forwards to upstream (host:port).
func Start(upstream string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Addr: ln.Addr().String(), upstream: upstream, ln: ln, conns: map[*link]struct{}{}}
	go p.accept()
	return p, nil
}

// Set replaces the toxics; they apply to open connections at once.
func (p *Proxy) Set(t Toxics) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.toxics = t
}

func (p *Proxy) current() Toxics {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.toxics
}

// Accepted returns how many client connections the proxy accepted.
func (p *Proxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// ResetPeers aborts every open connection with a TCP RST on both sides
// (toxiproxy's reset_peer), and returns how many it cut.
func (p *Proxy) ResetPeers() int {
	p.mu.Lock()
	links := make([]*link, 0, len(p.conns))
	for l := range p.conns {
		links = append(links, l)
	}
	p.mu.Unlock()
	for _, l := range links {
		l.reset()
	}
	return len(links)
}

// Close stops listening and resets every connection.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	_ = p.ln.Close()
	p.ResetPeers()
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c)
	}
}

// link is one proxied connection pair.
type link struct {
	client, server net.Conn
	once           sync.Once
	moved          int64 // bytes in both directions, under Proxy.mu
}

func (p *Proxy) serve(client net.Conn) {
	server, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		_ = client.Close()
		return
	}
	for _, c := range []net.Conn{client, server} {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
	}
	l := &link{client: client, server: server}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		l.reset()
		return
	}
	p.conns[l] = struct{}{}
	p.accepted++
	p.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pipe(l, client, server) }()
	go func() { defer wg.Done(); p.pipe(l, server, client) }()
	wg.Wait()
	p.mu.Lock()
	delete(p.conns, l)
	p.mu.Unlock()
}

// reset closes both sides with SO_LINGER 0, which sends RST, not FIN.
func (l *link) reset() {
	l.once.Do(func() {
		for _, c := range []net.Conn{l.client, l.server} {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = c.Close()
		}
	})
}

// chunk is data read at a time, on its way to the other side.
type chunk struct {
	data []byte
	at   time.Time
}

// pipe copies src to dst through the toxics. A reader goroutine stamps
// chunks as they arrive so latency is measured from arrival, not from when
// the previous chunk finished its delay.
func (p *Proxy) pipe(l *link, src, dst net.Conn) {
	queue := make(chan chunk, 1024)
	go func() {
		defer close(queue)
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				queue <- chunk{append([]byte(nil), buf[:n]...), time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	var due time.Time
	for c := range queue {
		t := p.current()
		if t.BlackHole {
			continue
		}
		due = later(due, c.at.Add(delay(t)))
		time.Sleep(time.Until(due))
		if err := p.write(l, dst, c.data, t); err != nil {
			break
		}
	}
	// Half-close like a real peer would, unless the link was reset.
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	} else {
		_ = dst.Close()
	}
	for range queue {
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func delay(t Toxics) time.Duration {
	d := t.Latency
	if t.Jitter > 0 {
		d += time.Duration(rand.Int64N(int64(2*t.Jitter))) - t.Jitter
	}
	return max(d, 0)
}

// errLimit ends a link that reached LimitBytes.
var errLimit = errors.New("faultproxy: data limit reached")

// write sends data in slices, paced by bandwidth, counting toward the limit.
func (p *Proxy) write(l *link, dst io.Writer, data []byte, t Toxics) error {
	size := len(data)
	if t.BandwidthKBps > 0 {
		size = max(t.BandwidthKBps*1024/20, 1) // 50 ms worth: smooth pacing
	}
	if t.SliceBytes > 0 {
		size = t.SliceBytes
	}
	for len(data) > 0 {
		n := min(size, len(data))
		if t.LimitBytes > 0 {
			p.mu.Lock()
			left := t.LimitBytes - l.moved
			p.mu.Unlock()
			if left <= 0 {
				l.reset()
				return errLimit
			}
			n = int(min(int64(n), left))
		}
		if _, err := dst.Write(data[:n]); err != nil {
			return err
		}
		p.mu.Lock()
		l.moved += int64(n)
		p.mu.Unlock()
		data = data[n:]
		// Bandwidth pauses after every segment, the last one too, so the
		// next chunk waits its turn; the slicer only between segments.
		if t.BandwidthKBps > 0 {
			time.Sleep(time.Duration(n) * time.Second / time.Duration(t.BandwidthKBps*1024))
		} else if t.SliceBytes > 0 && len(data) > 0 {
			time.Sleep(t.SliceDelay)
		}
	}
	return nil
}
