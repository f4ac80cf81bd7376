package engineio

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

const (
	goodOrigin = "http://app.example"
	badOrigin  = "http://evil.example"
)

func originHeader(o string) http.Header { return http.Header{"Origin": {o}} }

func TestCORSAllowedOrigin(t *testing.T) {
	ts := newTestServer(t, Options{CORS: CORS{AllowedOrigins: []string{goodOrigin}}})
	res := do(t, http.MethodGet, ts.pollURL(""), "", "", originHeader(goodOrigin))
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, goodOrigin, res.header.Get("Access-Control-Allow-Origin"))
	require.Empty(t, res.header.Get("Access-Control-Allow-Credentials"))
	require.Contains(t, res.header.Values("Vary"), "Origin")

	// Error answers carry the headers too, so the page can read them.
	res = do(t, http.MethodGet, ts.url+"?EIO=4&transport=nope", "", "", originHeader(goodOrigin))
	require.Equal(t, goodOrigin, res.header.Get("Access-Control-Allow-Origin"))
}

func TestCORSDisallowedOrigin(t *testing.T) {
	ts := newTestServer(t, Options{CORS: CORS{AllowedOrigins: []string{goodOrigin}, AllowCredentials: true}})
	res := do(t, http.MethodGet, ts.pollURL(""), "", "", originHeader(badOrigin))
	// Served (a simple request cannot be stopped), but unreadable by the page.
	require.Equal(t, http.StatusOK, res.status)
	require.Empty(t, res.header.Get("Access-Control-Allow-Origin"))
	require.Empty(t, res.header.Get("Access-Control-Allow-Credentials"))
}

func TestCORSNoOrigin(t *testing.T) {
	ts := newTestServer(t, Options{CORS: CORS{AllowedOrigins: []string{goodOrigin}, AllowCredentials: true}})
	res := get(t, ts.pollURL(""))
	require.Equal(t, http.StatusOK, res.status)
	require.Empty(t, res.header.Get("Access-Control-Allow-Origin"))
	require.Empty(t, res.header.Get("Access-Control-Allow-Credentials"))
}

func TestCORSAnyOriginWithCredentials(t *testing.T) {
	ts := newTestServer(t, Options{CORS: CORS{AllowAnyOrigin: true, AllowCredentials: true}})
	for _, o := range []string{goodOrigin, badOrigin, "null"} {
		res := do(t, http.MethodGet, ts.pollURL(""), "", "", originHeader(o))
		require.Equal(t, o, res.header.Get("Access-Control-Allow-Origin"), "echoed, never *")
		require.Equal(t, "true", res.header.Get("Access-Control-Allow-Credentials"))
	}
}

func TestCORSPreflight(t *testing.T) {
	ts := newTestServer(t, Options{CORS: CORS{AllowedOrigins: []string{goodOrigin}, AllowCredentials: true}})
	h := originHeader(goodOrigin)
	h.Set("Access-Control-Request-Method", "POST")
	h.Set("Access-Control-Request-Headers", "content-type,x-custom")
	res := do(t, http.MethodOptions, ts.pollURL("anything"), "", "", h)
	require.Equal(t, http.StatusNoContent, res.status)
	require.Equal(t, goodOrigin, res.header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "true", res.header.Get("Access-Control-Allow-Credentials"))
	require.Equal(t, "GET,POST", res.header.Get("Access-Control-Allow-Methods"))
	require.Equal(t, "content-type,x-custom", res.header.Get("Access-Control-Allow-Headers"))
	require.Empty(t, res.body)

	h.Set("Origin", badOrigin)
	res = do(t, http.MethodOptions, ts.pollURL(""), "", "", h)
	require.Equal(t, http.StatusNoContent, res.status)
	require.Empty(t, res.header.Get("Access-Control-Allow-Origin"))
	require.Empty(t, res.header.Get("Access-Control-Allow-Methods"))
	require.Empty(t, res.header.Get("Access-Control-Allow-Headers"))
}

func TestCORSDisabledSetsNothing(t *testing.T) {
	ts := newTestServer(t, Options{})
	res := do(t, http.MethodGet, ts.pollURL(""), "", "", originHeader(badOrigin))
	require.Equal(t, http.StatusOK, res.status)
	require.Empty(t, res.header.Get("Access-Control-Allow-Origin"))
	require.Empty(t, res.header.Values("Vary"))
}

func TestWebSocketOrigin(t *testing.T) {
	ts := newTestServer(t, Options{CORS: CORS{AllowedOrigins: []string{goodOrigin}}})

	_, res, err := websocket.DefaultDialer.Dial(ts.wsURL(""), originHeader(badOrigin))
	require.ErrorIs(t, err, websocket.ErrBadHandshake)
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	body := readAll(t, res)
	require.JSONEq(t, `{"code":4,"message":"Forbidden"}`, body)

	// An upgrade of a polling session is checked the same way.
	sid, _ := ts.handshake(t)
	_, res, err = websocket.DefaultDialer.Dial(ts.wsURL(sid), originHeader(badOrigin))
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	res.Body.Close()

	for _, h := range []http.Header{
		originHeader(goodOrigin),
		nil, // Node clients send no Origin
		originHeader("http://" + strings.TrimPrefix(ts.http.URL, "http://")), // same origin
	} {
		c := dialWS(t, ts.wsURL(""), h)
		_, data := c.read()
		parseOpen(t, data)
		ts.nextSession(t)
	}
}

func TestWebSocketOriginWithoutCORSConfig(t *testing.T) {
	ts := newTestServer(t, Options{})
	_, res, err := websocket.DefaultDialer.Dial(ts.wsURL(""), originHeader(badOrigin))
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	res.Body.Close()
	c := dialWS(t, ts.wsURL(""), originHeader(ts.http.URL))
	_, data := c.read()
	parseOpen(t, data)
}

func TestWebSocketAnyOrigin(t *testing.T) {
	ts := newTestServer(t, Options{CORS: CORS{AllowAnyOrigin: true}})
	c := dialWS(t, ts.wsURL(""), originHeader(badOrigin))
	_, data := c.read()
	parseOpen(t, data)
}
