package engineio

import (
	"errors"
	"time"

	"github.com/gorilla/websocket"
)

// errProbe: the server did not answer "2probe" with "3probe".
var errProbe = errors.New("engineio: upgrade probe failed")

// upgradeLoop moves a polling client to WebSocket, as engine.io-client
// does:
//
//  1. open a WebSocket with the sid and send "2probe";
//  2. expect "3probe" (within probeTimeout);
//  3. pause polling: no new POST starts, the GET loop stops once the GET
//     in flight returns (the server answers it with a noop) and the POST
//     in flight completes;
//  4. send "5", write what was queued meanwhile over the WebSocket, and
//     become the WebSocket's reader.
//
// Any failure before step 4 closes the WebSocket and leaves the client on
// polling, silently (the error is kept for tests). Once the pause is
// complete the client is committed to the WebSocket.
func (c *Client) upgradeLoop() {
	conn, err := c.dialWebSocket(c.reqCtx, c.wsURL)
	if err != nil {
		c.upgradeFailed(nil, err)
		return
	}
	c.mu.Lock()
	if c.stateLocked() != stateOpen {
		c.mu.Unlock()
		_ = conn.Close()
		return
	}
	c.probe = conn
	c.mu.Unlock()

	// Only this goroutine uses conn until the upgrade completes (finish
	// may Close it, which ends the read below).
	_ = conn.SetWriteDeadline(time.Now().Add(c.cfg.writeTimeout))
	if err := probeMessage.writeTo(conn); err != nil {
		c.upgradeFailed(conn, err)
		return
	}
	_ = conn.SetReadDeadline(time.Now().Add(probeTimeout))
	mt, data, err := conn.ReadMessage()
	if err != nil {
		c.upgradeFailed(conn, err)
		return
	}
	if mt != websocket.TextMessage || string(data) != "3probe" {
		c.upgradeFailed(conn, errProbe)
		return
	}
	_ = conn.SetReadDeadline(time.Time{})

	if !c.pausePolling(conn) {
		c.upgradeFailed(conn, nil)
		return
	}
	_ = conn.SetWriteDeadline(time.Now().Add(c.cfg.writeTimeout))
	if err := upgradeMessage.writeTo(conn); err != nil {
		c.fail(ReasonTransportError, err, 0)
		return
	}
	c.flushLoop() // pausePolling claimed the writer role for us

	c.mu.Lock()
	if c.stateLocked() == stateClosed {
		c.mu.Unlock()
		return
	}
	c.upgraded = true
	hook := c.onUpgrade
	c.onUpgrade = nil
	c.mu.Unlock()
	if hook != nil {
		hook(TransportWebSocket)
	}
	c.readLoop(conn)
}

// pausePolling waits until no polling request is in flight, with polling
// paused (upgrading), then makes conn the transport and claims the writer
// role. It returns false if the client closed or started closing
// meanwhile (Close abandons the upgrade).
func (c *Client) pausePolling(conn *websocket.Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stateLocked() != stateOpen || c.probe != conn {
		return false
	}
	c.upgrading = true
	for c.pollActive || c.postActive {
		c.mu.Unlock()
		select {
		case <-c.pauseWake:
		case <-c.done:
		}
		c.mu.Lock()
		if c.stateLocked() != stateOpen || c.probe != conn {
			return false
		}
	}
	c.probe = nil
	c.upgrading = false
	c.ws = conn
	c.transport = TransportWebSocket
	c.flushing = true
	return true
}

// upgradeFailed ends an upgrade attempt: polling goes on. conn (if any)
// is closed.
func (c *Client) upgradeFailed(conn *websocket.Conn, err error) {
	c.mu.Lock()
	if conn != nil && c.probe == conn {
		c.probe = nil
	}
	if err != nil {
		c.lastWSError = err
	}
	c.mu.Unlock()
	if conn != nil {
		closeConn(conn, websocket.CloseNormalClosure, c.cfg.writeTimeout)
	}
}
