package browser

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Record is one thing the official client reported in the page, in the
// order it happened (harness.js records them; see its kinds there):
// connecting, open, upgrade, connect, connect_error, disconnect,
// engine_close, reconnect_attempt, reconnect_error, reconnect,
// reconnect_failed, event.
type Record struct {
	Seq  int     `json:"seq"`
	At   float64 `json:"at"` // the page's clock, ms since the epoch
	Kind string  `json:"kind"`
	// event: its name and arguments.
	Event string            `json:"event,omitempty"`
	Args  []json.RawMessage `json:"args,omitempty"`
	// connect_error, reconnect_error: the Error's message and data.
	Message string          `json:"message,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	// disconnect, engine_close: the reason and its details.
	Reason      string `json:"reason,omitempty"`
	Description string `json:"description,omitempty"`
	// Active is socket.active after a connect_error or disconnect: whether
	// the client will try to reconnect on its own.
	Active bool `json:"active,omitempty"`
	// open, upgrade, connect: the Engine.IO transport's name.
	Transport string `json:"transport,omitempty"`
	ID        string `json:"id,omitempty"`  // connect: socket.id
	SID       string `json:"sid,omitempty"` // open: the Engine.IO session id
	Attempt   int    `json:"attempt,omitempty"`
	URL       string `json:"url,omitempty"`
}

// Time is when the page recorded it.
func (r Record) Time() time.Time {
	return time.UnixMicro(int64(r.At * 1000))
}

// Arg decodes argument i of an event.
func (r Record) Arg(i int, v any) error {
	if i >= len(r.Args) {
		return fmt.Errorf("event %q has %d arguments, not %d", r.Event, len(r.Args), i+1)
	}
	return json.Unmarshal(r.Args[i], v)
}

// Body is the first argument of an event as a JSON object (nil when it
// is not one).
func (r Record) Body() map[string]any {
	var m map[string]any
	if len(r.Args) == 0 || json.Unmarshal(r.Args[0], &m) != nil {
		return nil
	}
	return m
}

// String is the record as the wire log and verdicts show it.
func (r Record) String() string {
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
		add("transport", r.Transport)
		add("id", r.ID)
		add("sid", r.SID)
		add("url", r.URL)
		add("message", quoteIf(r.Message))
		if len(r.Data) > 0 && string(r.Data) != "null" {
			add("data", string(r.Data))
		}
		add("reason", quoteIf(r.Reason))
		add("description", quoteIf(r.Description))
		if r.Attempt > 0 {
			add("attempt", fmt.Sprint(r.Attempt))
		}
		if r.Kind == "connect_error" || r.Kind == "disconnect" {
			add("active", fmt.Sprint(r.Active))
		}
	}
	return b.String()
}

func quoteIf(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf("%q", s)
}

// Kinds lists the records' kinds in order, for verdicts.
func Kinds(rs []Record) string {
	ks := make([]string, len(rs))
	for i, r := range rs {
		ks[i] = r.Kind
		if r.Kind == "event" {
			ks[i] = "event " + r.Event
		}
	}
	return strings.Join(ks, ", ")
}
