package browser

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"socketlab/conformance/internal/wirelog"
)

// Conn labels the browser's exchanges in the wire log.
const Conn = "browser"

// Frame is one WebSocket message the browser sent or received, as CDP's
// Network.webSocketFrameSent / webSocketFrameReceived report it.
type Frame struct {
	At time.Time
	// Dir is wirelog.Out (page to server) or wirelog.In.
	Dir string
	// Socket is the CDP request id of the WebSocket: frames of one
	// connection share it.
	Socket string
	URL    string
	Text   bool // opcode 1
	Data   []byte
}

// netRecorder turns the tab's Network events into wire-log entries and
// keeps the WebSocket frames and the Socket.IO requests for the cases.
// Its listen func runs in the tab's event loop (chromedp.Listen): it must
// return fast and run no CDP command, so fetching a polling response's
// body happens on a goroutine.
type netRecorder struct {
	log *wirelog.Log
	// fetch reads a response body; set once the tab exists.
	fetch func(id network.RequestID)

	mu       sync.Mutex
	frames   []Frame
	sockets  map[network.RequestID]string // WebSocket URL by request id
	requests map[network.RequestID]*Request
	order    []*Request
	// extra holds requestWillBeSentExtraInfo headers that came before
	// their request.
	extra map[network.RequestID]network.Headers
}

// Request is one HTTP request the page made to a /socket.io/ path (the
// polling transport, the handshake of a WebSocket is not one of them).
type Request struct {
	ID     network.RequestID
	Method string
	URL    string
	// Sent says the browser reported the headers it sent (Origin is
	// known); Origin is the request's Origin header as sent.
	Sent   bool
	Origin string
	Status int64
	// Header holds the response headers, lower-cased names.
	Header map[string]string
	Failed string // the network error, when it failed

	body   []byte
	logged bool
}

func newNetRecorder(log *wirelog.Log) *netRecorder {
	return &netRecorder{log: log, sockets: map[network.RequestID]string{}, requests: map[network.RequestID]*Request{},
		extra: map[network.RequestID]network.Headers{}}
}

func isSocketIO(u string) bool { return strings.Contains(u, "/socket.io/") }

// listen is the chromedp.Listen func.
func (r *netRecorder) listen(ev any) {
	switch ev := ev.(type) {
	case *network.EventWebSocketCreated:
		r.mu.Lock()
		r.sockets[ev.RequestID] = ev.URL
		r.mu.Unlock()
		r.log.Add(wirelog.Note, "ws-open", Conn, []byte("WebSocket "+ev.URL))
	case *network.EventWebSocketHandshakeResponseReceived:
		if ev.Response != nil {
			r.log.Add(wirelog.In, "http-response", Conn, []byte(fmt.Sprintf("%d %s (WebSocket handshake)%s", int64(ev.Response.Status), ev.Response.StatusText, headerLines(ev.Response.Headers))))
		}
	case *network.EventWebSocketFrameSent:
		r.frame(wirelog.Out, ev.RequestID, ev.Response)
	case *network.EventWebSocketFrameReceived:
		r.frame(wirelog.In, ev.RequestID, ev.Response)
	case *network.EventWebSocketFrameError:
		r.log.Add(wirelog.Note, "tcp", Conn, []byte("WebSocket error: "+ev.ErrorMessage))
	case *network.EventWebSocketClosed:
		r.log.Add(wirelog.Note, "ws-close", Conn, []byte("WebSocket closed"))
	case *network.EventWebSocketWillSendHandshakeRequest:
		if ev.Request != nil {
			r.log.Add(wirelog.Out, "http-request", Conn, []byte("GET "+r.socketURL(ev.RequestID)+" (WebSocket handshake)"+sentHeaderLines(ev.Request.Headers)))
		}
	case *network.EventRequestWillBeSent:
		if ev.Request == nil || !isSocketIO(ev.Request.URL) {
			return
		}
		req := &Request{ID: ev.RequestID, Method: ev.Request.Method, URL: ev.Request.URL}
		for _, e := range ev.Request.PostDataEntries {
			req.body = append(req.body, e.Bytes...)
		}
		r.mu.Lock()
		r.requests[ev.RequestID] = req
		r.order = append(r.order, req)
		sent, ok := r.extra[ev.RequestID]
		delete(r.extra, ev.RequestID)
		r.mu.Unlock()
		if ok {
			r.logRequest(req, sent)
		}
	case *network.EventRequestWillBeSentExtraInfo:
		// The headers as sent, Origin among them (requestWillBeSent has
		// only those the page set). It may come before or after
		// requestWillBeSent.
		r.mu.Lock()
		req := r.requests[ev.RequestID]
		if req == nil {
			r.extra[ev.RequestID] = ev.Headers
		}
		r.mu.Unlock()
		if req != nil {
			r.logRequest(req, ev.Headers)
		}
	case *network.EventResponseReceived:
		if ev.Response == nil {
			return
		}
		r.mu.Lock()
		req := r.requests[ev.RequestID]
		if req != nil {
			req.Status, req.Header = ev.Response.Status, lowerHeaders(ev.Response.Headers)
		}
		r.mu.Unlock()
	case *network.EventLoadingFinished:
		r.mu.Lock()
		req := r.requests[ev.RequestID]
		r.mu.Unlock()
		if req != nil && r.fetch != nil {
			go r.fetch(ev.RequestID) // a CDP command: not in the event loop
		}
	case *network.EventLoadingFailed:
		r.mu.Lock()
		req := r.requests[ev.RequestID]
		if req != nil {
			req.Failed = ev.ErrorText
		}
		r.mu.Unlock()
		if req != nil {
			r.logRequest(req, nil) // never sent: no headers came
			why := ev.ErrorText
			if ev.CorsErrorStatus != nil {
				why += fmt.Sprintf(" (CORS: %s %s)", ev.CorsErrorStatus.CorsError, ev.CorsErrorStatus.FailedParameter)
			}
			r.log.Add(wirelog.Note, "tcp", Conn, []byte(req.Method+" "+req.URL+" failed: "+why))
		}
	}
}

