package socketio_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socketlab/reference/socketio"
)

// recoveryServer has recovery on, sockets join "room" on connection and
// the middleware takes the user from auth.user (refusing "mallory" once
// banned is set).
type recoveryServer struct {
	io      *socketio.Server
	base    string
	sockets chan *socketio.Socket
	banned  chan struct{}
}

func newRecoveryServer(t *testing.T, opts socketio.RecoveryOptions) *recoveryServer {
	if opts.Owner == nil {
		opts.Owner = func(s *socketio.Socket) string { return s.Data.(string) }
	}
	rs := &recoveryServer{sockets: make(chan *socketio.Socket, 16), banned: make(chan struct{})}
	rs.io = newServer(socketio.Options{Recovery: &opts})
	rs.io.Use(func(s *socketio.Socket) error {
		user, _ := s.Handshake().Auth["user"].(string)
		select {
		case <-rs.banned:
			return errors.New("banned")
		default:
		}
		s.Data = user
		return nil
	})
	rs.io.OnConnection(func(s *socketio.Socket) {
		if !s.Recovered() {
			s.Join("room")
		}
		rs.sockets <- s
	})
	rs.base = newTestServer(t, rs.io)
	return rs
}

func (rs *recoveryServer) nextSocket(t *testing.T) *socketio.Socket {
	t.Helper()
	select {
	case s := <-rs.sockets:
		return s
	case <-time.After(within):
		t.Fatal("no connection")
		return nil
	}
}

type connectInfo struct {
	SID string `json:"sid"`
	PID string `json:"pid"`
}

func parseConnect(t *testing.T, frame string) connectInfo {
	t.Helper()
	require.True(t, strings.HasPrefix(frame, "40{"), frame)
	var ci connectInfo
	require.NoError(t, json.Unmarshal([]byte(frame[2:]), &ci))
	return ci
}

// lastArg returns the last argument of an event frame 42[...] (the offset).
func lastArg(t *testing.T, frame string) string {
	t.Helper()
	var args []any
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(frame, "42")), &args), frame)
	s, ok := args[len(args)-1].(string)
	require.True(t, ok, "last argument of %s is not an offset", frame)
	return s
}

