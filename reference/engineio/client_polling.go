package engineio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"
)

// maxHandshakeMillis bounds pingInterval and pingTimeout: the largest
// delay of a JavaScript timer (2^31-1 ms, about 24.8 days).
const maxHandshakeMillis = math.MaxInt32

// handshakeJSON is the data of an open packet as sent by the server.
// Pointers tell a missing field from a zero one.
type handshakeJSON struct {
	SID          *string  `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval *float64 `json:"pingInterval"`
	PingTimeout  *float64 `json:"pingTimeout"`
	MaxPayload   *float64 `json:"maxPayload"`
}

// parseHandshake decodes the JSON data of an open packet. sid must be a
// non-empty string, pingInterval and pingTimeout positive numbers of
// milliseconds; maxPayload, when present, a non-negative number of bytes;
// upgrades, when present, an array of strings. Unknown fields are
// ignored.
func parseHandshake(data []byte) (Handshake, error) {
	var j handshakeJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return Handshake{}, fmt.Errorf("%w: %w", ErrInvalidHandshake, err)
	}
	if j.SID == nil || *j.SID == "" {
		return Handshake{}, fmt.Errorf("%w: no sid", ErrInvalidHandshake)
	}
	millis := func(name string, v *float64) (time.Duration, error) {
		if v == nil || !(*v > 0) || *v > maxHandshakeMillis {
			return 0, fmt.Errorf("%w: bad %s", ErrInvalidHandshake, name)
		}
		d := time.Duration(*v * float64(time.Millisecond))
		if d <= 0 { // under a nanosecond
			return 0, fmt.Errorf("%w: bad %s", ErrInvalidHandshake, name)
		}
		return d, nil
	}
	hs := Handshake{SID: *j.SID, Upgrades: j.Upgrades}
	var err error
	if hs.PingInterval, err = millis("pingInterval", j.PingInterval); err != nil {
		return Handshake{}, err
	}
	if hs.PingTimeout, err = millis("pingTimeout", j.PingTimeout); err != nil {
		return Handshake{}, err
	}
	if j.MaxPayload != nil {
		// 2^53: the integers a JavaScript number holds exactly.
		if !(*j.MaxPayload >= 0) || *j.MaxPayload > 1<<53 {
			return Handshake{}, fmt.Errorf("%w: bad maxPayload", ErrInvalidHandshake)
		}
		hs.MaxPayload = int64(*j.MaxPayload)
	}
	return hs, nil
}

// decodeOpenPayload decodes the body of a polling handshake: an open
// packet, then possibly more packets, which are returned.
func decodeOpenPayload(body []byte) (Handshake, []Packet, error) {
	packets, err := DecodePayload(body)
	if err != nil {
		return Handshake{}, nil, fmt.Errorf("%w: %w", ErrInvalidHandshake, err)
	}
	if packets[0].Type != PacketOpen || packets[0].Binary {
		return Handshake{}, nil, fmt.Errorf("%w: first packet is not open", ErrInvalidHandshake)
	}
	hs, err := parseHandshake(packets[0].Data)
	if err != nil {
		return Handshake{}, nil, err
	}
	return hs, packets[1:], nil
}

// responseError is the error for a non-200 answer: an *HTTPError when the
// body is engine.io's JSON error ({"code":N,"message":"..."}).
func responseError(what string, status int, body []byte) error {
	var j struct {
		Code    *int    `json:"code"`
		Message *string `json:"message"`
	}
	if json.Unmarshal(body, &j) == nil && j.Code != nil {
		e := &HTTPError{Status: status, Code: *j.Code}
		if j.Message != nil {
			e.Message = *j.Message
		}
		return e
	}
	const maxShown = 128
	if len(body) > maxShown {
		body = body[:maxShown]
	}
	return fmt.Errorf("engineio: %s: unexpected HTTP status %d: %q", what, status, body)
}

// maxErrorBody is how much of an error response is read.
const maxErrorBody = 4096

// pollRequest sends one polling request and returns the body of a 200
// answer (at most readLimit bytes).
func (c *Client) pollRequest(ctx context.Context, method, target string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, err
	}
	// A fresh header per request: http.Client adds the cookies of its
	// jar to it.
	req.Header = c.cfg.header.Clone()
	req.Header.Set("Accept", "*/*")
	// net/http silently sends a request again when a reused keep-alive
	// connection fails before the response arrives. For polling that loses
	// or duplicates packets: a GET whose answer the server wrote (and so
	// dequeued) but the client never read is repeated, and the session
	// goes on without those packets; a POST may be delivered twice. So
	// every request goes on a connection of its own (Connection: close, as
	// the official Node client sends; a connection that was never reused is
	// never retried) and a POST has no GetBody (never replayable): a failed
	// request ends the session instead, which the layers above recover
	// from (reconnection, connection state recovery).
	req.Close = true
	req.GetBody = nil
	if body != nil {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	res, err := c.cfg.httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
		return nil, responseError(method, res.StatusCode, b)
	}
	return readBody(res, c.cfg.readLimit)
}

// errResponseTooLarge: a polling response was longer than ReadLimit.
var errResponseTooLarge = errors.New("engineio: polling response larger than ReadLimit")

// readBody reads a response body of at most limit bytes, in one
// allocation when the length is announced.
func readBody(res *http.Response, limit int64) ([]byte, error) {
	if n := res.ContentLength; n >= 0 {
		if n > limit {
			return nil, errResponseTooLarge
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(res.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errResponseTooLarge
	}
	return b, nil
}

// pollHandshake opens the session over polling. It returns the packets
// that followed the open packet in the same response.
func (c *Client) pollHandshake(ctx context.Context) (Handshake, []Packet, error) {
	body, err := c.pollRequest(ctx, http.MethodGet, pollTarget(c.cfg.url(TransportPolling, "")), nil)
	if err != nil {
		var he *HTTPError
		if errors.As(err, &he) {
			return Handshake{}, nil, he
		}
		return Handshake{}, nil, fmt.Errorf("engineio: polling handshake: %w", err)
	}
	return decodeOpenPayload(body)
}

// pollLoop is the polling client's GET loop: it handles the packets of
// one response, then sends the next GET, until the client closes (or
// starts closing) or an upgrade pauses polling. pending holds the packets
// that came with the handshake.
func (c *Client) pollLoop(pending []Packet) {
	for {
		for _, p := range pending {
			if !c.onPacket(p) {
				return
			}
		}
		c.mu.Lock()
		if c.stateLocked() != stateOpen || c.upgrading {
			c.pollActive = false
			c.signalPauseLocked()
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		body, err := c.pollRequest(c.reqCtx, http.MethodGet, pollTarget(c.pollURL), nil)
		if err != nil {
			c.fail(ReasonTransportError, err, 0)
			return
		}
		if pending, err = DecodePayload(body); err != nil {
			c.fail(ReasonParseError, err, 0)
			return
		}
	}
}

// postLoop sends the queue in POSTs, one at a time, each carrying as many
// queued packets as fit in the server's maxPayload (at least one), until
// the queue is empty. The caller has claimed the role (postActive). It
// stops, leaving the queue to the WebSocket, when an upgrade pauses
// polling.
func (c *Client) postLoop() {
	var spare []*Message
	for {
		c.mu.Lock()
		state := c.stateLocked()
		if state == stateClosed || c.upgrading || c.ws != nil {
			c.postActive = false
			c.signalPauseLocked()
			c.mu.Unlock()
			return
		}
		if len(c.queue) == 0 {
			c.postActive = false
			if state == stateClosing {
				c.wakeCloseLocked()
			}
			if cap(c.queue) > maxIdleQueueCap {
				c.queue = nil
			}
			c.mu.Unlock()
			return
		}
		batch, size := c.takePostLocked(spare)
		c.mu.Unlock()

		body := make([]byte, 0, size)
		for i, m := range batch {
			if i > 0 {
				body = append(body, recordSeparator)
			}
			body = append(body, m.pollingForm()...)
		}
		clear(batch)
		spare = batch[:0]
		if _, err := c.pollRequest(c.reqCtx, http.MethodPost, pollTarget(c.pollURL), body); err != nil {
			c.fail(ReasonTransportError, err, 0)
			return
		}
	}
}

// takePostLocked takes the packets of the next POST off the queue: all of
// them when they fit in maxPayload, else the longest prefix that does
// (at least one packet). spare is a free slice, never the queue's, for
// the batch. It returns the batch and the size of its body.
func (c *Client) takePostLocked(spare []*Message) (batch []*Message, size int) {
	n := 0
	for _, m := range c.queue {
		l := m.pollingLen()
		if n > 0 {
			l++ // separator
			if c.maxPost > 0 && int64(size+l) > c.maxPost {
				break
			}
		}
		size += l
		n++
	}
	if n == len(c.queue) {
		batch, c.queue = c.queue, spare[:0]
	} else {
		batch = append(spare[:0], c.queue[:n]...)
		clear(c.queue[:n])
		c.queue = c.queue[n:]
	}
	dequeued(&c.queueBytes, batch)
	return batch, size
}