func (r *netRecorder) frame(dir string, id network.RequestID, f *network.WebSocketFrame) {
	if f == nil {
		return
	}
	r.mu.Lock()
	fr := Frame{At: time.Now(), Dir: dir, Socket: string(id), URL: r.sockets[id], Text: f.Opcode == 1, Data: f.PayloadData}
	r.frames = append(r.frames, fr)
	r.mu.Unlock()
	kind := "ws-text"
	if !fr.Text {
		kind = "ws-binary"
	}
	r.log.Add(dir, kind, Conn, f.PayloadData)
}

// logRequest records a /socket.io/ request once, with the headers it was
// sent with (nil when it never left the browser).
func (r *netRecorder) logRequest(req *Request, sent network.Headers) {
	r.mu.Lock()
	if req.logged {
		r.mu.Unlock()
		return
	}
	req.logged = true
	req.Sent, req.Origin = sent != nil, header(sent, "Origin")
	r.mu.Unlock()
	r.log.Add(wirelog.Out, "http-request", Conn, append([]byte(req.Method+" "+req.URL+sentHeaderLines(sent)+"\n\n"), req.body...))
}

func (r *netRecorder) socketURL(id network.RequestID) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sockets[id]
}

// logResponse records a polling response once its body is read.
func (r *netRecorder) logResponse(id network.RequestID, body []byte, err error) {
	r.mu.Lock()
	req := r.requests[id]
	var status int64
	var h map[string]string
	if req != nil {
		status, h = req.Status, req.Header
	}
	r.mu.Unlock()
	text := fmt.Sprintf("%d%s\n\n", status, sortedLines(h))
	if err != nil {
		text += "<body not available: " + err.Error() + ">"
	}
	r.log.Add(wirelog.In, "http-response", Conn, append([]byte(text), body...))
}

// Frames returns the WebSocket frames so far.
func (r *netRecorder) Frames() []Frame {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Frame(nil), r.frames...)
}

// Requests returns the /socket.io/ HTTP requests so far, in order.
func (r *netRecorder) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Request, len(r.order))
	for i, req := range r.order {
		out[i] = *req
	}
	return out
}

// WebSockets returns the URLs of the WebSockets the page opened.
func (r *netRecorder) WebSockets() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.sockets))
	for _, u := range r.sockets {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// fetchBody reads a response body through CDP; the browser answers once
// the response is complete.
func fetchBody(ctx context.Context, id network.RequestID) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
	return res.Body, err
}

func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return fmt.Sprint(v)
		}
	}
	return ""
}

func lowerHeaders(h network.Headers) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[strings.ToLower(k)] = fmt.Sprint(v)
	}
	return out
}

func headerLines(h network.Headers) string { return sortedLines(lowerHeaders(h)) }

// sentHeaderLines shows the request headers that matter to a Socket.IO
// server (the browser's client hints and the like are left out).
func sentHeaderLines(h network.Headers) string {
	keep := map[string]string{}
	for k, v := range lowerHeaders(h) {
		switch k {
		case "origin", "cookie", "content-type", "authorization", "sec-websocket-version", "sec-websocket-extensions", "upgrade":
			keep[k] = v
		}
	}
	return sortedLines(keep)
}

func sortedLines(h map[string]string) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("\n" + k + ": " + h[k])
	}
	return b.String()
}
