package realtime

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socketlab/reference/app"
	"socketlab/reference/app/auth"
)

const notFoundAck = `[{"error":"Video not found","ok":false}]` // keys sorted by re-encoding

func TestAuthRefusals(t *testing.T) {
	e := newEnv(t, Options{})
	assert.Equal(t, "Authentication required", e.connectError(nil))
	assert.Equal(t, "Authentication required", e.connectError(map[string]any{"token": ""}))
	assert.Equal(t, "Invalid token", e.connectError(map[string]any{"token": "abc.def"}))
	assert.Equal(t, "Invalid token", e.connectError(map[string]any{"token": 123}))
	bad, err := auth.Sign([]byte("other secret"), auth.NewClaims("u-alice", "acme", auth.RoleAdmin, time.Hour))
	require.NoError(t, err)
	assert.Equal(t, "Invalid token", e.connectError(map[string]any{"token": bad}))
	assert.Equal(t, 0, e.io.Sockets().Len())
}

func TestRoomsOnConnect(t *testing.T) {
	e := newEnv(t, Options{})
	bob := e.connect("bob", token(t, "u-bob", "acme", auth.RoleMember, time.Hour))
	s := e.io.Sockets().Socket(bob.s.ID())
	require.NotNil(t, s)
	assert.ElementsMatch(t, []string{s.ID(), "acme", "user:u-bob"}, s.Rooms())
	assert.Equal(t, "u-bob", RecoveryOwner(s))

	assert.JSONEq(t, `[{"ok":true,"video":`+mustJSON(t, v1)+`}]`, bob.emitAck(EventSubscribe, v1.ID))
	assert.ElementsMatch(t, []string{s.ID(), "acme", "user:u-bob", "video:" + v1.ID}, s.Rooms())
	// Twice is harmless.
	bob.emitAck(EventSubscribe, v1.ID)
	assert.ElementsMatch(t, []string{s.ID(), "acme", "user:u-bob", "video:" + v1.ID}, s.Rooms())

	assert.Equal(t, `[{"ok":true}]`, bob.emitAck(EventUnsubscribe, v1.ID))
	assert.ElementsMatch(t, []string{s.ID(), "acme", "user:u-bob"}, s.Rooms())
	// Not subscribed: same answer, rooms kept.
	assert.Equal(t, `[{"ok":true}]`, bob.emitAck(EventUnsubscribe, v2.ID))
	assert.Equal(t, `[{"ok":true}]`, bob.emitAck(EventUnsubscribe, "acme"))
	assert.ElementsMatch(t, []string{s.ID(), "acme", "user:u-bob"}, s.Rooms())
	// Validation failure of unsubscribe answers through the ack.
	assert.Equal(t, `[{"error":"videoId must be a string","ok":false}]`, bob.emitAck(EventUnsubscribe, 42))
	assert.True(t, bob.s.Connected())
}

func TestSubscribeStreamURL(t *testing.T) {
	e := newEnv(t, Options{StreamURL: func(v *app.Video) string { return "/api/videos/" + v.ID + "/stream?exp=1&sig=x" }})
	bob := e.connect("bob", token(t, "u-bob", "acme", auth.RoleMember, time.Hour))
	var res []struct {
		OK    bool      `json:"ok"`
		Video app.Video `json:"video"`
	}
	require.NoError(t, json.Unmarshal([]byte(bob.emitAck(EventSubscribe, v1.ID)), &res))
	require.Len(t, res, 1)
	assert.True(t, res[0].OK)
	assert.Equal(t, "/api/videos/"+v1.ID+"/stream?exp=1&sig=x", res[0].Video.StreamURL)
	res[0].Video.StreamURL = ""
	assert.Equal(t, v1, res[0].Video)
}

