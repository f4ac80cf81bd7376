package swarm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// ClientID names one client of the swarm.
type ClientID struct{ Agent, Client int }

func (id ClientID) String() string { return fmt.Sprintf("agent %d client %d", id.Agent, id.Client) }

// Client is what the collector knows of one client, from its records.
type Client struct {
	ID        ClientID
	Org, User string
	// Up is true while the client has a session.
	Up bool
	// Sessions are its connections (the first, then the reconnections).
	Sessions    []SessionAt
	Disconnects []DisconnectAt
	Events      []EventAt
	Failures    []FailureAt
}

// SessionAt is a connected or reconnected record.
type SessionAt struct {
	At        time.Time
	Reconnect bool
	Session
}

// DisconnectAt is a disconnected record.
type DisconnectAt struct {
	At time.Time
	Disconnect
}

// EventAt is an event record: the event at its receive time.
type EventAt struct {
	At time.Time
	Event
}

// FailureAt is a connect_error record.
type FailureAt struct {
	At time.Time
	ConnectFailure
}

// Collector receives the agents' records over HTTP on 127.0.0.1.
type Collector struct {
	// URL is where agents POST their records.
	URL string

	srv *http.Server
	ln  net.Listener

	mu      sync.Mutex
	clients map[ClientID]*Client
	changed chan struct{}
	records int
	refused []string // why bodies were refused (bounded)
}

// maxBody bounds one POST: a batch is at most maxBatch records.
const maxBody = 64 << 20

// NewCollector listens on 127.0.0.1:0 (host-network containers reach it
// there).
func NewCollector() (*Collector, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &Collector{ln: ln, clients: map[ClientID]*Client{}, changed: make(chan struct{}),
		URL: "http://" + ln.Addr().String() + "/records"}
	c.srv = &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

// Close stops listening; the records stay readable.
func (c *Collector) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = c.srv.Shutdown(ctx)
}

func (c *Collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/records" {
		http.Error(w, "POST /records only", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err == nil && len(body) > maxBody {
		err = errors.New("body too large")
	}
	var recs []Record
	if err == nil {
		recs, err = DecodeLines(body)
	}
	if err != nil {
		c.mu.Lock()
		if len(c.refused) < 10 {
			c.refused = append(c.refused, err.Error())
		}
		c.mu.Unlock()
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.add(recs)
	w.WriteHeader(http.StatusNoContent)
}

// add applies records in order and wakes the waiters.
func (c *Collector) add(recs []Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range recs {
		id := ClientID{r.Agent, r.Client}
		cl := c.clients[id]
		if cl == nil {
			cl = &Client{ID: id}
			c.clients[id] = cl
		}
		c.records++
		switch r.Type {
		case TypeConnected, TypeReconnected:
			var s Session
			_ = json.Unmarshal(r.Payload, &s)
			cl.Org, cl.User, cl.Up = s.Org, s.User, true
			cl.Sessions = append(cl.Sessions, SessionAt{At: r.At, Reconnect: r.Type == TypeReconnected, Session: s})
		case TypeEvent:
			var e Event
			_ = json.Unmarshal(r.Payload, &e)
			cl.Events = append(cl.Events, EventAt{At: r.At, Event: e})
		case TypeDisconnected:
			var d Disconnect
			_ = json.Unmarshal(r.Payload, &d)
			cl.Up = false
			cl.Disconnects = append(cl.Disconnects, DisconnectAt{At: r.At, Disconnect: d})
		case TypeConnectError:
			var f ConnectFailure
			_ = json.Unmarshal(r.Payload, &f)
			cl.Failures = append(cl.Failures, FailureAt{At: r.At, ConnectFailure: f})
		}
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

// View is a consistent read of the collector's state, valid during the
// callback it is passed to.
type View map[ClientID]*Client

// Read calls f with the current state under the collector's lock.
func (c *Collector) Read(f func(View)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c.clients)
}

// Until re-evaluates done on every batch of records until it returns true
// or ctx ends; the error then names what was awaited and the last
// progress done reported.
func (c *Collector) Until(ctx context.Context, what string, done func(View) (bool, string)) error {
	for {
		c.mu.Lock()
		ok, progress := done(c.clients)
		changed := c.changed
		c.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return &WaitError{What: what, Progress: progress, Cause: ctx.Err()}
		}
	}
}

// WaitError says a wait on the collector ended before its condition held.
type WaitError struct {
	What, Progress string
	Cause          error
}

func (e *WaitError) Error() string {
	return fmt.Sprintf("timed out waiting for %s (%s)", e.What, e.Progress)
}

func (e *WaitError) Unwrap() error { return e.Cause }

// Stats are the collector's totals.
type Stats struct {
	Records int
	Clients int
	// Refused are reasons why bodies were refused (the first ten).
	Refused []string
}

// Stats returns the totals so far.
func (c *Collector) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Records: c.records, Clients: len(c.clients), Refused: append([]string(nil), c.refused...)}
}

// Sorted returns the view's clients ordered by agent, then client.
func (v View) Sorted() []*Client {
	out := make([]*Client, 0, len(v))
	for _, cl := range v {
		out = append(out, cl)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID.Agent != out[j].ID.Agent {
			return out[i].ID.Agent < out[j].ID.Agent
		}
		return out[i].ID.Client < out[j].ID.Client
	})
	return out
}
