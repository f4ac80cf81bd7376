package auth

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socketlab/internal/syncbuf"
	"socketlab/reference/socketio"
)

const frameWait = 3 * time.Second

var sidReply = regexp.MustCompile(`^40\{"sid":"[A-Za-z0-9_-]{20}"\}$`)

// socketServer runs a real socketio server on 127.0.0.1 with the
// middleware and records the claims of every connected socket.
type socketServer struct {
	url string
	mu  sync.Mutex
	got []*Claims
}

func newSocketServer(t *testing.T, v *Verifier) *socketServer {
	t.Helper()
	io := socketio.NewServer(socketio.Options{})
	io.Use(v.SocketMiddleware())
	ss := &socketServer{}
	io.OnConnection(func(s *socketio.Socket) {
		c, ok := SocketClaims(s)
		assert.True(t, ok, "connected socket without claims")
		ss.mu.Lock()
		ss.got = append(ss.got, c)
		ss.mu.Unlock()
	})
	ts := httptest.NewServer(io) // listens on 127.0.0.1
	t.Cleanup(func() {
		io.Close()
		ts.Close()
	})
	ss.url = "ws" + strings.TrimPrefix(ts.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	return ss
}

func (ss *socketServer) connected() []*Claims {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return append([]*Claims(nil), ss.got...)
}

// wsClient speaks raw Engine.IO frames over one WebSocket.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialWS(t *testing.T, url string, header http.Header) *wsClient {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(url, header)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	c := &wsClient{t: t, conn: conn}
	open := c.read()
	require.True(t, strings.HasPrefix(open, `0{"sid":`), "open packet, got %q", open)
	return c
}

func (c *wsClient) send(text string) {
	c.t.Helper()
	require.NoError(c.t, c.conn.WriteMessage(websocket.TextMessage, []byte(text)))
}

// read returns the next text frame, answering pings.
func (c *wsClient) read() string {
	c.t.Helper()
	for {
		require.NoError(c.t, c.conn.SetReadDeadline(time.Now().Add(frameWait)))
		typ, data, err := c.conn.ReadMessage()
		require.NoError(c.t, err)
		require.Equal(c.t, websocket.TextMessage, typ)
		if string(data) == "2" {
			c.send("3")
			continue
		}
		return string(data)
	}
}

// expectSilence asserts that no frame but pings arrives for d.
func (c *wsClient) expectSilence(d time.Duration) {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetReadDeadline(time.Now().Add(d)))
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			var ne interface{ Timeout() bool }
			require.ErrorAs(c.t, err, &ne)
			require.True(c.t, ne.Timeout(), "connection error %v", err)
			return
		}
		require.Equal(c.t, "2", string(data), "unexpected frame")
	}
}

func connectPayload(token string) string {
	b, _ := json.Marshal(map[string]string{"token": token})
	return "40" + string(b)
}

const (
	refusedRequired = `44{"message":"Authentication required"}`
	refusedInvalid  = `44{"message":"Invalid token"}`
)

