package wire

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"socketlab/conformance/internal/wirelog"
)

// DefaultWSLimit bounds one received frame or message (64 MiB): far above
// any maxPayload a target announces, low enough to stay safe.
const DefaultWSLimit = 64 << 20

// WSOptions tune DialWS; the zero value makes a valid RFC 6455 client.
type WSOptions struct {
	// Header adds headers to the upgrade request.
	Header http.Header
	// Key replaces the random Sec-WebSocket-Key; OmitKey leaves it out.
	Key     string
	OmitKey bool
	// Version replaces Sec-WebSocket-Version ("13").
	Version string
	// Early bytes are written right after the request, before the 101 is
	// read, in the same TCP write as the request.
	Early []byte
	// Raw, when set, is sent instead of the generated request (bytes
	// net/http would refuse to write: 2000 headers, bad request lines).
	Raw []byte
	// NoAutoPong leaves WebSocket pings unanswered (RFC 6455 §5.5.2 wants a
	// pong; a case may want to see what happens without).
	NoAutoPong bool
	// Limit bounds a received frame and message (DefaultWSLimit when 0).
	Limit uint64
	// Name labels this connection in the wire log.
	Name string
}

// Event is what the reader goroutine received: a whole data message (text
// or binary, fragments joined) or a control frame (ping, pong).
type Event struct {
	Op        Opcode
	Data      []byte
	Fragments int // frames the message came in
	At        time.Time
}

// WS is a client WebSocket connection whose reader goroutine, started at
// connect, queues every event until a case takes it.
type WS struct {
	Name string
	// Response is the 101 response of the upgrade.
	Response *http.Response

	conn   net.Conn
	br     *bufio.Reader
	log    *wirelog.Log
	opts   WSOptions
	limit  uint64
	events *queue[Event]

	wmu       sync.Mutex
	sentClose bool
	closing   bool // the harness closed the TCP connection itself
	done      chan struct{}
}

// SplitBase returns the host:port of a base URL such as http://127.0.0.1:3000.
func SplitBase(base string) (host string, err error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	if u.Host == "" {
		return "", fmt.Errorf("wire: base URL %q has no host", base)
	}
	host = u.Host
	if u.Port() == "" {
		if u.Scheme == "https" {
			host += ":443"
		} else {
			host += ":80"
		}
	}
	return host, nil
}

