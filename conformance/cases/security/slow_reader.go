package security

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wirelog"
)

// announcements is how many 1000-character announcements the case sends:
// about 3 MB per socket, beyond what the kernel buffers of a stalled
// socket hold once the stalled client shrinks its receive window, so the
// server's own queue for it fills up.
const announcements = 3000

func init() {
	suite.Register(suite.Case{
		ID: "SECURITY-SLOW-READER-1", Level: suite.LevelSecurity, On: suite.App, Strength: suite.Must,
		Title: "A client that stops reading harms nobody else",
		Requirement: `"The server MUST NOT answer a 5xx to, or stop on, any request or packet"; announcements go to "every connected socket, once" — ` +
			`so a socket that stops reading may lose its own session, but every other socket MUST still get every announcement, and the server stays up.`,
		Source: "contract SEC-9, ANN-4",
		Steps: []string{
			"connect a raw WebSocket client with a 4 KiB receive buffer, join with a valid token, then stop reading",
			"connect a healthy observer in another organization",
			fmt.Sprintf("as an admin, POST %d announcements of 1000 characters (8 at a time)", announcements),
			"every POST answers 202 (no 5xx), the observer receives all of them once; POST latency and the observer's lag are recorded",
		},
		Hostile: true,
		Timeout: 90 * time.Second,
		Run:     slowReaderHarmsNobody,
	})
}

func slowReaderHarmsNobody(c *suite.C) error {
	stalledToken := newToken(c, jwtmint.Member)
	stalled, err := dialStalled(c, stalledToken)
	if err != nil {
		return err
	}
	defer stalled.Close()

	observerToken := newToken(c, jwtmint.Member)
	// The observer's 3000 announcements would make a 4 MB wire log: it
	// records nothing, and the case reports counts and timings instead.
	observer, err := sioclient.Dial(c.Ctx, c.URL(), map[string]any{"token": observerToken}, sioclient.Options{Name: "observer"})
	if observer != nil {
		defer observer.Close()
	}
	if err != nil {
		return err
	}
	adminToken := newToken(c, jwtmint.Admin)

	began := time.Now()
	maxPost, err := postAnnouncements(c, adminToken)
	if err != nil {
		return err
	}
	c.Measure("announcements", announcements)
	c.Measure("max_post_ms", maxPost.Milliseconds())
	c.Measure("post_all_ms", time.Since(began).Milliseconds())

	ctx, cancel := c.Within(c.Heartbeat() + 10*time.Second)
	defer cancel()
	if err := waitAllAnnouncements(ctx, observer); err != nil {
		return err
	}
	done := time.Since(began)
	c.Measure("observer_done_ms", done.Milliseconds())
	c.Observed("observer got all %d announcements %v after the first POST; slowest POST %v", announcements,
		done.Round(time.Millisecond), maxPost.Round(time.Millisecond))
	if maxPost > time.Second {
		return suite.NonStrict("a POST took %v while a socket was stalled: the stalled socket slows down others", maxPost)
	}
	return nil
}

// dialStalled joins over a raw WebSocket with a tiny receive buffer and
// never reads after the CONNECT reply.
func dialStalled(c *suite.C, token string) (*websocket.Conn, error) {
	dialer := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4096)
		}
		return conn, err
	}, HandshakeTimeout: 10 * time.Second}
	u := "ws" + strings.TrimPrefix(c.URL(), "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := dialer.DialContext(c.Ctx, u, nil)
	if err != nil {
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, open, err := conn.ReadMessage()
	if err != nil {
		conn.Close()
		return nil, err
	}
	c.Log.Add(wirelog.In, "ws-text", "stalled", open)
	connect := []byte(`40{"token":"` + token + `"}`)
	c.Log.Add(wirelog.Out, "ws-text", "stalled", connect)
	if err := conn.WriteMessage(websocket.TextMessage, connect); err != nil {
		conn.Close()
		return nil, err
	}
	_, reply, err := conn.ReadMessage()
	if err != nil {
		conn.Close()
		return nil, err
	}
	c.Log.Add(wirelog.In, "ws-text", "stalled", reply)
	if !strings.HasPrefix(string(reply), "40") {
		conn.Close()
		return nil, fmt.Errorf("the stalled client was not admitted: %s", reply)
	}
	c.Logf("stalled client joined; it reads nothing from now on")
	return conn, nil
}

// postAnnouncements sends the announcements 8 at a time and returns the
// slowest POST. A 5xx or any status but 202 is a violation.
func postAnnouncements(c *suite.C, token string) (time.Duration, error) {
	client := rest.New(c.URL(), nil) // a thousand exchanges would drown the wire log
	var (
		next    atomic.Int64
		slowest atomic.Int64
		mu      sync.Mutex
		first   error
		wg      sync.WaitGroup
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= announcements; i = next.Add(1) {
				body := map[string]string{"message": fmt.Sprintf("%06d %s", i, strings.Repeat("x", 993))}
				began := time.Now()
				resp, err := client.PostJSON(c.Ctx, "/api/announcements", token, body)
				took := time.Since(began)
				for old := slowest.Load(); int64(took) > old && !slowest.CompareAndSwap(old, int64(took)); old = slowest.Load() {
				}
				if err == nil && resp.Status != http.StatusAccepted {
					err = suite.Violationf("202 for every announcement", "announcement %d: %s", i, resp.Summary())
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Duration(slowest.Load()), first
}

// waitAllAnnouncements waits until the observer holds every announcement
// exactly once, looking at each received packet once.
func waitAllAnnouncements(ctx context.Context, observer *sioclient.Socket) error {
	seen := map[string]int{}
	twice := ""
	_, err := observer.Wait(ctx, func(r sioclient.Received) bool {
		var body struct {
			Message string `json:"message"`
		}
		if !r.IsEvent() || r.Event != "server:announcement" || r.Arg(0, &body) != nil || len(body.Message) < 6 {
			return false
		}
		key := body.Message[:6]
		seen[key]++
		if seen[key] > 1 {
			twice = key
		}
		return twice != "" || len(seen) >= announcements
	})
	switch {
	case twice != "":
		return suite.Violationf("each announcement once", "announcement %s arrived %d times", twice, seen[twice])
	case err != nil:
		return suite.Violationf(fmt.Sprintf("all %d announcements at the healthy observer", announcements), "%d arrived", len(seen))
	}
	return nil
}