func TestSocketMiddleware(t *testing.T) {
	v := newTestVerifier()
	ss := newSocketServer(t, v)

	tests := []struct {
		name   string
		packet string
		want   string // "" means connected (40{"sid":…})
	}{
		{"valid token", connectPayload(valid()), ""},
		{"valid token with pid and offset", `40{"token":"` + valid() + `","pid":"k2Q","offset":"Xb2c-6"}`, ""},
		{"valid token of 8192 bytes", connectPayload(tokenOfLen(t, MaxTokenSize)), ""},
		{"member of another org", connectPayload(forge(hdrHS256, payload(`"userId":"u-carol"`, `"organizationId":"globex"`, `"role":"member"`), signHS256)), ""},

		{"no payload", `40`, refusedRequired},
		{"empty object", `40{}`, refusedRequired},
		{"empty token", `40{"token":""}`, refusedRequired},
		{"null token", `40{"token":null}`, refusedRequired},
		{"other member only", `40{"access_token":"` + valid() + `"}`, refusedRequired},

		{"token false", `40{"token":false}`, refusedInvalid},
		{"token 0", `40{"token":0}`, refusedInvalid},
		{"token 123", `40{"token":123}`, refusedInvalid},
		{"token object", `40{"token":{}}`, refusedInvalid},
		{"token array", `40{"token":["` + valid() + `"]}`, refusedInvalid},
		{"token abc.def", `40{"token":"abc.def"}`, refusedInvalid},
		{"alg nOnE", connectPayload(forge(`{"alg":"nOnE","typ":"JWT"}`, payload(), nil)), refusedInvalid},
		{"HS512 under the secret", connectPayload(forge(`{"alg":"HS512","typ":"JWT"}`, payload(), signHS512)), refusedInvalid},
		{"kid with empty key", connectPayload(forge(`{"alg":"HS256","kid":"../../../dev/null"}`, payload(), hs256(nil))), refusedInvalid},
		{"wrong secret", connectPayload(forge(hdrHS256, payload(), hs256([]byte("nope")))), refusedInvalid},
		{"expired beyond leeway", connectPayload(forge(hdrHS256, payload(`"exp":`+at(-8*time.Second)), signHS256)), refusedInvalid},
		{"role owner", connectPayload(forge(hdrHS256, payload(`"role":"owner"`), signHS256)), refusedInvalid},
		{"8193 bytes, validly signed", connectPayload(tokenOfLen(t, MaxTokenSize+1)), refusedInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(ss.connected())
			c := dialWS(t, ss.url, nil)
			c.send(tc.packet)
			reply := c.read()
			if tc.want == "" {
				assert.Regexp(t, sidReply, reply)
				require.Eventually(t, func() bool { return len(ss.connected()) == before+1 }, frameWait, 5*time.Millisecond)
				return
			}
			assert.Equal(t, tc.want, reply)
			c.expectSilence(100 * time.Millisecond)
			assert.Len(t, ss.connected(), before, "a refused socket must not connect")
		})
	}
}

func TestSocketTokenOnlyOutsidePayload(t *testing.T) {
	ss := newSocketServer(t, newTestVerifier())
	tok := valid()

	t.Run("query string", func(t *testing.T) {
		c := dialWS(t, ss.url+"&token="+tok+"&access_token="+tok, nil)
		c.send("40")
		assert.Equal(t, refusedRequired, c.read())
	})
	t.Run("headers and cookie", func(t *testing.T) {
		h := http.Header{}
		h.Set("Authorization", "Bearer "+tok)
		h.Set("Cookie", "token="+tok)
		c := dialWS(t, ss.url, h)
		c.send("40{}")
		assert.Equal(t, refusedRequired, c.read())
	})
	assert.Empty(t, ss.connected())
}

func TestSocketClaimsAndRetry(t *testing.T) {
	ss := newSocketServer(t, newTestVerifier())
	c := dialWS(t, ss.url, nil)

	// A refusal leaves the connection open; the client may try again.
	c.send(connectPayload(forge(`{"alg":"none"}`, payload(), nil)))
	assert.Equal(t, refusedInvalid, c.read())
	c.send(connectPayload(forge(hdrHS256, payload(`"userId":"u-bob"`, `"role":"member"`), signHS256)))
	assert.Regexp(t, sidReply, c.read())

	require.Eventually(t, func() bool { return len(ss.connected()) == 1 }, frameWait, 5*time.Millisecond)
	got := ss.connected()[0]
	assert.Equal(t, "u-bob", got.UserID)
	assert.Equal(t, "acme", got.OrganizationID)
	assert.Equal(t, RoleMember, got.Role)
	assert.Equal(t, time.Hour+Leeway, got.ExpiresIn(now))
}

func TestSocketMiddlewareLogsCause(t *testing.T) {
	var buf syncbuf.Buffer
	v := NewVerifier(secret, WithClock(fixedClock), WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	ss := newSocketServer(t, v)
	c := dialWS(t, ss.url, nil)
	bad := forge(`{"alg":"HS256","jku":"http://127.0.0.1:1/jwks.json"}`, payload(), signHS256)
	c.send(connectPayload(bad))
	assert.Equal(t, refusedInvalid, c.read())
	logged := buf.String()
	assert.Contains(t, logged, "forbidden header parameter")
	assert.Contains(t, logged, "via=socket.io")
	assert.NotContains(t, logged, bad, "the token must not be logged")
}
