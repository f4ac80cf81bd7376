package contract

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"

	"socketlab/conformance/internal/wirelog"
)

// rawResult is what a hand-written HTTP exchange produced.
type rawResult struct {
	Resp     *http.Response
	Body     []byte
	Sent     int64         // body bytes written before the answer or an error
	Answered time.Duration // from the first byte sent to the answer's headers
	WriteErr error
}

// rawUpload sends a POST whose chunked body is produced by body while it
// reads the answer concurrently: the cases of REST-7 and REST-8 need to
// see an answer that comes before the body ends, which net/http's client
// does not show. body gets a writer of chunk data and stops on an error
// or when its context ends (when the answer has come).
func rawUpload(ctx context.Context, base, path string, header http.Header, log *wirelog.Log, body func(ctx context.Context, w io.Writer) error) (*rawResult, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	bctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { <-bctx.Done(); conn.Close() }()
	head := "POST " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nTransfer-Encoding: chunked\r\n"
	for k, vs := range header {
		for _, v := range vs {
			head += k + ": " + v + "\r\n"
		}
	}
	head += "\r\n"
	log.Add(wirelog.Out, "http-request", "raw", []byte(head+"<chunked body>"))
	start := time.Now()
	res := &rawResult{}
	answered := make(chan error, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err == nil {
			res.Resp = resp
			res.Answered = time.Since(start)
			res.Body, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		}
		answered <- err
	}()
	bw := bufio.NewWriterSize(conn, 256<<10)
	if _, err := bw.WriteString(head); err != nil {
		return nil, err
	}
	cw := &countingWriter{w: httputil.NewChunkedWriter(bw), flush: bw}
	writeDone := make(chan error, 1)
	go func() {
		err := body(bctx, cw)
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
		writeDone <- err
	}()
	var readErr error
	select {
	case readErr = <-answered:
	case res.WriteErr = <-writeDone:
		readErr = <-answered
	}
	res.Sent = cw.n.Load()
	if res.Resp == nil {
		return res, fmt.Errorf("no HTTP answer after %d body bytes: read %v, write %v", res.Sent, readErr, res.WriteErr)
	}
	log.Add(wirelog.In, "http-response", "raw", append([]byte(fmt.Sprintf("%s after %v and %d body bytes sent\n", res.Resp.Status, res.Answered.Round(time.Millisecond), res.Sent)), res.Body...))
	return res, nil
}

// countingWriter counts the body bytes written and pushes each write out.
type countingWriter struct {
	w     io.Writer
	flush *bufio.Writer
	n     atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	if err == nil {
		err = c.flush.Flush()
	}
	return n, err
}