func TestSubscribeRefusalsIdentical(t *testing.T) {
	e := newEnv(t, Options{})
	bob := e.connect("bob", token(t, "u-bob", "acme", auth.RoleMember, time.Hour))
	s := e.io.Sockets().Socket(bob.s.ID())
	require.NotNil(t, s)
	cases := map[string][]any{
		"foreign":     {g1.ID},
		"missing":     {"66a1f0c2e4b0a1d2c3e4f000"},
		"malformed":   {"../../etc/passwd"},
		"empty":       {""},
		"too long":    {strings.Repeat("a", 65)},
		"room name":   {"user:u-carol"},
		"number":      {42},
		"object":      {map[string]any{"$ne": nil}},
		"null":        {nil},
		"no argument": {},
	}
	for name, args := range cases {
		assert.Equal(t, notFoundAck, bob.emitAck(EventSubscribe, args...), name)
	}
	assert.ElementsMatch(t, []string{s.ID(), "acme", "user:u-bob"}, s.Rooms(), "joined nothing")

	// Without an ack id: the same decision, silently; still connected.
	require.NoError(t, bob.s.Emit(EventSubscribe, g1.ID))
	require.NoError(t, bob.s.Emit(EventSubscribe, v2.ID))
	require.Eventually(t, func() bool { return s.InRoom("video:" + v2.ID) }, wait, 10*time.Millisecond)
	assert.False(t, s.InRoom("video:"+g1.ID))
	assert.True(t, bob.s.Connected())
}

// TestSubscribeRefusalsRawFrames checks the exact bytes on the wire: the
// refusals are identical packets.
func TestSubscribeRefusalsRawFrames(t *testing.T) {
	e := newEnv(t, Options{})
	ws := "ws" + strings.TrimPrefix(e.url, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := websocket.DefaultDialer.Dial(ws, nil)
	require.NoError(t, err)
	defer conn.Close()
	read := func() string {
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(wait)))
		_, b, err := conn.ReadMessage()
		require.NoError(t, err)
		return string(b)
	}
	send := func(s string) { require.NoError(t, conn.WriteMessage(websocket.TextMessage, []byte(s))) }
	require.True(t, strings.HasPrefix(read(), "0{"))
	send(`40{"token":"` + token(t, "u-bob", "acme", auth.RoleMember, time.Hour) + `"}`)
	require.True(t, strings.HasPrefix(read(), `40{"sid":`))

	for i, arg := range []string{`"` + g1.ID + `"`, `"66a1f0c2e4b0a1d2c3e4f000"`, `"a/b"`, `42`, `{"$ne":null}`, `["x"]`} {
		id := string(rune('1' + i))
		send(`42` + id + `["video:subscribe",` + arg + `]`)
		assert.Equal(t, `43`+id+`[{"ok":false,"error":"Video not found"}]`, read(), arg)
	}
	send(`427["video:subscribe"]`)
	assert.Equal(t, `437[{"ok":false,"error":"Video not found"}]`, read())
	send(`428["video:delete","x"]`)
	assert.Equal(t, `438[{"ok":false,"error":"Unknown event"}]`, read())
	send(`429["video:unsubscribe",42]`)
	assert.Equal(t, `439[{"ok":false,"error":"videoId must be a string"}]`, read())
	send(`4210["video:subscribe","` + v1.ID + `"]`)
	assert.Equal(t, `4310[{"ok":true,"video":`+mustJSON(t, v1)+`}]`, read())
}

