package sioclient

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wirelog"
)

// wsTransport is Engine.IO over one WebSocket: one packet per frame.
type wsTransport struct {
	ep   endpoint
	ws   *websocket.Conn
	wmu  sync.Mutex // gorilla allows one writer at a time
	once sync.Once
}

// writeTimeout bounds one frame write: a stuck target must not hang a case.
const writeTimeout = 10 * time.Second

// openWebSocket connects a direct WebSocket session and returns the open
// packet, which is the first text frame.
func openWebSocket(ctx context.Context, ep endpoint, out sink) (*wsTransport, codec.Open, error) {
	u := ep.url("ws", WebSocket, "")
	ep.log.Add(wirelog.Out, "http-request", ep.conn, []byte("GET "+u+" (WebSocket upgrade)"+wirelog.HeaderLines(ep.header)))
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 64 << 10, WriteBufferSize: 64 << 10}
	ws, resp, err := d.DialContext(ctx, u, ep.header)
	if err != nil {
		if resp != nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			ep.log.Add(wirelog.In, "http-response", ep.conn, []byte(resp.Status+"\n"+string(body)))
			return nil, codec.Open{}, &HandshakeError{Status: resp.StatusCode, Body: string(body)}
		}
		ep.log.Add(wirelog.Note, "tcp", ep.conn, []byte("WebSocket dial: "+err.Error()))
		return nil, codec.Open{}, err
	}
	ep.log.Add(wirelog.In, "http-response", ep.conn, []byte(resp.Status))
	t := &wsTransport{ep: ep, ws: ws}
	if dl, ok := ctx.Deadline(); ok {
		_ = ws.SetReadDeadline(dl)
	}
	kind, data, err := ws.ReadMessage()
	if err != nil {
		ws.Close()
		return nil, codec.Open{}, err
	}
	_ = ws.SetReadDeadline(time.Time{})
	ep.log.Add(wirelog.In, "ws-text", ep.conn, data)
	p, err := codec.DecodeText(data)
	if err == nil && (kind != websocket.TextMessage || p.Type != codec.EIOOpen) {
		err = &codec.Error{Kind: codec.KindType, Input: string(data), Msg: "first frame is not an open packet"}
	}
	if err != nil {
		ws.Close()
		return nil, codec.Open{}, &ProtocolError{Frame: string(data), Cause: err}
	}
	open, err := codec.DecodeOpen(p.Data)
	if err != nil {
		ws.Close()
		return nil, codec.Open{}, &ProtocolError{Frame: string(data), Cause: err}
	}
	go t.read(out)
	return t, open, nil
}

func (t *wsTransport) read(out sink) {
	for {
		kind, data, err := t.ws.ReadMessage()
		if err != nil {
			t.ep.log.Add(wirelog.In, "ws-close", t.ep.conn, []byte(err.Error()))
			out.onEnd(err)
			return
		}
		if kind == websocket.BinaryMessage {
			t.ep.log.Add(wirelog.In, "ws-binary", t.ep.conn, data)
			out.onPacket(codec.Bin(data), string(data))
			continue
		}
		t.ep.log.Add(wirelog.In, "ws-text", t.ep.conn, data)
		p, err := codec.DecodeText(data)
		if err != nil {
			out.onBadFrame(string(data), err)
			continue
		}
		out.onPacket(p, string(data))
	}
}

func (t *wsTransport) send(p codec.EIOPacket) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	_ = t.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
	if p.Binary {
		t.ep.log.Add(wirelog.Out, "ws-binary", t.ep.conn, p.Data)
		return t.ws.WriteMessage(websocket.BinaryMessage, p.Data)
	}
	frame := codec.EncodeText(p)
	t.ep.log.Add(wirelog.Out, "ws-text", t.ep.conn, frame)
	return t.ws.WriteMessage(websocket.TextMessage, frame)
}

func (t *wsTransport) close() {
	t.once.Do(func() {
		t.wmu.Lock()
		msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
		_ = t.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		t.wmu.Unlock()
		t.ep.log.Add(wirelog.Out, "ws-close", t.ep.conn, []byte("1000"))
		_ = t.ws.Close()
	})
}

func (t *wsTransport) cut() {
	t.once.Do(func() {
		t.ep.log.Add(wirelog.Note, "tcp", t.ep.conn, []byte("cut: TCP connection closed without a close frame or DISCONNECT"))
		_ = t.ws.UnderlyingConn().Close()
	})
}
