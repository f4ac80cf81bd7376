package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"socketlab/conformance/internal/wirelog"
)

// Report is one line a client testee reported (the contract's kinds:
// start, connect, connect_error, disconnect, reconnect_attempt, reconnect,
// reconnect_error, reconnect_failed, event, exit).
type Report struct {
	Seq  int     `json:"seq"`
	At   float64 `json:"at"` // the client's clock, ms since the epoch
	Kind string  `json:"kind"`
	// connect
	ID        string `json:"id,omitempty"`
	Recovered bool   `json:"recovered,omitempty"`
	Transport string `json:"transport,omitempty"`
	// connect_error, reconnect_error
	Message string          `json:"message,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	// disconnect, exit
	Reason string `json:"reason,omitempty"`
	// connect_error, disconnect: socket.active, whether the client will
	// reconnect by itself
	Active *bool `json:"active,omitempty"`
	// reconnect_attempt, reconnect
	Attempt int `json:"attempt,omitempty"`
	// event
	Event string            `json:"event,omitempty"`
	Args  []json.RawMessage `json:"args,omitempty"`
	// start
	Client string `json:"client,omitempty"`

	// Received is when the harness got the line.
	Received time.Time `json:"-"`
}

func (r Report) String() string {
	var b strings.Builder
	b.WriteString(r.Kind)
	add := func(k, v string) {
		if v != "" {
			b.WriteString(" " + k + "=" + v)
		}
	}
	switch r.Kind {
	case "event":
		args := make([]string, len(r.Args))
		for i, a := range r.Args {
			args[i] = string(a)
		}
		b.WriteString(" " + r.Event + " [" + strings.Join(args, ",") + "]")
	default:
		add("id", r.ID)
		if r.Kind == "connect" {
			add("recovered", fmt.Sprint(r.Recovered))
		}
		add("transport", r.Transport)
		if r.Message != "" {
			add("message", fmt.Sprintf("%q", r.Message))
		}
		if len(r.Data) > 0 && string(r.Data) != "null" {
			add("data", string(r.Data))
		}
		if r.Reason != "" {
			add("reason", fmt.Sprintf("%q", r.Reason))
		}
		if r.Active != nil {
			add("active", fmt.Sprint(*r.Active))
		}
		if r.Attempt != 0 {
			add("attempt", fmt.Sprint(r.Attempt))
		}
		add("client", r.Client)
	}
	return b.String()
}

// ParseReports reads a POST body of JSON lines. Blank lines are skipped;
// a line that is not a JSON object with a "kind" is returned as an error
// (the testee broke the contract) and the others are still read.
func ParseReports(body []byte) ([]Report, []error) {
	var out []Report
	var errs []error
	for i, line := range bytes.Split(body, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var r Report
		if err := json.Unmarshal(line, &r); err != nil {
			errs = append(errs, fmt.Errorf("report line %d %.80q: %w", i+1, line, err))
			continue
		}
		if r.Kind == "" {
			errs = append(errs, fmt.Errorf("report line %d %.80q has no kind", i+1, line))
			continue
		}
		out = append(out, r)
	}
	return out, errs
}

// sink is the HTTP endpoint a client testee reports to (SOCKETLAB_REPORT_URL).
// It answers CORS for any origin: a page reports from its own origin.
type sink struct {
	URL  string
	log  *wirelog.Log
	name string
	srv  *http.Server

	mu      sync.Mutex
	changed chan struct{}
	reports []Report
	bad     []error
}

// maxReportBody bounds one POST: reports are small, a flood is a bug.
const maxReportBody = 4 << 20

func startSink(log *wirelog.Log, name string) (*sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &sink{URL: "http://" + ln.Addr().String() + "/report", log: log, name: name, changed: make(chan struct{})}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *sink) close() { _ = s.srv.Close() }

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "*")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/report" {
		http.Error(w, "POST /report", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReportBody))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	now := time.Now()
	reports, bad := ParseReports(body)
	s.mu.Lock()
	for _, rep := range reports {
		rep.Received = now
		s.reports = append(s.reports, rep)
		s.log.Add(wirelog.Note, "client", s.name, []byte(rep.String()))
	}
	for _, err := range bad {
		s.log.Add(wirelog.Note, "client", s.name, []byte("unreadable report: "+err.Error()))
	}
	s.bad = append(s.bad, bad...)
	// The contract sends lines in order; a client posting concurrently
	// may not: keep them by sequence number.
	slices.SortStableFunc(s.reports, func(a, b Report) int { return a.Seq - b.Seq })
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// Reports returns the reports so far, in sequence order.
func (s *sink) Reports() []Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reports)
}

// Bad returns the report lines that could not be read.
func (s *sink) Bad() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.bad)
}

// reportTimeout says the client did not report what a case waited for.
type reportTimeout struct {
	Waiting string
	Seen    []Report
}

func (e *reportTimeout) Error() string {
	return fmt.Sprintf("the client did not report %s (it reported: %s)", e.Waiting, Kinds(e.Seen))
}

// await waits until n reports match and returns the n-th.
func (s *sink) await(ctx context.Context, what string, n int, match func(Report) bool) (Report, error) {
	for {
		s.mu.Lock()
		count := 0
		for _, r := range s.reports {
			if match(r) {
				count++
				if count == n {
					s.mu.Unlock()
					return r, nil
				}
			}
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Report{}, &reportTimeout{Waiting: what, Seen: s.Reports()}
		}
	}
}

// Kinds lists reports for a verdict, the last ones when there are many.
func Kinds(rs []Report) string {
	if len(rs) == 0 {
		return "nothing"
	}
	const keep = 12
	var parts []string
	if len(rs) > keep {
		parts = append(parts, fmt.Sprintf("…%d earlier", len(rs)-keep))
		rs = rs[len(rs)-keep:]
	}
	for _, r := range rs {
		s := r.String()
		if len(s) > 100 {
			s = s[:100] + "…"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// kind matches reports of one kind.
func kind(k string) func(Report) bool { return func(r Report) bool { return r.Kind == k } }

// event matches event reports of one name.
func event(name string) func(Report) bool {
	return func(r Report) bool { return r.Kind == "event" && r.Event == name }
}
