package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"
)

// record is one report line; the reporter adds "seq" and "at".
type record map[string]any

// reporter POSTs JSON lines to the harness, in order: one goroutine sends
// whatever accumulated while the previous POST was in flight.
type reporter struct {
	url    string
	client *http.Client

	mu      sync.Mutex
	seq     int
	pending [][]byte
	wake    chan struct{}
	closed  bool
	done    chan struct{}
}

func newReporter(url string) *reporter {
	r := &reporter{url: url, client: &http.Client{Timeout: 10 * time.Second}, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go r.loop()
	return r
}

// send queues a record; it never blocks on the network.
func (r *reporter) send(rec record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	rec["seq"], rec["at"] = r.seq, float64(time.Now().UnixMicro())/1000
	r.seq++
	line, err := json.Marshal(rec)
	if err != nil {
		line, _ = json.Marshal(record{"seq": rec["seq"], "at": rec["at"], "kind": "testee_error", "message": err.Error()})
	}
	r.pending = append(r.pending, line)
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *reporter) loop() {
	defer close(r.done)
	for {
		r.mu.Lock()
		batch, closed := r.pending, r.closed
		r.pending = nil
		r.mu.Unlock()
		if len(batch) > 0 {
			r.post(bytes.Join(append(batch, nil), []byte("\n")))
			continue
		}
		if closed {
			return
		}
		<-r.wake
	}
}

func (r *reporter) post(body []byte) {
	resp, err := r.client.Post(r.url, "text/plain", bytes.NewReader(body))
	if err != nil {
		fmt.Fprintln(os.Stderr, "clienttestee: report:", err)
		return
	}
	_ = resp.Body.Close()
}

// close sends what is queued, waiting at most d.
func (r *reporter) close(d time.Duration) {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
	select {
	case <-r.done:
	case <-time.After(d):
	}
}