// DialWS opens a WebSocket to base (http://host:port) at target (path and
// query, e.g. "/engine.io/?EIO=4&transport=websocket"). It writes the
// upgrade request itself on a bare TCP connection. A refusal is a
// *StatusError with the response; a connection that ends before any
// response is a *DroppedError; a 101 that breaks RFC 6455 §4.1 (bad
// Sec-WebSocket-Accept) is a *ProtocolError.
func DialWS(ctx context.Context, base, target string, log *wirelog.Log, o WSOptions) (*WS, error) {
	started := time.Now()
	host, err := SplitBase(base)
	if err != nil {
		return nil, err
	}
	if o.Name == "" {
		o.Name = "ws"
	}
	limit := o.Limit
	if limit == 0 {
		limit = DefaultWSLimit
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, timeoutOr(ctx, err, "TCP connect", started)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	key := o.Key
	if key == "" && !o.OmitKey {
		var k [16]byte
		_, _ = rand.Read(k[:])
		key = base64.StdEncoding.EncodeToString(k[:])
	}
	req := o.Raw
	if req == nil {
		req = buildUpgrade(host, target, key, o)
	}
	log.Add(wirelog.Out, "http-request", o.Name, printable(req))
	if len(o.Early) > 0 {
		log.Add(wirelog.Out, "tcp", o.Name, append([]byte("early data before the 101: "), hexView(o.Early)...))
	}
	if _, err := conn.Write(append(append([]byte(nil), req...), o.Early...)); err != nil {
		conn.Close()
		return nil, &DroppedError{During: "websocket upgrade request", Err: timeoutOr(ctx, err, "upgrade request write", started)}
	}
	br := bufio.NewReaderSize(conn, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		if ctx.Err() != nil || isTimeout(err) {
			return nil, &TimeoutError{Waiting: "the upgrade response", After: time.Since(started)}
		}
		log.Add(wirelog.In, "tcp", o.Name, fmt.Appendf(nil, "connection ended without a response: %v", err))
		return nil, &DroppedError{During: "websocket upgrade", Err: err}
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		conn.Close()
		log.Add(wirelog.In, "http-response", o.Name, printable(fmt.Appendf(nil, "%d %s\n%s", resp.StatusCode, http.StatusText(resp.StatusCode), body)))
		return nil, &StatusError{Op: "websocket upgrade", Status: resp.StatusCode, Header: resp.Header, Body: body}
	}
	log.Add(wirelog.In, "http-response", o.Name, fmt.Appendf(nil, "101 Switching Protocols (Upgrade: %s)", resp.Header.Get("Upgrade")))
	if key != "" && resp.Header.Get("Sec-WebSocket-Accept") != AcceptKey(key) {
		conn.Close()
		return nil, &ProtocolError{What: fmt.Sprintf("Sec-WebSocket-Accept %q, RFC 6455 §4.2.2 wants %q", resp.Header.Get("Sec-WebSocket-Accept"), AcceptKey(key))}
	}
	if !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") {
		conn.Close()
		return nil, &ProtocolError{What: fmt.Sprintf("101 with Upgrade %q, not websocket", resp.Header.Get("Upgrade"))}
	}
	_ = conn.SetDeadline(time.Time{})
	w := &WS{Name: o.Name, Response: resp, conn: conn, br: br, log: log, opts: o, limit: limit,
		events: newQueue[Event](), done: make(chan struct{})}
	go w.readLoop()
	return w, nil
}