func auth(user, pid, offset string) string {
	m := map[string]string{"user": user}
	if pid != "" {
		m["pid"] = pid
	}
	if offset != "" {
		m["offset"] = offset
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// connectFresh connects as user and returns the CONNECT reply.
func connectFresh(t *testing.T, rs *recoveryServer, user string) (*rawClient, connectInfo) {
	c := dial(t, rs.base)
	c.send("40" + auth(user, "", ""))
	return c, parseConnect(t, c.next().text)
}

func TestRecoveryReplaysMissedEventsBeforeConnectReply(t *testing.T) {
	rs := newRecoveryServer(t, socketio.RecoveryOptions{})
	c, first := connectFresh(t, rs, "alice")
	require.NotEmpty(t, first.PID)
	s := rs.nextSocket(t)
	assert.False(t, s.Recovered())

	require.NoError(t, rs.io.To("room").Emit("n", 1))
	offset := lastArg(t, c.expectPrefix(`42["n",1,"`))

	require.NoError(t, c.conn.Close()) // network cut
	eventually(t, func() bool { return !s.Connected() }, "server sees the cut")
	for i := 2; i <= 4; i++ {
		require.NoError(t, rs.io.To("room").Emit("n", i))
	}
	require.NoError(t, rs.io.Emit("everyone"))
	require.NoError(t, rs.io.To("other-room").Emit("not-for-us"))

	c2 := dial(t, rs.base)
	c2.send("40" + auth("alice", first.PID, offset))
	c2.expectPrefix(`42["n",2,"`)
	c2.expectPrefix(`42["n",3,"`)
	c2.expectPrefix(`42["n",4,"`)
	c2.expectPrefix(`42["everyone","`)
	assert.Equal(t, first, parseConnect(t, c2.next().text), "same sid and pid")
	restored := rs.nextSocket(t)
	assert.True(t, restored.Recovered())
	assert.Equal(t, s.ID(), restored.ID())
	assert.True(t, restored.InRoom("room"), "rooms restored")

	// The session is consumed: the same pid cannot restore twice.
	require.NoError(t, c2.conn.Close())
	eventually(t, func() bool { return !restored.Connected() }, "second cut seen")
	c3 := dial(t, rs.base)
	c3.send("40" + auth("alice", first.PID, offset)) // stale offset, but a valid session again
	c3.expectPrefix(`42["n",2,"`)
}

func TestRecoveryRefusals(t *testing.T) {
	cut := func(t *testing.T, rs *recoveryServer, user string) (connectInfo, string) {
		c, ci := connectFresh(t, rs, user)
		s := rs.nextSocket(t)
		require.NoError(t, rs.io.To("room").Emit("x"))
		offset := lastArg(t, c.expectPrefix(`42["x","`))
		require.NoError(t, c.conn.Close())
		eventually(t, func() bool { return !s.Connected() }, "cut seen")
		return ci, offset
	}
	expectFresh := func(t *testing.T, rs *recoveryServer, authJSON string, old connectInfo) {
		c := dial(t, rs.base)
		c.send("40" + authJSON)
		got := parseConnect(t, c.next().text)
		assert.NotEqual(t, old.SID, got.SID)
		assert.NotEqual(t, old.PID, got.PID)
		assert.False(t, rs.nextSocket(t).Recovered())
	}

	t.Run("unknown pid", func(t *testing.T) {
		rs := newRecoveryServer(t, socketio.RecoveryOptions{})
		old, offset := cut(t, rs, "alice")
		expectFresh(t, rs, auth("alice", "nope", offset), old)
	})
	t.Run("unknown offset", func(t *testing.T) {
		rs := newRecoveryServer(t, socketio.RecoveryOptions{})
		old, _ := cut(t, rs, "alice")
		expectFresh(t, rs, auth("alice", old.PID, "zzz-1"), old)
	})
	t.Run("expired session", func(t *testing.T) {
		rs := newRecoveryServer(t, socketio.RecoveryOptions{MaxDisconnectionDuration: 30 * time.Millisecond})
		old, offset := cut(t, rs, "alice")
		time.Sleep(60 * time.Millisecond) // let the session expire: the point of this test is elapsed time
		expectFresh(t, rs, auth("alice", old.PID, offset), old)
	})
	t.Run("another user's pid", func(t *testing.T) {
		rs := newRecoveryServer(t, socketio.RecoveryOptions{})
		old, offset := cut(t, rs, "alice")
		expectFresh(t, rs, auth("mallory", old.PID, offset), old)
		// and alice can still recover her own session afterwards
		c := dial(t, rs.base)
		c.send("40" + auth("alice", old.PID, offset))
		assert.Equal(t, old, parseConnect(t, c.next().text))
	})
	t.Run("packets beyond MaxPackets", func(t *testing.T) {
		rs := newRecoveryServer(t, socketio.RecoveryOptions{MaxPackets: 2})
		old, offset := cut(t, rs, "alice")
		for range 3 {
			require.NoError(t, rs.io.To("room").Emit("lost"))
		}
		expectFresh(t, rs, auth("alice", old.PID, offset), old)
	})
	t.Run("middleware runs again", func(t *testing.T) {
		rs := newRecoveryServer(t, socketio.RecoveryOptions{})
		old, offset := cut(t, rs, "alice")
		close(rs.banned)
		c := dial(t, rs.base)
		c.send("40" + auth("alice", old.PID, offset))
		c.expect(`44{"message":"banned"}`)
	})
}

func TestRecoveryWithoutOffsetStartsAtConnect(t *testing.T) {
	rs := newRecoveryServer(t, socketio.RecoveryOptions{})
	c, first := connectFresh(t, rs, "alice")
	s := rs.nextSocket(t)
	require.NoError(t, c.conn.Close()) // cut before any event arrived
	eventually(t, func() bool { return !s.Connected() }, "cut seen")
	require.NoError(t, rs.io.To("room").Emit("missed"))
	c2 := dial(t, rs.base)
	c2.send("40" + auth("alice", first.PID, ""))
	c2.expectPrefix(`42["missed","`)
	assert.Equal(t, first, parseConnect(t, c2.next().text))
}

func TestRecoveryTakesOverALiveSocket(t *testing.T) {
	rs := newRecoveryServer(t, socketio.RecoveryOptions{})
	old, first := connectFresh(t, rs, "alice")
	s := rs.nextSocket(t)
	require.NoError(t, rs.io.To("room").Emit("a"))
	offset := lastArg(t, old.expectPrefix(`42["a","`))
	// The client reconnects while the server still holds its old
	// connection (no close seen yet).
	c2 := dial(t, rs.base)
	c2.send("40" + auth("alice", first.PID, offset))
	assert.Equal(t, first, parseConnect(t, c2.next().text))
	assert.False(t, s.Connected())
	old.expectClosed()
	assert.True(t, rs.nextSocket(t).Recovered())
}

func TestRecoveryDoesNotReplayAcksAndSkipsOffsetsOnThem(t *testing.T) {
	rs := newRecoveryServer(t, socketio.RecoveryOptions{})
	c, _ := connectFresh(t, rs, "alice")
	s := rs.nextSocket(t)
	require.NoError(t, s.Emit("with-ack", 1, socketio.AckFunc(func([]any, error) {})))
	c.expect(`420["with-ack",1]`)
	require.NoError(t, s.Emit("direct", 2))
	lastArg(t, c.expectPrefix(`42["direct",2,"`))
}