func TestProcessingEventsReachOrganizationOnce(t *testing.T) {
	e := newEnv(t, Options{})
	alice1 := e.connect("alice1", token(t, "u-alice", "acme", auth.RoleAdmin, time.Hour))
	alice2 := e.connect("alice2", token(t, "u-alice", "acme", auth.RoleAdmin, time.Hour))
	bob := e.connect("bob", token(t, "u-bob", "acme", auth.RoleMember, time.Hour))
	carol := e.connect("carol", token(t, "u-carol", "globex", auth.RoleAdmin, time.Hour))
	dave := e.connect("dave", token(t, "u-dave", "globex", auth.RoleMember, time.Hour))
	acme := []*peer{alice1, alice2, bob}
	globex := []*peer{carol, dave}
	everyone := append(append([]*peer{}, acme...), globex...)

	// Bob is in "acme" and subscribed to V1: the union delivers once.
	assert.Contains(t, bob.emitAck(EventSubscribe, v1.ID), `"ok":true`)
	// Dave tries every way into acme's rooms.
	require.NoError(t, dave.s.Emit("join", "acme"))
	require.NoError(t, dave.s.Emit("room:join", "user:u-alice"))
	require.NoError(t, dave.s.Emit("join", "video:"+v1.ID))
	assert.Equal(t, notFoundAck, dave.emitAck(EventSubscribe, v1.ID))
	assert.Equal(t, notFoundAck, dave.emitAck(EventSubscribe, "user:u-alice"))
	assert.Equal(t, notFoundAck, dave.emitAck(EventSubscribe, "acme"))
	ds := e.io.Sockets().Socket(dave.s.ID())
	require.NotNil(t, ds)
	assert.ElementsMatch(t, []string{ds.ID(), "globex", "user:u-dave"}, ds.Rooms())

	// Clients cannot forge server events.
	require.NoError(t, dave.s.Emit(EventProgress, map[string]any{"videoId": v1.ID, "progress": 10, "stage": "metadata"}))
	require.NoError(t, dave.s.Emit(EventAnnouncement, map[string]any{"message": "Free pizza", "from": "u-dave", "at": "x"}))

	v := v1
	v.Progress, v.Stage = 10, app.StageMetadata
	e.hub.VideoProgress(&v)
	v.Progress, v.Stage = 40, app.StageThumbnail
	e.hub.VideoProgress(&v)
	done := v1
	done.Status, done.Progress, done.Stage = app.VideoCompleted, 100, ""
	done.Metadata = json.RawMessage(`{"duration":2,"width":320}`)
	done.Sensitivity = json.RawMessage(`{"status":"safe"}`)
	done.Thumbnail = "/api/videos/" + v1.ID + "/thumbnail"
	e.hub.VideoProcessed(&done)
	e.barrier(everyone...)

	for _, p := range acme {
		assert.Equal(t, []string{
			`[{"progress":10,"stage":"metadata","videoId":"` + v1.ID + `"}]`,
			`[{"progress":40,"stage":"thumbnail","videoId":"` + v1.ID + `"}]`,
		}, p.all(EventProgress), p.name)
		assert.Equal(t, []string{
			`[{"metadata":{"duration":2,"width":320},"sensitivity":{"status":"safe"},"status":"completed","thumbnail":"/api/videos/` + v1.ID + `/thumbnail","videoId":"` + v1.ID + `"}]`,
		}, p.all(EventProcessed), p.name)
	}
	// Personal notification: Alice's two sockets only, after the terminal event.
	for _, p := range []*peer{alice1, alice2} {
		assert.Equal(t, []string{
			`[{"kind":"video:ready","message":"Your video \"standup.mp4\" is ready","videoId":"` + v1.ID + `"}]`,
		}, p.all(EventPersonal), p.name)
		p.mu.Lock()
		assert.Less(t, indexOf(p.lifecycle, "event:"+EventProcessed), indexOf(p.lifecycle, "event:"+EventPersonal))
		p.mu.Unlock()
	}
	assert.Empty(t, bob.all(EventPersonal))
	for _, p := range globex {
		p.mu.Lock()
		for _, r := range p.events {
			assert.Equal(t, EventAnnouncement, r.name, "%s received %s", p.name, r.json)
			assert.NotContains(t, r.json, v1.ID)
			assert.NotContains(t, r.json, "Free pizza")
		}
		p.mu.Unlock()
	}
	for _, p := range everyone {
		assert.Len(t, p.all(EventAnnouncement), 1, p.name) // the barrier only: the forged one reached nobody
	}

	// A failed globex video: Carol notified, acme hears nothing.
	bad := g1
	bad.Status, bad.Progress, bad.Stage, bad.Error = app.VideoFailed, 10, app.StageMetadata, "No decodable video stream"
	e.hub.VideoFailed(&bad)
	e.barrier(everyone...)
	for _, p := range globex {
		assert.Equal(t, []string{`[{"error":"No decodable video stream","videoId":"` + g1.ID + `"}]`}, p.all(EventFailed), p.name)
	}
	assert.Equal(t, []string{`[{"kind":"video:failed","message":"Your video \"secret.mp4\" could not be processed","videoId":"` + g1.ID + `"}]`}, carol.all(EventPersonal))
	assert.Empty(t, dave.all(EventPersonal))
	for _, p := range acme {
		assert.Empty(t, p.all(EventFailed), p.name)
		for _, j := range append(p.all(EventPersonal), p.all(EventProgress)...) {
			assert.NotContains(t, j, g1.ID, p.name)
		}
	}
}

