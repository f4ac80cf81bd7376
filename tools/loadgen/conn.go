package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// conn is a minimal Socket.IO v5 client over an Engine.IO v4 WebSocket
// connected to the "/" namespace: a reader goroutine answers every ping and
// delivers the Socket.IO packets (frames starting with '4') to frames,
// which is closed when the connection ends.
type conn struct {
	ws     *websocket.Conn
	wmu    sync.Mutex
	frames chan []byte
	done   chan struct{}
	err    error // set before done is closed
}

// wsURL turns http://host[:port][/...] into the Engine.IO WebSocket URL.
func wsURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	switch u.Scheme {
	case "http", "ws":
		u.Scheme = "ws"
	case "https", "wss":
		u.Scheme = "wss"
	default:
		return "", fmt.Errorf("url %q: scheme must be http(s) or ws(s)", base)
	}
	if u.Host == "" {
		return "", fmt.Errorf("url %q: no host", base)
	}
	u.Path = "/socket.io/"
	u.RawQuery = "EIO=4&transport=websocket"
	return u.String(), nil
}

// dial connects and completes the Engine.IO and Socket.IO handshakes. With
// discard, Socket.IO packets are dropped instead of delivered (idle
// connections nobody reads from must keep answering pings).
func dial(ctx context.Context, target string, timeout time.Duration, discard bool) (*conn, error) {
	d := websocket.Dialer{HandshakeTimeout: timeout}
	ws, _, err := d.DialContext(ctx, target, nil)
	if err != nil {
		return nil, err
	}
	c := &conn{ws: ws, frames: make(chan []byte, 256), done: make(chan struct{})}
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = ws.SetReadDeadline(deadline)
	fail := func(err error) (*conn, error) {
		_ = ws.Close()
		return nil, err
	}
	_, msg, err := ws.ReadMessage()
	if err != nil {
		return fail(fmt.Errorf("reading open packet: %w", err))
	}
	if len(msg) == 0 || msg[0] != '0' {
		return fail(fmt.Errorf("expected open packet, got %.40q", msg))
	}
	if err := c.write([]byte("40")); err != nil {
		return fail(err)
	}
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return fail(fmt.Errorf("reading CONNECT: %w", err))
		}
		if bytes.Equal(msg, []byte("2")) {
			if err := c.write([]byte("3")); err != nil {
				return fail(err)
			}
			continue
		}
		if bytes.HasPrefix(msg, []byte("40")) {
			break
		}
		if bytes.HasPrefix(msg, []byte("44")) {
			return fail(fmt.Errorf("CONNECT refused: %s", msg[2:]))
		}
		return fail(fmt.Errorf("expected CONNECT, got %.40q", msg))
	}
	_ = ws.SetReadDeadline(time.Time{})
	go c.readLoop(discard)
	return c, nil
}

func (c *conn) readLoop(discard bool) {
	defer close(c.done)
	defer close(c.frames)
	for {
		_, msg, err := c.ws.ReadMessage()
		if err != nil {
			c.err = err
			return
		}
		switch {
		case len(msg) == 1 && msg[0] == '2':
			if err := c.write([]byte("3")); err != nil {
				c.err = err
				return
			}
		case len(msg) > 0 && msg[0] == '1':
			c.err = errors.New("server closed the Engine.IO session")
			return
		case len(msg) > 0 && msg[0] == '4' && !discard:
			c.frames <- msg
		}
	}
}

// write sends one text frame; safe for concurrent use.
func (c *conn) write(msg []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, msg)
}

// await returns the next Socket.IO frame starting with prefix, skipping
// the others.
func (c *conn) await(ctx context.Context, prefix []byte) ([]byte, error) {
	for {
		select {
		case msg, ok := <-c.frames:
			if !ok {
				return nil, fmt.Errorf("connection lost: %v", c.err)
			}
			if bytes.HasPrefix(msg, prefix) {
				return msg, nil
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %s: %w", prefix, ctx.Err())
		}
	}
}

// alive reports whether the connection is still up.
func (c *conn) alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

func (c *conn) close() {
	_ = c.ws.Close()
	<-c.done
}

// dialAll opens n connections, at most 64 handshakes at a time; on error
// it closes those already open.
func dialAll(ctx context.Context, target string, n int, timeout time.Duration, discard bool) ([]*conn, error) {
	conns := make([]*conn, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			conns[i], errs[i] = dial(ctx, target, timeout, discard)
		}()
	}
	wg.Wait()
	failed, first := 0, error(nil)
	for _, err := range errs {
		if err != nil {
			if first == nil {
				first = err
			}
			failed++
		}
	}
	if failed > 0 {
		closeAll(conns)
		return nil, fmt.Errorf("%d of %d connections failed, first: %w", failed, n, first)
	}
	return conns, nil
}

func closeAll(conns []*conn) {
	for _, c := range conns {
		if c != nil {
			c.close()
		}
	}
}
