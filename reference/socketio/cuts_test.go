package socketio_test

import (
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socketlab/reference/socketio"
	"socketlab/reference/socketio/client"
)

// cutsResult is what the Go client saw of the numbered events while its
// connection was cut again and again.
type cutsResult struct {
	emitted    int
	received   []int
	lost       int
	duplicated int
	outOfOrder int
	recovered  int
	reconnects int
}

// runCuts connects the Go client through a proxy, emits numbered events to
// a room from the server at a steady pace, and resets every TCP
// connection `cuts` times, each once the client is back and has received
// something since the previous cut. Then it stops emitting and waits until
// the last event arrived (recovery on) or a quiet period passed.
func runCuts(t *testing.T, cuts int, recovery bool, transports []string) cutsResult {
	t.Helper()
	opts := socketio.Options{}
	if recovery {
		opts.Recovery = &socketio.RecoveryOptions{}
	}
	io := socketio.NewServer(opts)
	io.OnConnection(func(s *socketio.Socket) {
		if !s.Recovered() {
			s.Join("numbers")
		}
	})
	ts := httptest.NewServer(io)
	t.Cleanup(func() { io.Close(); ts.Close() })
	proxy := newCutProxy(t, ts.Listener.Addr().String())

	var mu sync.Mutex
	var res cutsResult
	received := make(chan int, 1<<16)
	connects := make(chan bool, 1024)
	noAuto := false
	c := client.Connect("http://"+proxy.addr(), client.Options{
		ReconnectionDelay:    5 * time.Millisecond,
		ReconnectionDelayMax: 20 * time.Millisecond,
		AutoConnect:          &noAuto, // handlers first, then connect
		Transports:           transports,
	})
	t.Cleanup(c.Disconnect)
	disconnects := make(chan string, 1024)
	c.OnConnect(func() { connects <- c.Recovered() })
	c.OnDisconnect(func(reason string) { disconnects <- reason })
	c.On("n", func(e *client.Event) {
		var n int
		require.NoError(t, e.Bind(0, &n))
		mu.Lock()
		res.received = append(res.received, n)
		mu.Unlock()
		received <- n
	})
	waitConnect := func() bool {
		select {
		case r := <-connects:
			return r
		case <-time.After(10 * time.Second):
			t.Fatalf("client did not (re)connect (after %d cuts)", res.reconnects)
			return false
		}
	}
	waitEvent := func() {
		select {
		case <-received:
		case <-time.After(10 * time.Second):
			t.Fatal("no event arrived")
		}
	}
	c.Connect()
	waitConnect()

	stop := make(chan struct{})
	emitterDone := make(chan int)
	go func() {
		n := 0
		tick := time.NewTicker(500 * time.Microsecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				emitterDone <- n
				return
			case <-tick.C:
				n++
				_ = io.To("numbers").Emit("n", n)
			}
		}
	}()

	for range cuts {
		waitEvent()
		for len(received) > 0 { // drain, so the next wait needs a fresh event
			<-received
		}
		// Over polling, a cut between two requests breaks nothing (the next
		// request opens a new connection): cut until the client notices.
	cutting:
		for {
			proxy.cutAll()
			select {
			case <-disconnects:
				break cutting
			case <-time.After(50 * time.Millisecond):
			}
		}
		res.reconnects++
		if waitConnect() {
			res.recovered++
		}
	}
	waitEvent()
	close(stop)
	res.emitted = <-emitterDone

	// Let the tail arrive: with recovery everything up to `emitted` must;
	// without, wait for a quiet moment.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		last := 0
		if n := len(res.received); n > 0 {
			last = res.received[n-1]
		}
		mu.Unlock()
		if last == res.emitted {
			break
		}
		select {
		case <-received:
		case <-time.After(200 * time.Millisecond):
			if !recovery {
				deadline = time.Now()
			}
		}
	}

	mu.Lock()
	defer mu.Unlock()
	seen := make(map[int]int, len(res.received))
	prev := 0
	for _, n := range res.received {
		seen[n]++
		if n <= prev {
			res.outOfOrder++
		}
		prev = n
	}
	for n := 1; n <= res.emitted; n++ {
		switch c := seen[n]; {
		case c == 0:
			res.lost++
			if res.lost <= 10 {
				t.Logf("lost event %d", n)
			}
		case c > 1:
			res.duplicated += c - 1
		}
	}
	return res
}

func (r cutsResult) String() string {
	b, _ := json.Marshal(map[string]int{
		"emitted": r.emitted, "received": len(r.received), "lost": r.lost,
		"duplicated": r.duplicated, "outOfOrder": r.outOfOrder,
		"reconnects": r.reconnects, "recovered": r.recovered,
	})
	return string(b)
}

// With connection state recovery, 100 network cuts lose nothing: every
// numbered event arrives exactly once and in order.
// It runs over each transport setting: polling only, WebSocket only, and
// the default (polling, then the upgrade, which the cuts often interrupt).
func TestHundredCutsWithRecoveryLoseNothing(t *testing.T) {
	for name, transports := range map[string][]string{
		"polling":   {"polling"},
		"websocket": {"websocket"},
		"default":   nil,
	} {
		t.Run(name, func(t *testing.T) {
			res := runCuts(t, 100, true, transports)
			t.Logf("recovery on, %s: %s", name, res)
			require.Equal(t, 100, res.reconnects)
			require.Equal(t, 100, res.recovered, "every reconnect restored the session")
			require.Zero(t, res.lost, "lost events")
			require.Zero(t, res.duplicated, "duplicated events")
			require.Zero(t, res.outOfOrder, "events out of order")
		})
	}
}

// Without recovery, each cut loses what was emitted while the client was
// away (the reconnect yields a fresh socket, which rejoins the room only
// on connection): this documents the loss that recovery removes.
func TestHundredCutsWithoutRecoveryLoseEvents(t *testing.T) {
	res := runCuts(t, 100, false, nil)
	t.Logf("recovery off: %s", res)
	require.Equal(t, 0, res.recovered)
	require.Positive(t, res.lost, "events emitted during the cuts are lost")
	require.Zero(t, res.duplicated, "a fresh session never replays")
	require.Zero(t, res.outOfOrder)
}
