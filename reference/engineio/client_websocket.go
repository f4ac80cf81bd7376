package engineio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// dialWebSocket opens a WebSocket to target. A refused handshake with
// engine.io's JSON error body is returned as an *HTTPError.
func (c *Client) dialWebSocket(ctx context.Context, target string) (*websocket.Conn, error) {
	conn, res, err := c.cfg.dialer.DialContext(ctx, target, c.cfg.header.Clone())
	if err != nil {
		if errors.Is(err, websocket.ErrBadHandshake) && res != nil {
			// gorilla keeps up to 1 KiB of the body of a refused handshake.
			var body []byte
			if res.Body != nil {
				body, _ = io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
				_ = res.Body.Close()
			}
			return nil, responseError("websocket handshake", res.StatusCode, body)
		}
		if ctxErr := contextError(ctx); ctxErr != nil {
			// gorilla turns ctx's deadline into the connection's: the
			// error is then an i/o timeout, maybe before ctx expires.
			return nil, fmt.Errorf("engineio: websocket dial: %w: %w", ctxErr, err)
		}
		return nil, fmt.Errorf("engineio: websocket dial: %w", err)
	}
	conn.SetReadLimit(c.cfg.readLimit)
	return conn, nil
}

// contextError is ctx.Err(), or DeadlineExceeded once ctx's deadline has
// passed even if its timer has not fired yet.
func contextError(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// wsHandshake opens the session over WebSocket: the first frame must be
// the open packet. Later frames stay buffered for the reader.
func (c *Client) wsHandshake(ctx context.Context) (Handshake, *websocket.Conn, error) {
	conn, err := c.dialWebSocket(ctx, c.cfg.url(TransportWebSocket, ""))
	if err != nil {
		return Handshake{}, nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	if d := c.cfg.dialer.HandshakeTimeout; d > 0 {
		_ = conn.SetReadDeadline(time.Now().Add(d))
	}
	mt, data, err := conn.ReadMessage()
	if !stop() {
		_ = conn.Close()
		return Handshake{}, nil, fmt.Errorf("engineio: websocket handshake: %w", ctx.Err())
	}
	if err != nil {
		_ = conn.Close()
		return Handshake{}, nil, fmt.Errorf("engineio: websocket handshake: %w", err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	hs, err := decodeOpenFrame(mt, data)
	if err != nil {
		closeConn(conn, websocket.CloseProtocolError, c.cfg.writeTimeout)
		return Handshake{}, nil, err
	}
	return hs, conn, nil
}

// decodeOpenFrame decodes the first frame of a WebSocket session.
func decodeOpenFrame(messageType int, data []byte) (Handshake, error) {
	if messageType != websocket.TextMessage {
		return Handshake{}, fmt.Errorf("%w: first frame is binary", ErrInvalidHandshake)
	}
	p, err := DecodePacket(data, false)
	if err != nil {
		return Handshake{}, fmt.Errorf("%w: %w", ErrInvalidHandshake, err)
	}
	if p.Type != PacketOpen || p.Binary {
		return Handshake{}, fmt.Errorf("%w: first packet is not open", ErrInvalidHandshake)
	}
	return parseHandshake(p.Data)
}

// readLoop reads the client's WebSocket until it ends: one packet per
// frame, binary frames being binary messages. It is the connection's only
// goroutine besides short-lived flushes.
func (c *Client) readLoop(conn *websocket.Conn) {
	for {
		mt, data, err := conn.ReadMessage()
		if err != nil {
			reason, cause := wsReadFailure(err)
			c.fail(reason, cause, 0)
			return
		}
		var p Packet
		if mt == websocket.BinaryMessage {
			p = Packet{Type: PacketMessage, Data: data, Binary: true}
		} else {
			if !utf8.Valid(data) {
				c.fail(ReasonParseError, ErrInvalidUTF8, websocket.CloseInvalidFramePayloadData)
				return
			}
			if p, err = decodeTextPacket(data); err != nil {
				c.fail(ReasonParseError, err, websocket.CloseProtocolError)
				return
			}
		}
		if !c.onPacket(p) {
			return
		}
	}
}

// wsReadFailure maps a failed WebSocket read to the close: a close frame
// or the connection's end is "transport close" (cause nil for a normal
// close), anything else "transport error".
func wsReadFailure(err error) (string, error) {
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce):
		switch ce.Code {
		case websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived:
			return ReasonTransportClose, nil
		}
		return ReasonTransportClose, err
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ReasonTransportClose, err
	default:
		return ReasonTransportError, err
	}
}

// flushLoop writes the queue to the WebSocket until it is empty, then
// returns: it runs only while there is something to write, on a
// goroutine started by whoever queued into an idle client (or inline, by
// Close and the upgrade). The caller has claimed the writer role
// (flushing).
func (c *Client) flushLoop() {
	var batch []*Message
	for {
		c.mu.Lock()
		state := c.stateLocked()
		if state == stateClosed {
			c.flushing = false
			c.mu.Unlock()
			return
		}
		conn := c.ws
		batch, c.queue = c.queue, batch[:0]
		c.queueBytes = 0
		if len(batch) == 0 {
			c.flushing = false
			if state == stateClosing {
				c.wakeCloseLocked()
			}
			if cap(c.queue) > maxIdleQueueCap {
				c.queue = nil
			}
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		for _, m := range batch {
			_ = conn.SetWriteDeadline(time.Now().Add(c.cfg.writeTimeout))
			if err := m.writeTo(conn); err != nil {
				c.fail(ReasonTransportError, err, 0)
				return
			}
		}
		clear(batch)
	}
}