func TestAnnounceReachesEveryOrganization(t *testing.T) {
	e := newEnv(t, Options{})
	alice := e.connect("alice", token(t, "u-alice", "acme", auth.RoleAdmin, time.Hour))
	carol := e.connect("carol", token(t, "u-carol", "globex", auth.RoleMember, time.Hour))
	at := time.Date(2026, 11, 26, 13, 5, 9, 412_000_000, time.FixedZone("CET", 3600))
	e.hub.Announce(app.Announcement{Message: "Maintenance at 22:00 UTC 😀", From: "u-alice", At: at})
	want := `[{"at":"2026-11-26T12:05:09.412Z","from":"u-alice","message":"Maintenance at 22:00 UTC 😀"}]`
	for _, p := range []*peer{alice, carol} {
		p.until("announcement", func() bool { return len(p.events) > 0 })
		assert.Equal(t, []string{want}, p.all(EventAnnouncement), p.name)
	}
}

func TestUnknownEventIgnored(t *testing.T) {
	e := newEnv(t, Options{})
	bob := e.connect("bob", token(t, "u-bob", "acme", auth.RoleMember, time.Hour))
	require.NoError(t, bob.s.Emit("video:delete", v1.ID))
	assert.Equal(t, `[{"error":"Unknown event","ok":false}]`, bob.emitAck("video:delete", v1.ID))
	assert.Contains(t, bob.emitAck(EventSubscribe, v1.ID), `"ok":true`)
	assert.True(t, bob.s.Connected())
}

func TestSessionExpired(t *testing.T) {
	// The hub's clock runs 5 s ahead, which cancels the leeway: a token
	// of 1 s expires for the hub about 1 s after connecting.
	e := newEnv(t, Options{Now: func() time.Time { return time.Now().Add(auth.Leeway) }})
	short := e.connect("short", token(t, "u-bob", "acme", auth.RoleMember, time.Second))
	long := e.connect("long", token(t, "u-bob", "acme", auth.RoleMember, time.Hour))
	start := time.Now()
	short.until("disconnect", func() bool {
		return len(short.lifecycle) > 0 && strings.HasPrefix(short.lifecycle[len(short.lifecycle)-1], "disconnect:")
	})
	assert.Less(t, time.Since(start), 3*time.Second)
	short.mu.Lock()
	assert.Equal(t, []string{"event:" + EventExpired, "disconnect:io server disconnect"}, short.lifecycle)
	short.mu.Unlock()
	assert.Equal(t, []string{`[{"message":"Token expired"}]`}, short.all(EventExpired))
	assert.Nil(t, e.io.Sockets().Socket(short.s.ID()))

	// The long-lived socket is untouched.
	e.barrier(long)
	assert.Empty(t, long.all(EventExpired))
	assert.True(t, long.s.Connected())
}

func TestExpiryTimerStoppedOnDisconnect(t *testing.T) {
	e := newEnv(t, Options{Now: func() time.Time { return time.Now().Add(auth.Leeway) }})
	p := e.connect("short", token(t, "u-bob", "acme", auth.RoleMember, time.Second))
	id := p.s.ID()
	p.s.Disconnect()
	require.Eventually(t, func() bool { return e.io.Sockets().Socket(id) == nil }, wait, 10*time.Millisecond)
	time.Sleep(1500 * time.Millisecond) // past the expiry: the stopped timer does nothing
	assert.Empty(t, p.all(EventExpired))
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func indexOf(xs []string, x string) int {
	for i, s := range xs {
		if s == x {
			return i
		}
	}
	return -1
}
