package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"socketlab/reference/app/auth"
)

var secret = []byte("test-secret")

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.DataDir = t.TempDir()
	cfg.Secret = secret
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, s.Open(ln))
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func do(t *testing.T, method, url string, hdr map[string]string, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

func TestNewNeedsSecret(t *testing.T) {
	_, err := New(Config{DataDir: t.TempDir()})
	require.Error(t, err)
}

// TestWebUI: "/" is the UI's page and "/static/" its files (package web);
// other paths outside /api/ and /socket.io/ are unknown.
func TestWebUI(t *testing.T) {
	s := start(t, Config{})
	res, body := do(t, "GET", s.URL()+"/", nil, "")
	require.Equal(t, 200, res.StatusCode)
	require.Contains(t, res.Header.Get("Content-Type"), "text/html")
	require.Contains(t, body, `<script type="module" src="/static/app/main.js">`)
	res, body = do(t, "GET", s.URL()+"/static/client/index.js", nil, "")
	require.Equal(t, 200, res.StatusCode)
	require.Contains(t, res.Header.Get("Content-Type"), "javascript")
	require.Contains(t, body, "export function io(")
	for _, path := range []string{"/nope", "/static/", "/static/client/", "/static/nope.js"} {
		res, _ = do(t, "GET", s.URL()+path, nil, "")
		require.Equal(t, 404, res.StatusCode, path)
	}
}

func TestDevLogin(t *testing.T) {
	s := start(t, Config{DevMode: true})
	res, body := do(t, "POST", s.URL()+"/api/dev/login", nil, `{"userId":"bob"}`)
	require.Equal(t, 200, res.StatusCode, body)
	var out struct {
		Token string   `json:"token"`
		User  DemoUser `json:"user"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &out))
	require.Equal(t, DemoUser{"bob", "acme", "member"}, out.User)
	c, err := auth.NewVerifier(secret).Verify(out.Token)
	require.NoError(t, err)
	require.Equal(t, "acme", c.OrganizationID)

	// The token works on the API.
	res, body = do(t, "GET", s.URL()+"/api/videos", map[string]string{"Authorization": "Bearer " + out.Token}, "")
	require.Equal(t, 200, res.StatusCode, body)

	res, _ = do(t, "POST", s.URL()+"/api/dev/login", nil, `{"userId":"mallory"}`)
	require.Equal(t, 400, res.StatusCode)
	res, _ = do(t, "POST", s.URL()+"/api/dev/login", nil, `nope`)
	require.Equal(t, 400, res.StatusCode)
}

func TestDevLoginOff(t *testing.T) {
	s := start(t, Config{})
	res, body := do(t, "POST", s.URL()+"/api/dev/login", nil, `{"userId":"alice"}`)
	require.Equal(t, 404, res.StatusCode, body)
}

func TestCORS(t *testing.T) {
	const app = "https://app.example"
	s := start(t, Config{AllowedOrigins: []string{app}})
	tok, err := auth.Sign(secret, auth.NewClaims("alice", "acme", "admin", 3600e9))
	require.NoError(t, err)
	bearer := "Bearer " + tok

	// SEC-1
	for _, origin := range []string{app, s.URL()} {
		res, body := do(t, "GET", s.URL()+"/api/videos", map[string]string{"Origin": origin, "Authorization": bearer}, "")
		require.Equal(t, 200, res.StatusCode, body)
		require.Equal(t, origin, res.Header.Get("Access-Control-Allow-Origin"))
		require.Equal(t, "true", res.Header.Get("Access-Control-Allow-Credentials"))
		require.Contains(t, res.Header.Values("Vary"), "Origin")
		require.Contains(t, res.Header.Get("Access-Control-Expose-Headers"), "Content-Range") // SEC-4
	}
	// SEC-2
	for _, origin := range []string{"null", "http://app.example", "https://app.example:444", "https://app.example.evil.test", "https://evil.test"} {
		res, _ := do(t, "GET", s.URL()+"/api/videos", map[string]string{"Origin": origin, "Authorization": bearer}, "")
		require.Equal(t, 200, res.StatusCode)
		require.Empty(t, res.Header.Get("Access-Control-Allow-Origin"), origin)
		require.Empty(t, res.Header.Get("Access-Control-Allow-Credentials"), origin)
	}
	// No Origin: served as usual.
	res, _ := do(t, "GET", s.URL()+"/api/videos", map[string]string{"Authorization": bearer}, "")
	require.Equal(t, 200, res.StatusCode)
	require.Empty(t, res.Header.Get("Access-Control-Allow-Origin"))

	// SEC-3
	pre := map[string]string{"Origin": app, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
	res, _ = do(t, "OPTIONS", s.URL()+"/api/videos", pre, "")
	require.Equal(t, 204, res.StatusCode)
	require.Equal(t, app, res.Header.Get("Access-Control-Allow-Origin"))
	require.Contains(t, res.Header.Get("Access-Control-Allow-Methods"), "POST")
	require.Equal(t, corsHeaders, res.Header.Get("Access-Control-Allow-Headers"))
	pre["Origin"] = "https://evil.test"
	res, _ = do(t, "OPTIONS", s.URL()+"/api/videos", pre, "")
	require.Equal(t, 403, res.StatusCode)
	require.Empty(t, res.Header.Get("Access-Control-Allow-Origin"))

	// SEC-5: the Socket.IO handshake from a foreign origin is refused.
	ws := "ws" + strings.TrimPrefix(s.URL(), "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, res, err := websocket.DefaultDialer.Dial(ws, http.Header{"Origin": {"https://evil.test"}})
	require.Error(t, err)
	require.Equal(t, 403, res.StatusCode)
	conn, _, err = websocket.DefaultDialer.Dial(ws, http.Header{"Origin": {app}})
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	res, body := do(t, "GET", s.URL()+"/socket.io/?EIO=4&transport=polling", map[string]string{"Origin": app}, "")
	require.Equal(t, 200, res.StatusCode, body)
	require.Equal(t, app, res.Header.Get("Access-Control-Allow-Origin"))
}
