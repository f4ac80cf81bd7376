package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/wirelog"
)

// MaxBody bounds a response body the drivers read (16 MiB).
const MaxBody = 16 << 20

// HTTP is the raw polling driver: one request as the case wrote it, one
// response as the target sent it. It never pools connections (a request
// on a reused connection could be retried by net/http, hiding a reset),
// never asks for compression (the body is the target's bytes) and never
// follows redirects.
type HTTP struct {
	Base   string
	Name   string
	log    *wirelog.Log
	client *http.Client
}

// NewHTTP returns a driver for base (http://host:port) recording into log.
func NewHTTP(base string, log *wirelog.Log, name string) *HTTP {
	if name == "" {
		name = "http"
	}
	tr := &http.Transport{
		DialContext:            (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 1 << 20,
	}
	return &HTTP{Base: strings.TrimSuffix(base, "/"), Name: name, log: log, client: &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Request is what the case sends.
type Request struct {
	Method string // GET when empty
	Path   string // e.g. "/engine.io/"
	Query  string // raw query, e.g. "EIO=4&transport=polling"
	Header http.Header
	Body   []byte
	// Chunked sends Body with Transfer-Encoding: chunked (no Content-Length).
	Chunked bool
}

// Target is the request target (path and query).
func (r Request) Target() string {
	if r.Query == "" {
		return r.Path
	}
	return r.Path + "?" + r.Query
}

// Response is what the target answered.
type Response struct {
	Status  int
	Header  http.Header
	Body    []byte
	Elapsed time.Duration
}

// Packets decodes the body as an Engine.IO v4 polling payload.
func (r *Response) Packets() ([]codec.EIOPacket, error) { return codec.DecodePayload(r.Body) }

// EIOErrorBody is the JSON body engine.io gives its HTTP errors
// ({"code":1,"message":"Session ID unknown"}); not part of the spec.
type EIOErrorBody struct {
	Code    *int   `json:"code"`
	Message string `json:"message"`
}

// EIOError decodes the body as an engine.io error, if it is one.
func (r *Response) EIOError() (EIOErrorBody, bool) {
	var e EIOErrorBody
	if json.Unmarshal(r.Body, &e) != nil || e.Code == nil {
		return EIOErrorBody{}, false
	}
	return e, true
}

// Do sends r and reads the whole response. A connection that ends with no
// response is a *DroppedError; ctx ending first a *TimeoutError.
func (h *HTTP) Do(ctx context.Context, r Request) (*Response, error) {
	started := time.Now()
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
		if r.Chunked {
			body = io.MultiReader(body) // hides the length: net/http chunks it
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, h.Base+r.Target(), body)
	if err != nil {
		return nil, err
	}
	for name, values := range r.Header {
		req.Header[name] = values
	}
	if r.Chunked {
		req.ContentLength = -1
		req.TransferEncoding = []string{"chunked"}
	}
	h.log.Add(wirelog.Out, "http-request", h.Name, requestText(method, r.Target(), r.Header, r.Body))
	resp, err := h.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			h.log.Notef("%s: %s %s: no response within %s", h.Name, method, r.Target(), time.Since(started).Round(time.Millisecond))
			return nil, &TimeoutError{Waiting: "the response to " + method + " " + r.Target(), After: time.Since(started)}
		}
		h.log.Add(wirelog.In, "tcp", h.Name, fmt.Appendf(nil, "no response: %v", err))
		return nil, &DroppedError{During: method + " " + r.Target(), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: data, Elapsed: time.Since(started)}
	h.log.Add(wirelog.In, "http-response", h.Name, responseText(out))
	if err != nil {
		if ctx.Err() != nil {
			return out, &TimeoutError{Waiting: "the response body", After: time.Since(started)}
		}
		return out, &DroppedError{During: "the response body of " + method + " " + r.Target(), Err: err}
	}
	return out, nil
}

// Result is the outcome of a request run with Go.
type Result struct {
	Resp *Response
	Err  error
}

// Go sends r in its own goroutine: for requests that must be pending at
// the same time (a long-polling GET during an upgrade, duplicate polls).
func (h *HTTP) Go(ctx context.Context, r Request) <-chan Result {
	ch := make(chan Result, 1)
	go func() {
		resp, err := h.Do(ctx, r)
		ch <- Result{resp, err}
	}()
	return ch
}

// Await waits for a Go result, bounded by ctx.
func Await(ctx context.Context, ch <-chan Result, what string) (*Response, error) {
	started := time.Now()
	select {
	case r := <-ch:
		return r.Resp, r.Err
	case <-ctx.Done():
		return nil, &TimeoutError{Waiting: what, After: time.Since(started)}
	}
}

func requestText(method, target string, header http.Header, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s%s", method, target, wirelog.HeaderLines(header))
	if len(body) > 0 {
		b.WriteString("\n\n")
		b.Write(printable(body))
	}
	return b.Bytes()
}

func responseText(r *Response) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d", r.Status)
	if ct := r.Header.Get("Content-Type"); ct != "" {
		fmt.Fprintf(&b, " (%s)", ct)
	}
	if len(r.Body) > 0 {
		b.WriteString("\n")
		b.Write(printable(r.Body))
	}
	return b.Bytes()
}

// EIOQuery is the query of an Engine.IO v4 request; sid may be empty.
func EIOQuery(transport, sid string) string {
	q := "EIO=4&transport=" + transport
	if sid != "" {
		q += "&sid=" + sid
	}
	return q
}
