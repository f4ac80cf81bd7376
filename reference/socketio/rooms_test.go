package socketio_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"socketlab/reference/socketio"
)

// roomFixture connects n raw clients to "/" and returns them with their
// server-side sockets, in the same order.
func roomFixture(t *testing.T, io *socketio.Server, n int) ([]*rawClient, []*socketio.Socket) {
	t.Helper()
	joined := make(chan *socketio.Socket, n)
	io.OnConnection(func(s *socketio.Socket) { joined <- s })
	base := newTestServer(t, io)
	clients := make([]*rawClient, n)
	sockets := make([]*socketio.Socket, n)
	for i := range clients {
		clients[i] = dial(t, base)
		sid := clients[i].connect("/", "")
		sockets[i] = <-joined
		assert.Equal(t, sid, sockets[i].ID())
	}
	return clients, sockets
}

const quiet = 100 * time.Millisecond

func TestBroadcastFromSocketExcludesSender(t *testing.T) {
	io := newServer(socketio.Options{})
	c, s := roomFixture(t, io, 3)
	for _, sock := range s {
		sock.Join("r1")
	}
	assert.NoError(t, s[0].To("r1").Emit("hello", 1))
	c[1].expect(`42["hello",1]`)
	c[2].expect(`42["hello",1]`)
	c[0].expectNothing(quiet)

	assert.NoError(t, s[0].Broadcast().Emit("all-but-me"))
	c[1].expect(`42["all-but-me"]`)
	c[2].expect(`42["all-but-me"]`)
	c[0].expectNothing(quiet)
}

func TestToIsAUnionDeliveredOnce(t *testing.T) {
	io := newServer(socketio.Options{})
	c, s := roomFixture(t, io, 3)
	s[0].Join("a", "b")
	s[1].Join("b")
	assert.NoError(t, io.To("a").To("b").Emit("once"))
	c[0].expect(`42["once"]`)
	c[1].expect(`42["once"]`)
	c[0].expectNothing(quiet)
	c[2].expectNothing(0)
}

func TestExceptAndSingleSocketRoom(t *testing.T) {
	io := newServer(socketio.Options{})
	c, s := roomFixture(t, io, 3)
	s[0].Join("vip")
	assert.NoError(t, io.Except("vip").Emit("plebs"))
	c[1].expect(`42["plebs"]`)
	c[2].expect(`42["plebs"]`)
	c[0].expectNothing(quiet)

	// Every socket is alone in the room named after its id.
	assert.NoError(t, io.To(s[2].ID()).Emit("direct"))
	c[2].expect(`42["direct"]`)
	c[0].expectNothing(quiet)
	c[1].expectNothing(0)

	assert.NoError(t, io.Emit("everyone"))
	for _, client := range c {
		client.expect(`42["everyone"]`)
	}
}

func TestRoomsAreLeftOnDisconnect(t *testing.T) {
	io := newServer(socketio.Options{})
	c, s := roomFixture(t, io, 2)
	s[0].Join("r")
	s[1].Join("r")
	assert.ElementsMatch(t, []string{s[0].ID(), "r"}, s[0].Rooms())
	assert.Equal(t, 2, io.Sockets().RoomSize("r"))
	c[0].send("41")
	eventually(t, func() bool { return io.Sockets().RoomSize("r") == 1 }, "room r keeps one member")
	assert.Equal(t, 0, io.Sockets().RoomSize(s[0].ID()))
	s[1].Leave("r")
	assert.Equal(t, 0, io.Sockets().RoomSize("r"))
	assert.Equal(t, 1, io.Sockets().Len())
}

func TestBroadcastAcrossNamespacesIsIsolated(t *testing.T) {
	io := newServer(socketio.Options{})
	admin := io.Of("/admin")
	base := newTestServer(t, io)
	c := dial(t, base)
	c.connect("/", "")
	c.connect("/admin", "")
	assert.NoError(t, admin.Emit("only-admin"))
	c.expect(`42/admin,["only-admin"]`)
	c.expectNothing(quiet)
}
