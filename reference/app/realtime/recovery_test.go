package realtime

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socketlab/reference/app"
	"socketlab/reference/app/auth"
	"socketlab/reference/socketio"
)

// rawConn speaks Engine.IO frames over one WebSocket.
type rawConn struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialRaw(t *testing.T, url string) *rawConn {
	t.Helper()
	ws := "ws" + strings.TrimPrefix(url, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := websocket.DefaultDialer.Dial(ws, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	c := &rawConn{t: t, conn: conn}
	require.True(t, strings.HasPrefix(c.read(), "0{"))
	return c
}

func (c *rawConn) read() string {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetReadDeadline(time.Now().Add(wait)))
	_, b, err := c.conn.ReadMessage()
	require.NoError(c.t, err)
	return string(b)
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	require.NoError(c.t, c.conn.WriteMessage(websocket.TextMessage, []byte(s)))
}

type connectReply struct {
	SID string `json:"sid"`
	PID string `json:"pid"`
}

func (c *rawConn) connect(auth map[string]any) connectReply {
	c.t.Helper()
	b, err := json.Marshal(auth)
	require.NoError(c.t, err)
	c.send("40" + string(b))
	msg := c.read()
	require.True(c.t, strings.HasPrefix(msg, "40{"), "CONNECT reply, got %q", msg)
	var r connectReply
	require.NoError(c.t, json.Unmarshal([]byte(msg[2:]), &r))
	return r
}

// TestRecoveryKeepsRoomsForItsOwnerOnly: with RecoveryOwner, a recovered
// socket keeps its rooms (video room included) and gets what it missed,
// while another user's token presenting the pid gets a fresh session.
func TestRecoveryKeepsRoomsForItsOwnerOnly(t *testing.T) {
	io := socketio.NewServer(socketio.Options{Recovery: &socketio.RecoveryOptions{Owner: RecoveryOwner}})
	hub := New(io, newFakeVideos(v1, v2, g1), auth.NewVerifier(secret), Options{})
	ts := httptest.NewServer(io)
	t.Cleanup(func() { io.Close(); ts.Close() })
	bobTok := token(t, "u-bob", "acme", auth.RoleMember, time.Hour)

	c := dialRaw(t, ts.URL)
	first := c.connect(map[string]any{"token": bobTok})
	require.NotEmpty(t, first.PID)
	c.send(`421["video:subscribe","` + v1.ID + `"]`)
	require.True(t, strings.HasPrefix(c.read(), `431[{"ok":true`))
	require.NoError(t, c.conn.UnderlyingConn().Close()) // cut, no DISCONNECT
	require.Eventually(t, func() bool { return io.Sockets().Socket(first.SID) == nil }, wait, 10*time.Millisecond)

	v := v1
	v.Progress, v.Stage = 70, app.StageSensitivity
	hub.VideoProgress(&v)
	bad := g1
	bad.Status, bad.Error = app.VideoFailed, "boom"
	hub.VideoFailed(&bad)

	// Carol presents Bob's pid: fresh session, nothing replayed.
	carol := dialRaw(t, ts.URL)
	cr := carol.connect(map[string]any{"token": token(t, "u-carol", "globex", auth.RoleMember, time.Hour), "pid": first.PID})
	assert.NotEqual(t, first.SID, cr.SID)
	cs := io.Sockets().Socket(cr.SID)
	require.NotNil(t, cs)
	assert.ElementsMatch(t, []string{cr.SID, "globex", "user:u-carol"}, cs.Rooms())

	// Bob recovers: the missed progress first, then the CONNECT reply.
	c2 := dialRaw(t, ts.URL)
	c2.send(`40{"token":"` + bobTok + `","pid":"` + first.PID + `"}`)
	missed := c2.read()
	assert.True(t, strings.HasPrefix(missed, `42["video:progress",{"videoId":"`+v1.ID+`","progress":70,"stage":"sensitivity"},"`), missed)
	reply := c2.read()
	assert.Equal(t, `40{"sid":"`+first.SID+`","pid":"`+first.PID+`"}`, reply)
	s := io.Sockets().Socket(first.SID)
	require.NotNil(t, s)
	assert.True(t, s.Recovered())
	assert.ElementsMatch(t, []string{first.SID, "acme", "user:u-bob", "video:" + v1.ID}, s.Rooms())
	assert.Equal(t, "u-bob", RecoveryOwner(s))
}
