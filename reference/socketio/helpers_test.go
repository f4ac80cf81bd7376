package socketio_test

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"socketlab/reference/engineio"
	"socketlab/reference/socketio"
)

// within is how long any single expected frame may take to arrive.
const within = 3 * time.Second

// newTestServer starts io on 127.0.0.1:0 and returns its ws:// URL base.
func newTestServer(t *testing.T, io *socketio.Server) string {
	t.Helper()
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		io.Close()
		ts.Close()
	})
	return "ws" + strings.TrimPrefix(ts.URL, "http")
}

func newServer(opts socketio.Options) *socketio.Server {
	if opts.Engine.PingInterval == 0 {
		opts.Engine.PingInterval = 5 * time.Second
	}
	if !opts.Engine.CORS.AllowAnyOrigin && len(opts.Engine.CORS.AllowedOrigins) == 0 {
		opts.Engine.CORS = engineio.CORS{AllowAnyOrigin: true}
	}
	return socketio.NewServer(opts)
}

// rawClient speaks Engine.IO over one WebSocket by hand, so that tests see
// and send exact frames. It answers pings itself and records every other
// frame in order.
type rawClient struct {
	t      *testing.T
	conn   *websocket.Conn
	frames chan frame
	closed chan struct{}
	mu     sync.Mutex
	err    error
}

type frame struct {
	text   string
	binary []byte
}

func dial(t *testing.T, base string) *rawClient {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(base+"/socket.io/?EIO=4&transport=websocket", nil)
	require.NoError(t, err)
	c := &rawClient{t: t, conn: conn, frames: make(chan frame, 1024), closed: make(chan struct{})}
	t.Cleanup(func() { _ = conn.Close() })
	go c.readLoop()
	open := c.next()
	require.True(t, strings.HasPrefix(open.text, "0{"), "open packet, got %q", open.text)
	return c
}

func (c *rawClient) readLoop() {
	defer close(c.closed)
	for {
		typ, data, err := c.conn.ReadMessage()
		if err != nil {
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			return
		}
		if typ == websocket.TextMessage && string(data) == "2" {
			c.mu.Lock()
			_ = c.conn.WriteMessage(websocket.TextMessage, []byte("3"))
			c.mu.Unlock()
			continue
		}
		if typ == websocket.BinaryMessage {
			c.frames <- frame{binary: data}
		} else {
			c.frames <- frame{text: string(data)}
		}
	}
}

func (c *rawClient) send(text string) {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	require.NoError(c.t, c.conn.WriteMessage(websocket.TextMessage, []byte(text)))
}

func (c *rawClient) sendBinary(data []byte) {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	require.NoError(c.t, c.conn.WriteMessage(websocket.BinaryMessage, data))
}

// next returns the next frame, failing the test after `within`.
func (c *rawClient) next() frame {
	c.t.Helper()
	select {
	case f := <-c.frames:
		return f
	case <-time.After(within):
		c.t.Fatalf("no frame within %v", within)
		return frame{}
	}
}

// expect asserts the next text frame.
func (c *rawClient) expect(text string) {
	c.t.Helper()
	require.Equal(c.t, text, c.next().text)
}

// expectPrefix asserts the next text frame starts with prefix and returns it.
func (c *rawClient) expectPrefix(prefix string) string {
	c.t.Helper()
	f := c.next()
	require.True(c.t, strings.HasPrefix(f.text, prefix), "want prefix %q, got %q", prefix, f.text)
	return f.text
}

// expectNothing asserts no frame arrives for d.
func (c *rawClient) expectNothing(d time.Duration) {
	c.t.Helper()
	select {
	case f := <-c.frames:
		c.t.Fatalf("unexpected frame %+v", f)
	case <-time.After(d):
	}
}

// expectClosed asserts the server closes the connection (frames before the
// close are skipped).
func (c *rawClient) expectClosed() {
	c.t.Helper()
	deadline := time.After(within)
	for {
		select {
		case <-c.closed:
			return
		case <-c.frames:
		case <-deadline:
			c.t.Fatalf("connection still open after %v", within)
		}
	}
}

// connect joins namespace nsp ("/" or "/x") with an optional auth JSON and
// returns the socket id from the CONNECT reply.
func (c *rawClient) connect(nsp, auth string) string {
	c.t.Helper()
	prefix := "40"
	if nsp != "/" {
		prefix += nsp + ","
	}
	c.send(prefix + auth)
	reply := c.expectPrefix(prefix + `{"sid":"`)
	return strings.TrimSuffix(strings.TrimPrefix(reply, prefix+`{"sid":"`), `"}`)
}

// eventually waits for cond with a deadline.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, within, 5*time.Millisecond, msg)
}
