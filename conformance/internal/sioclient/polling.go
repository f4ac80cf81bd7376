package sioclient

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wirelog"
)

// pollTransport is Engine.IO long-polling: a loop of GETs reads, one POST
// at a time writes (two concurrent POSTs are a protocol error).
type pollTransport struct {
	ep     endpoint
	sid    string
	client *http.Client // its own connection pool, so that cut drops only ours
	ctx    context.Context
	stop   context.CancelFunc
	wmu    sync.Mutex
	once   sync.Once
}

// maxPollBody bounds one polling response the client reads.
const maxPollBody = 16 << 20

// openPolling performs the handshake GET and starts the read loop.
func openPolling(ctx context.Context, ep endpoint, out sink) (*pollTransport, codec.Open, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: 4, ResponseHeaderTimeout: 0}
	t := &pollTransport{ep: ep, client: &http.Client{Transport: tr}}
	t.ctx, t.stop = context.WithCancel(context.Background())
	body, err := t.get(ctx, ep.url("http", Polling, ""))
	if err != nil {
		t.stop()
		return nil, codec.Open{}, err
	}
	packets, err := codec.DecodePayload(body)
	if err == nil && packets[0].Type != codec.EIOOpen {
		err = &codec.Error{Kind: codec.KindType, Input: string(body), Msg: "first packet is not an open packet"}
	}
	if err != nil {
		t.stop()
		return nil, codec.Open{}, &ProtocolError{Frame: string(body), Cause: err}
	}
	open, err := codec.DecodeOpen(packets[0].Data)
	if err != nil {
		t.stop()
		return nil, codec.Open{}, &ProtocolError{Frame: string(body), Cause: err}
	}
	t.sid = open.SID
	go func() {
		for _, p := range packets[1:] {
			out.onPacket(p, string(codec.EncodeText(p)))
		}
		t.read(out)
	}()
	return t, open, nil
}

// get performs one GET and returns the body of a 200.
func (t *pollTransport) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	for k, vs := range t.ep.header {
		req.Header[k] = vs
	}
	t.ep.log.Add(wirelog.Out, "http-request", t.ep.conn, []byte("GET "+u+wirelog.HeaderLines(t.ep.header)))
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPollBody))
	t.ep.log.Add(wirelog.In, "http-response", t.ep.conn, append([]byte(resp.Status+"\n"), body...))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &HandshakeError{Status: resp.StatusCode, Body: string(body)}
	}
	return body, nil
}

func (t *pollTransport) read(out sink) {
	u := t.ep.url("http", Polling, t.sid)
	for {
		body, err := t.get(t.ctx, u)
		if err != nil {
			out.onEnd(err)
			return
		}
		for _, part := range bytes.Split(body, []byte{codec.Separator}) {
			p, err := codec.DecodeText(part)
			if err != nil {
				out.onBadFrame(string(part), err)
				continue
			}
			out.onPacket(p, string(part))
			if p.Type == codec.EIOClose {
				out.onEnd(nil)
				return
			}
		}
	}
}

func (t *pollTransport) send(p codec.EIOPacket) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	ctx, cancel := context.WithTimeout(t.ctx, writeTimeout)
	defer cancel()
	body := codec.EncodePayload(p)
	u := t.ep.url("http", Polling, t.sid)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, vs := range t.ep.header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	t.ep.log.Add(wirelog.Out, "http-request", t.ep.conn, append([]byte("POST "+u+"\n"), body...))
	resp, err := t.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	t.ep.log.Add(wirelog.In, "http-response", t.ep.conn, append([]byte(resp.Status+"\n"), rb...))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("polling POST: HTTP %d %q", resp.StatusCode, rb)
	}
	return nil
}

func (t *pollTransport) close() {
	t.once.Do(func() {
		_ = t.sendClose()
		t.stop()
		t.client.CloseIdleConnections()
	})
}

func (t *pollTransport) sendClose() error {
	done := make(chan error, 1)
	go func() { done <- t.send(codec.Text(codec.EIOClose, "")) }()
	select {
	case err := <-done:
		return err
	case <-time.After(2 * time.Second):
		return context.DeadlineExceeded
	}
}

func (t *pollTransport) cut() {
	t.once.Do(func() {
		t.ep.log.Add(wirelog.Note, "tcp", t.ep.conn, []byte("cut: polling requests aborted without a close packet or DISCONNECT"))
		t.stop()
		t.client.CloseIdleConnections()
	})
}