func buildUpgrade(host, target, key string, o WSOptions) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n", target, host)
	if key != "" {
		fmt.Fprintf(&b, "Sec-WebSocket-Key: %s\r\n", key)
	}
	version := o.Version
	if version == "" {
		version = "13"
	}
	fmt.Fprintf(&b, "Sec-WebSocket-Version: %s\r\n", version)
	for name, values := range o.Header {
		for _, v := range values {
			fmt.Fprintf(&b, "%s: %s\r\n", name, v)
		}
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// AcceptKey is the Sec-WebSocket-Accept value for key (RFC 6455 §4.2.2).
func AcceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readLoop reads every frame until the connection ends, answering pings
// and Close frames as RFC 6455 requires of a client, and queues the events.
// A frame RFC 6455 forbids from a server ends the connection with a
// *ProtocolError, as §7.1.7 ("Fail the WebSocket Connection") says.
func (w *WS) readLoop() {
	defer close(w.done)
	var (
		msg       []byte
		msgOp     Opcode
		fragments int
	)
	for {
		// Keep the first bytes of each frame: when they are no frame at all
		// (an HTTP response written into the upgraded stream, say), the
		// report shows what they were.
		_, _ = w.br.Peek(1)
		head, _ := w.br.Peek(min(w.br.Buffered(), 64))
		head = append([]byte(nil), head...)
		f, err := ReadFrame(w.br, w.limit)
		if err != nil {
			w.endRead(err, head)
			return
		}
		if f.Masked {
			w.fail(&ProtocolError{What: "a masked frame from the server (RFC 6455 §5.1)"})
			return
		}
		switch f.Op {
		case OpPing, OpPong:
			w.log.Add(wirelog.In, "ws-"+f.Op.String(), w.Name, printable(f.Payload))
			w.events.push(Event{Op: f.Op, Data: f.Payload, Fragments: 1, At: time.Now()})
			if f.Op == OpPing && !w.opts.NoAutoPong {
				_ = w.WriteFrame(Frame{Fin: true, Op: OpPong, Masked: true, Key: NewMaskKey(), Payload: f.Payload})
			}
		case OpClose:
			code, reason, perr := ParseClose(f.Payload)
			w.log.Add(wirelog.In, "ws-close", w.Name, fmt.Appendf(nil, "%d %q", code, reason))
			info := &ClosedError{Via: ViaCloseFrame, Code: code, Reason: reason, Malformed: perr, At: time.Now()}
			// §5.5.1: answer a Close with a Close (echoing the code when it
			// is one that may be sent), then the connection is done.
			reply := ClosePayload(CloseNormal, "")
			if perr == nil && code != CloseNoStatus {
				reply = ClosePayload(code, "")
			} else if code == CloseNoStatus {
				reply = nil
			}
			w.sendCloseOnce(reply)
			w.events.finish(info)
			_ = w.conn.Close()
			return
		case OpText, OpBinary:
			if msg != nil {
				w.fail(&ProtocolError{What: "a new data frame inside a fragmented message (RFC 6455 §5.4)"})
				return
			}
			msgOp, fragments = f.Op, 1
			msg = f.Payload
		case OpContinuation:
			if msg == nil {
				w.fail(&ProtocolError{What: "a continuation frame with no message to continue (RFC 6455 §5.4)"})
				return
			}
			fragments++
			msg = append(msg, f.Payload...)
			if uint64(len(msg)) > w.limit {
				w.fail(&ProtocolError{What: "message over the harness's limit", Err: &FrameError{Kind: FrameTooBig}})
				return
			}
		}
		if f.Op.IsControl() || !f.Fin {
			continue
		}
		if msgOp == OpText && !utf8.Valid(msg) {
			w.fail(&ProtocolError{What: "text message", Err: &FrameError{Kind: FrameUTF8}})
			return
		}
		kind := "ws-text"
		data := printable(msg)
		if msgOp == OpBinary {
			kind, data = "ws-binary", hexView(msg)
		}
		if fragments > 1 {
			data = append(fmt.Appendf(nil, "(%d fragments) ", fragments), data...)
		}
		w.log.Add(wirelog.In, kind, w.Name, data)
		w.events.push(Event{Op: msgOp, Data: msg, Fragments: fragments, At: time.Now()})
		msg, fragments = nil, 0
	}
}

// endRead ends the queue when reading stopped with err; head is the
// start of the bytes the frame was read from.
func (w *WS) endRead(err error, head []byte) {
	w.wmu.Lock()
	closing := w.closing
	w.wmu.Unlock()
	var fe *FrameError
	switch {
	case closing:
		w.events.finish(&ClosedError{Via: ViaHarness, Code: CloseAbnormal, At: time.Now()})
	case errors.As(err, &fe) && fe.Kind != FrameTruncated:
		w.fail(&ProtocolError{What: fmt.Sprintf("frame from the server starting %q", head), Err: err})
		return
	default:
		w.log.Add(wirelog.In, "tcp", w.Name, fmt.Appendf(nil, "connection ended without a close frame (%v)", err))
		w.events.finish(&ClosedError{Via: ViaTCP, Code: CloseAbnormal, Reason: err.Error(), At: time.Now()})
	}
	_ = w.conn.Close()
}

// fail ends the connection because the server broke RFC 6455: a Close
// 1002 (§7.1.7), then the TCP close.
func (w *WS) fail(err error) {
	w.log.Notef("%s: %v", w.Name, err)
	w.sendCloseOnce(ClosePayload(CloseProtocolError, ""))
	w.events.finish(err)
	_ = w.conn.Close()
}

func (w *WS) sendCloseOnce(payload []byte) {
	w.wmu.Lock()
	already := w.sentClose
	w.wmu.Unlock()
	if !already {
		_ = w.WriteFrame(Frame{Fin: true, Op: OpClose, Masked: true, Key: NewMaskKey(), Payload: payload})
	}
}

// Next returns the next data message (text or binary), skipping control
// frames; after the connection ended, the *ClosedError or *ProtocolError
// that ended it; a *TimeoutError when ctx ends first.
func (w *WS) Next(ctx context.Context) (Event, error) {
	started := time.Now()
	for {
		ev, err := w.NextEvent(ctx)
		if err != nil {
			return ev, timeoutOr(ctx, err, "a websocket message", started)
		}
		if ev.Op == OpText || ev.Op == OpBinary {
			return ev, nil
		}
	}
}

// NextEvent returns the next event, control frames included.
func (w *WS) NextEvent(ctx context.Context) (Event, error) {
	started := time.Now()
	ev, err := w.events.pop(ctx)
	if err != nil && ctx.Err() != nil {
		return ev, &TimeoutError{Waiting: "a websocket frame", After: time.Since(started)}
	}
	return ev, err
}

// WaitClosed discards events until the connection ends and returns how:
// a *ClosedError (nil error) or the *ProtocolError that ended it; a
// *TimeoutError if it is still open when ctx ends.
func (w *WS) WaitClosed(ctx context.Context) (*ClosedError, error) {
	started := time.Now()
	err, done := w.events.waitDone(ctx)
	if !done {
		return nil, &TimeoutError{Waiting: "the connection to close", After: time.Since(started)}
	}
	var ce *ClosedError
	if errors.As(err, &ce) {
		return ce, nil
	}
	return nil, err
}

// WriteFrame writes f as is (masked with f.Key when f.Masked).
func (w *WS) WriteFrame(f Frame) error {
	kind := "ws-" + f.Op.String()
	data := printable(f.Payload)
	switch {
	case f.Op == OpClose && len(f.Payload) >= 2:
		data = fmt.Appendf(nil, "%d %q", int(f.Payload[0])<<8|int(f.Payload[1]), f.Payload[2:])
	case f.Op == OpBinary || !utf8.Valid(f.Payload):
		data = hexView(f.Payload)
	}
	if !f.Fin || f.RSV != 0 || !f.Masked || !f.Op.defined() {
		data = append(fmt.Appendf(nil, "[fin=%t rsv=%03b masked=%t op=0x%X] ", f.Fin, f.RSV, f.Masked, byte(f.Op)), data...)
	}
	w.log.Add(wirelog.Out, kind, w.Name, data)
	return w.write(EncodeFrame(f), f.Op == OpClose)
}

// WriteRaw writes bytes as they are: hand-made frames.
func (w *WS) WriteRaw(b []byte) error {
	w.log.Add(wirelog.Out, "ws-raw", w.Name, hexView(b))
	return w.write(b, false)
}

func (w *WS) write(b []byte, isClose bool) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	if isClose {
		w.sentClose = true
	}
	_ = w.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := w.conn.Write(b); err != nil {
		return &DroppedError{During: "websocket write", Err: err}
	}
	return nil
}

// Send writes one masked, unfragmented message of the given opcode.
func (w *WS) Send(op Opcode, data []byte) error {
	return w.WriteFrame(Frame{Fin: true, Op: op, Masked: true, Key: NewMaskKey(), Payload: data})
}

// SendText writes one text message.
func (w *WS) SendText(s string) error { return w.Send(OpText, []byte(s)) }

// SendBinary writes one binary message.
func (w *WS) SendBinary(b []byte) error { return w.Send(OpBinary, b) }

// SendClose writes a Close frame with code and reason (any code: hostile
// cases send invalid ones).
func (w *WS) SendClose(code int, reason string) error {
	return w.Send(OpClose, ClosePayload(code, reason))
}

// Close ends the TCP connection at once (no closing handshake).
func (w *WS) Close() {
	w.wmu.Lock()
	w.closing = true
	w.wmu.Unlock()
	_ = w.conn.Close()
}
