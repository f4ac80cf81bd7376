package engineio

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// waitTimeout bounds every wait for an event in these tests.
const waitTimeout = 5 * time.Second

// received is one HandleMessage call.
type received struct {
	data   string
	binary bool
}

// closed is the HandleClose call.
type closed struct {
	reason string
	cause  error
}

// recorder is a Handler that records what it gets and can echo messages
// back, like the handler the conformance suite expects.
type recorder struct {
	session  *Session
	echo     bool
	messages chan received
	closes   chan closed
	closeN   atomic.Int32
	onMsg    func(r *recorder, data []byte, binary bool) // optional hook, runs first
}

func (r *recorder) HandleMessage(data []byte, binary bool) {
	if r.onMsg != nil {
		r.onMsg(r, data, binary)
	}
	r.messages <- received{string(data), binary}
	if r.echo {
		m := NewTextMessageBytes(data)
		if binary {
			m = NewBinaryMessage(append([]byte(nil), data...))
		}
		_ = r.session.Send(m)
	}
}

func (r *recorder) HandleClose(reason string, cause error) {
	r.closeN.Add(1)
	r.closes <- closed{reason, cause}
}

// nextMessage waits for the next HandleMessage.
func (r *recorder) nextMessage(t testing.TB) received {
	t.Helper()
	select {
	case m := <-r.messages:
		return m
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for a message")
		return received{}
	}
}

// waitClose waits for HandleClose and checks it ran once.
func (r *recorder) waitClose(t testing.TB) closed {
	t.Helper()
	select {
	case c := <-r.closes:
		require.EqualValues(t, 1, r.closeN.Load())
		return c
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for HandleClose")
		return closed{}
	}
}

// testServer is a Server behind httptest with its sessions' recorders.
type testServer struct {
	*Server
	http      *httptest.Server
	url       string // http://host/engine.io/
	recorders chan *recorder
	echo      bool
	hook      func(r *recorder, data []byte, binary bool)
}

func newTestServer(t testing.TB, opts Options) *testServer {
	t.Helper()
	ts := &testServer{recorders: make(chan *recorder, 64), echo: true}
	ts.Server = NewServer(opts, func(s *Session) Handler {
		r := &recorder{session: s, echo: ts.echo, onMsg: ts.hook,
			messages: make(chan received, 1024), closes: make(chan closed, 4)}
		ts.recorders <- r
		return r
	})
	ts.http = httptest.NewServer(ts.Server)
	ts.url = ts.http.URL + normalizePath(ts.Server.Options().Path) + "/"
	t.Cleanup(func() {
		ts.Server.Close()
		ts.http.Close()
	})
	return ts
}

// nextSession returns the recorder of the next session opened.
func (ts *testServer) nextSession(t testing.TB) *recorder {
	t.Helper()
	select {
	case r := <-ts.recorders:
		return r
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for a session")
		return nil
	}
}

func (ts *testServer) pollURL(sid string) string {
	u := ts.url + "?EIO=4&transport=polling"
	if sid != "" {
		u += "&sid=" + sid
	}
	return u
}

func (ts *testServer) wsURL(sid string) string {
	u := "ws" + strings.TrimPrefix(ts.url, "http") + "?EIO=4&transport=websocket"
	if sid != "" {
		u += "&sid=" + sid
	}
	return u
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   string
}

var httpClient = &http.Client{Timeout: waitTimeout}

func do(t testing.TB, method, url, contentType, body string, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := httpClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{res.StatusCode, res.Header, string(b)}
}

func get(t testing.TB, url string) response { return do(t, http.MethodGet, url, "", "", nil) }

func post(t testing.TB, url, body string) response {
	return do(t, http.MethodPost, url, "text/plain;charset=UTF-8", body, nil)
}

