// Package rest is the contract cases' HTTP helper: requests with a Bearer
// token, JSON bodies, multipart uploads streamed from a fixture file, and
// every exchange recorded into the case's wire log as http-request and
// http-response entries (bodies truncated by the log, tokens redacted).
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"socketlab/conformance/internal/wirelog"
)

// Client talks to one target.
type Client struct {
	Base string // http://host:port
	Log  *wirelog.Log
	// Conn labels the exchanges in the wire log.
	Conn string
	HTTP *http.Client
}

// New returns a client for base recording into log.
func New(base string, log *wirelog.Log) *Client {
	return &Client{Base: strings.TrimSuffix(base, "/"), Log: log, Conn: "rest",
		HTTP: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a redirect is an answer to judge, not to follow
		}}}
}

// Response is a complete answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Elapsed is the time from sending the request to the end of the body.
	Elapsed time.Duration
}

// MaxBody bounds what the helper reads of one answer.
const MaxBody = 64 << 20

// Request describes one call. Token, when set, goes into
// "Authorization: Bearer <Token>".
type Request struct {
	Method string
	Path   string // with query; absolute URLs are used as they are
	Token  string
	Header http.Header
	Body   io.Reader
	// BodyLog is what the wire log shows of the body (nil: the body is
	// shown when it is a *bytes.Reader or *strings.Reader).
	BodyLog []byte
}

// Do sends r and reads the whole answer.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	u := r.Path
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		u = c.Base + u
	}
	if r.Method == "" {
		r.Method = http.MethodGet
	}
	logBody := r.BodyLog
	switch b := r.Body.(type) {
	case *bytes.Reader:
		if logBody == nil {
			logBody = peek(b)
		}
	case *strings.Reader:
		if logBody == nil {
			s, _ := io.ReadAll(io.NewSectionReader(b, 0, b.Size()))
			logBody = s
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u, r.Body)
	if err != nil {
		return nil, err
	}
	if sz, ok := r.Body.(*sized); ok {
		req.ContentLength = sz.n
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	c.Log.Add(wirelog.Out, "http-request", c.Conn, append([]byte(r.Method+" "+strings.TrimPrefix(u, c.Base)+wirelog.HeaderLines(req.Header)+"\n\n"), logBody...))
	start := time.Now()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.Log.Add(wirelog.Note, "tcp", c.Conn, []byte("request failed: "+err.Error()))
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body, Elapsed: time.Since(start)}
	shown := body
	if isMedia(resp.Header.Get("Content-Type")) && len(shown) > 64 {
		shown = []byte(fmt.Sprintf("<%d bytes of %s>", len(body), resp.Header.Get("Content-Type")))
	}
	c.Log.Add(wirelog.In, "http-response", c.Conn, append([]byte(resp.Status+wirelog.HeaderLines(resp.Header)+"\n\n"), shown...))
	if err != nil {
		return out, err
	}
	return out, nil
}

// Get is a GET of path with token (may be "").
func (c *Client) Get(ctx context.Context, path, token string, header ...string) (*Response, error) {
	return c.Do(ctx, Request{Method: http.MethodGet, Path: path, Token: token, Header: pairs(header)})
}

// PostJSON posts body (a string or []byte is sent verbatim) with token.
func (c *Client) PostJSON(ctx context.Context, path, token string, body any) (*Response, error) {
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			return nil, err
		}
	}
	return c.Do(ctx, Request{Method: http.MethodPost, Path: path, Token: token,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: bytes.NewReader(raw)})
}

// JSON decodes the body into v.
func (r *Response) JSON(v any) error { return json.Unmarshal(r.Body, v) }

// ErrorBody returns the "error" member of a {"error":"…"} body; ok is
// false unless the body is a JSON object with a non-empty string "error".
func (r *Response) ErrorBody() (msg string, ok bool) {
	var body map[string]json.RawMessage
	if json.Unmarshal(r.Body, &body) != nil {
		return "", false
	}
	if json.Unmarshal(body["error"], &msg) != nil || msg == "" {
		return "", false
	}
	return msg, true
}

// IsJSON reports whether the Content-Type is application/json (parameters
// allowed).
func (r *Response) IsJSON() bool {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	return ct == "application/json"
}

// Summary is a one-line description of the answer for verdicts.
func (r *Response) Summary() string {
	body := string(r.Body)
	if isMedia(r.Header.Get("Content-Type")) {
		body = fmt.Sprintf("<%d bytes>", len(r.Body))
	} else if len(body) > 300 {
		body = body[:300] + "…"
	}
	return fmt.Sprintf("%d %s %s", r.Status, r.Header.Get("Content-Type"), wirelog.Redact(body))
}

func isMedia(ct string) bool {
	ct = strings.ToLower(ct)
	return strings.HasPrefix(ct, "video/") || strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "application/octet-stream") ||
		strings.HasPrefix(ct, "multipart/byteranges")
}

func pairs(kv []string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// peek returns the first bytes of a reader without consuming them.
func peek(b *bytes.Reader) []byte {
	n := min(int(b.Size()), wirelog.MaxData+1)
	buf := make([]byte, n)
	_, _ = b.ReadAt(buf, 0)
	return buf
}
