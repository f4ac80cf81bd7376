package engineio

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

var sidPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{20}$`)

func TestHandshakePolling(t *testing.T) {
	ts := newTestServer(t, Options{})
	res := get(t, ts.pollURL(""))
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "text/plain; charset=UTF-8", res.header.Get("Content-Type"))
	require.Equal(t, "no-store", res.header.Get("Cache-Control"))
	info := parseOpen(t, res.body)
	require.Regexp(t, sidPattern, info.SID)
	require.Equal(t, []string{"websocket"}, info.Upgrades)
	require.Equal(t, 25000, info.PingInterval)
	require.Equal(t, 20000, info.PingTimeout)
	require.Equal(t, 1000000, info.MaxPayload)
	// The exact bytes, key order included, as socket.io writes them.
	require.Equal(t, `0{"sid":"`+info.SID+`","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`, res.body)

	r := ts.nextSession(t)
	require.Equal(t, info.SID, r.session.ID())
	require.Equal(t, TransportPolling, r.session.Transport())
	require.Equal(t, 1, ts.SessionCount())
	require.Equal(t, "4", r.session.Request().URL.Query().Get("EIO"))
	require.NoError(t, r.session.Request().Context().Err(), "the stored request's context is never canceled")
}

func TestHandshakePollingWithoutWebSocket(t *testing.T) {
	ts := newTestServer(t, Options{Transports: []string{"polling"}})
	res := get(t, ts.pollURL(""))
	require.Equal(t, []string{}, parseOpen(t, res.body).Upgrades)
	requireHTTPError(t, get(t, ts.url+"?EIO=4&transport=websocket"), 400, CodeUnknownTransport, "Transport unknown")
}

func TestHandshakeWebSocket(t *testing.T) {
	ts := newTestServer(t, Options{PingInterval: 300 * time.Millisecond, PingTimeout: 200 * time.Millisecond})
	c := dialWS(t, ts.wsURL(""), nil)
	mt, data := c.read()
	require.Equal(t, websocket.TextMessage, mt)
	info := parseOpen(t, data)
	require.Equal(t, []string{}, info.Upgrades)
	require.Equal(t, 300, info.PingInterval)
	require.Equal(t, 200, info.PingTimeout)
	r := ts.nextSession(t)
	require.Equal(t, TransportWebSocket, r.session.Transport())
	require.Equal(t, info.SID, r.session.ID())
}

func TestSessionIDsAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newSessionID()
		require.Regexp(t, sidPattern, id)
		require.False(t, seen[id])
		seen[id] = true
	}
}

func TestRequestErrors(t *testing.T) {
	ts := newTestServer(t, Options{
		AllowRequest: func(r *http.Request) error {
			switch r.Header.Get("X-Test") {
			case "deny":
				return errors.New("no")
			case "custom":
				return &HTTPError{Status: 401, Code: CodeForbidden, Message: "Unauthorized"}
			}
			return nil
		},
	})
	base := ts.url
	cases := []struct {
		name, method, query string
		header              http.Header
		status, code        int
		message             string
	}{
		{"no transport", "GET", "?EIO=4", nil, 400, 0, "Transport unknown"},
		{"unknown transport", "GET", "?EIO=4&transport=abc", nil, 400, 0, "Transport unknown"},
		{"__proto__", "GET", "?EIO=4&transport=__proto__", nil, 400, 0, "Transport unknown"},
		{"constructor", "GET", "?EIO=4&transport=constructor", nil, 400, 0, "Transport unknown"},
		{"hasOwnProperty", "GET", "?EIO=4&transport=hasOwnProperty", nil, 400, 0, "Transport unknown"},
		{"webtransport", "GET", "?EIO=4&transport=webtransport", nil, 400, 0, "Transport unknown"},
		{"no EIO", "GET", "?transport=polling", nil, 400, 5, "Unsupported protocol version"},
		{"EIO 3", "GET", "?EIO=3&transport=polling", nil, 400, 5, "Unsupported protocol version"},
		{"EIO abc", "GET", "?EIO=abc&transport=polling", nil, 400, 5, "Unsupported protocol version"},
		{"unknown sid", "GET", "?EIO=4&transport=polling&sid=nope", nil, 400, 1, "Session ID unknown"},
		{"unknown sid ws", "GET", "?EIO=4&transport=websocket&sid=nope", nil, 400, 1, "Session ID unknown"},
		{"POST handshake", "POST", "?EIO=4&transport=polling", nil, 400, 2, "Bad handshake method"},
		{"PUT handshake", "PUT", "?EIO=4&transport=polling", nil, 400, 2, "Bad handshake method"},
		{"ws without upgrade", "GET", "?EIO=4&transport=websocket", nil, 400, 3, "Bad request"},
		{"AllowRequest error", "GET", "?EIO=4&transport=polling", http.Header{"X-Test": {"deny"}}, 403, 4, "Forbidden"},
		{"AllowRequest HTTPError", "GET", "?EIO=4&transport=polling", http.Header{"X-Test": {"custom"}}, 401, 4, "Unauthorized"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := do(t, c.method, base+c.query, "", "", c.header)
			requireHTTPError(t, res, c.status, c.code, c.message)
		})
	}
	require.Equal(t, 0, ts.SessionCount())
}

func TestUnknownMethodOnSession(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, _ := ts.handshake(t)
	requireHTTPError(t, do(t, http.MethodPut, ts.pollURL(sid), "", "", nil), 400, 3, "Bad request")
}