// asyncGet starts a GET and returns a channel with its response.
func asyncGet(t testing.TB, url string) <-chan response {
	ch := make(chan response, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		res, err := httpClient.Do(req)
		if err != nil {
			ch <- response{status: -1, body: err.Error()}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		ch <- response{res.StatusCode, res.Header, string(b)}
	}()
	return ch
}

func waitResponse(t testing.TB, ch <-chan response) response {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(waitTimeout):
		t.Fatal("timed out waiting for an HTTP response")
		return response{}
	}
}

// notYet checks that ch has nothing after a short while: the negative
// counterpart of a wait (a GET that must stay pending).
func notYet[T any](t testing.TB, ch <-chan T, d time.Duration) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("unexpected early result: %v", v)
	case <-time.After(d):
	}
}

// openInfo is the JSON of an open packet.
type openInfo struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

func parseOpen(t testing.TB, packet string) openInfo {
	t.Helper()
	require.True(t, strings.HasPrefix(packet, "0"), "open packet: %q", packet)
	var info openInfo
	dec := json.NewDecoder(strings.NewReader(packet[1:]))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&info))
	return info
}

// handshake opens a polling session and returns its sid and recorder.
func (ts *testServer) handshake(t testing.TB) (string, *recorder) {
	t.Helper()
	res := get(t, ts.pollURL(""))
	require.Equal(t, http.StatusOK, res.status, res.body)
	info := parseOpen(t, res.body)
	return info.SID, ts.nextSession(t)
}

// requireHTTPError checks a JSON error answer.
func requireHTTPError(t testing.TB, res response, status, code int, message string) {
	t.Helper()
	require.Equal(t, status, res.status, res.body)
	require.Equal(t, "application/json", res.header.Get("Content-Type"))
	require.JSONEq(t, `{"code":`+itoa(code)+`,"message":"`+message+`"}`, res.body)
}

func itoa(i int) string { return strconv.Itoa(i) }

// wsConn is a raw gorilla client with read helpers.
type wsConn struct {
	*websocket.Conn
	t testing.TB
}

func dialWS(t testing.TB, url string, header http.Header) *wsConn {
	t.Helper()
	c, res, err := websocket.DefaultDialer.Dial(url, header)
	if res != nil && res.Body != nil {
		res.Body.Close()
	}
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &wsConn{c, t}
}

// read returns the next frame as (type, payload) within waitTimeout.
func (c *wsConn) read() (int, string) {
	c.t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	mt, data, err := c.ReadMessage()
	require.NoError(c.t, err)
	return mt, string(data)
}

// readText expects a text frame with want.
func (c *wsConn) readText(want string) {
	c.t.Helper()
	mt, data := c.read()
	require.Equal(c.t, websocket.TextMessage, mt)
	require.Equal(c.t, want, data)
}

// readSkippingPings returns the next frame that is not a ping "2".
func (c *wsConn) readSkippingPings() (int, string) {
	c.t.Helper()
	for {
		mt, data := c.read()
		if mt == websocket.TextMessage && data == "2" {
			continue
		}
		return mt, data
	}
}

func (c *wsConn) send(text string) {
	c.t.Helper()
	require.NoError(c.t, c.WriteMessage(websocket.TextMessage, []byte(text)))
}

// expectClose reads until the server's close frame and returns its code.
func (c *wsConn) expectClose() int {
	c.t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		c.t.Fatalf("connection ended without a close frame: %v", err)
		return 0
	}
}

// openWS opens a WebSocket-only session and returns the client, the sid
// and the session's recorder.
func (ts *testServer) openWS(t testing.TB) (*wsConn, string, *recorder) {
	t.Helper()
	c := dialWS(t, ts.wsURL(""), nil)
	mt, data := c.read()
	require.Equal(t, websocket.TextMessage, mt)
	info := parseOpen(t, data)
	return c, info.SID, ts.nextSession(t)
}

func ioPipe() (*io.PipeReader, *io.PipeWriter) { return io.Pipe() }

func newHTTPTestServer(t testing.TB, h http.Handler) *httptest.Server {
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs
}

func readAll(t testing.TB, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}
