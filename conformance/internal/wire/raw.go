package wire

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"socketlab/conformance/internal/wirelog"
)

// RawConn is a bare TCP connection to the target for requests net/http
// will not write: thousands of headers, a malformed request line, a body
// sent in pieces, a connection reset in the middle of a request.
type RawConn struct {
	Name string
	conn net.Conn
	br   *bufio.Reader
	log  *wirelog.Log
	host string
}

// DialRaw connects to base (http://host:port).
func DialRaw(ctx context.Context, base string, log *wirelog.Log, name string) (*RawConn, error) {
	started := time.Now()
	host, err := SplitBase(base)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, timeoutOr(ctx, err, "TCP connect", started)
	}
	if name == "" {
		name = "tcp"
	}
	return &RawConn{Name: name, conn: conn, br: bufio.NewReader(conn), log: log, host: host}, nil
}

// Host is the Host header value for this connection.
func (c *RawConn) Host() string { return c.host }

// Write sends bytes as they are.
func (c *RawConn) Write(b []byte) error {
	c.log.Add(wirelog.Out, "tcp", c.Name, printable(b))
	_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.conn.Write(b); err != nil {
		return &DroppedError{During: "raw write", Err: err}
	}
	return nil
}

// ReadResponse reads one HTTP response (its whole body). A connection that
// ends first is a *DroppedError (Reset tells a RST from a FIN).
func (c *RawConn) ReadResponse(ctx context.Context) (*Response, error) {
	started := time.Now()
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(time.Minute)
	}
	_ = c.conn.SetReadDeadline(dl)
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		if isTimeout(err) {
			return nil, &TimeoutError{Waiting: "a raw HTTP response", After: time.Since(started)}
		}
		c.log.Add(wirelog.In, "tcp", c.Name, fmt.Appendf(nil, "connection ended without a response (%v)", err))
		return nil, &DroppedError{During: "raw HTTP request", Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, Elapsed: time.Since(started)}
	c.log.Add(wirelog.In, "http-response", c.Name, responseText(out))
	if err != nil && !isTimeout(err) {
		return out, &DroppedError{During: "raw HTTP response body", Err: err}
	}
	return out, nil
}

// Close ends the connection with a FIN.
func (c *RawConn) Close() { _ = c.conn.Close() }

// Reset ends the connection with a RST (SO_LINGER 0).
func (c *RawConn) Reset() {
	c.log.Add(wirelog.Out, "tcp", c.Name, []byte("RST"))
	if tc, ok := c.conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.conn.Close()
}

// BuildRequest writes an HTTP/1.1 request: the request line, Host, the
// headers in order, Content-Length when body is not nil, then body.
func BuildRequest(method, target, host string, headers [][2]string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, host)
	for _, h := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	if body != nil {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}