func TestPathMatching(t *testing.T) {
	ts := newTestServer(t, Options{Path: "/socket.io/"})
	for _, p := range []string{"/socket.io/", "/socket.io"} {
		res := get(t, ts.http.URL+p+"?EIO=4&transport=polling")
		require.Equal(t, http.StatusOK, res.status, p)
		ts.nextSession(t)
	}
	for _, p := range []string{"/engine.io/", "/socket.iox/", "/socket.io/x", "/"} {
		res := get(t, ts.http.URL+p+"?EIO=4&transport=polling")
		require.Equal(t, http.StatusNotFound, res.status, p)
	}
}

func TestMountedOnMux(t *testing.T) {
	srv := NewServer(Options{}, nil)
	defer srv.Close()
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("app")) })
	hs := httptest.NewServer(mux)
	defer hs.Close()
	res := get(t, hs.URL+"/engine.io/?EIO=4&transport=polling")
	require.Equal(t, http.StatusOK, res.status)
	parseOpen(t, res.body)
	require.Equal(t, "app", get(t, hs.URL+"/other").body)
	require.Equal(t, 1, srv.SessionCount())
}

func TestOptionsDefaults(t *testing.T) {
	o := NewServer(Options{Transports: []string{"websocket", "bogus", "websocket"}}, nil).Options()
	require.Equal(t, "/engine.io/", o.Path)
	require.Equal(t, 25*time.Second, o.PingInterval)
	require.Equal(t, 20*time.Second, o.PingTimeout)
	require.Equal(t, 10*time.Second, o.UpgradeTimeout)
	require.EqualValues(t, 1_000_000, o.MaxPayload)
	require.Equal(t, 8192, o.SendQueueLimit)
	require.EqualValues(t, 4<<20, o.SendQueueBytes)
	require.Equal(t, 10*time.Second, o.WriteTimeout)
	require.Equal(t, []string{"websocket"}, o.Transports)
	require.Equal(t, []string{"polling", "websocket"}, NewServer(Options{}, nil).Options().Transports)
}

// rawRequest writes a raw HTTP/1.1 request and returns the status line
// and headers of the answer, with a deadline so that a hang fails.
func rawRequest(t *testing.T, addr, request string) (string, http.Header) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, waitTimeout)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(waitTimeout)))
	_, err = conn.Write([]byte(request))
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer res.Body.Close()
	return res.Status, res.Header
}

// A cleartext HTTP/2 upgrade (h2c) is not a WebSocket: the polling
// handshake is answered as plain HTTP/1.1 and a websocket request is a
// bad request, never a hang or a crash.
func TestH2CUpgradeHeader(t *testing.T) {
	ts := newTestServer(t, Options{})
	addr := strings.TrimPrefix(ts.http.URL, "http://")
	h2c := "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"

	status, _ := rawRequest(t, addr, "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n"+h2c+"\r\n")
	require.Equal(t, "200 OK", status)
	ts.nextSession(t)

	status, header := rawRequest(t, addr, "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"+h2c+"\r\n")
	require.Equal(t, "400 Bad Request", status)
	require.Equal(t, "application/json", header.Get("Content-Type"))

	sid, _ := ts.handshake(t)
	status, _ = rawRequest(t, addr, "GET /engine.io/?EIO=4&transport=websocket&sid="+sid+" HTTP/1.1\r\nHost: x\r\n"+h2c+"\r\n")
	require.Equal(t, "400 Bad Request", status)

	// A websocket request gorilla refuses (no key) gets its 400 as JSON.
	status, header = rawRequest(t, addr, "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"+
		"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n")
	require.Equal(t, "400 Bad Request", status)
	require.Equal(t, "application/json", header.Get("Content-Type"))
	require.Equal(t, 2, ts.SessionCount())
}

func TestServerClose(t *testing.T) {
	ts := newTestServer(t, Options{})
	sid, pr := ts.handshake(t)
	pending := asyncGet(t, ts.pollURL(sid))
	c, _, wr := ts.openWS(t)
	require.Eventually(t, func() bool { return pollPending(pr.session) }, waitTimeout, time.Millisecond)
	require.Equal(t, 2, ts.SessionCount())

	ts.Server.Close()
	require.Equal(t, ReasonServerShutdown, pr.waitClose(t).reason)
	require.Equal(t, ReasonServerShutdown, wr.waitClose(t).reason)
	require.Equal(t, "1", waitResponse(t, pending).body)
	require.Equal(t, websocket.CloseGoingAway, c.expectClose())
	require.Equal(t, 0, ts.SessionCount())
	require.ErrorIs(t, pr.session.Send(NewTextMessage("late")), ErrSessionClosed)

	requireHTTPError(t, get(t, ts.pollURL("")), 400, 3, "Bad request")
	requireHTTPError(t, get(t, ts.pollURL(sid)), 400, 1, "Session ID unknown")
}

// pollPending reports whether a GET is waiting on s.
func pollPending(s *Session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pollActive
}

func TestNilHandlerDiscards(t *testing.T) {
	srv := NewServer(Options{}, func(*Session) Handler { return nil })
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close()
	res := get(t, hs.URL+"/engine.io/?EIO=4&transport=polling")
	sid := parseOpen(t, res.body).SID
	require.Equal(t, "ok", post(t, hs.URL+"/engine.io/?EIO=4&transport=polling&sid="+sid, "4ignored").body)
}
