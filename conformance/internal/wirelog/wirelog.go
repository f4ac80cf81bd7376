// Package wirelog records what the harness and a target exchanged — frames,
// Engine.IO packets, HTTP requests and responses — with timestamps, for the
// conformance report. It redacts JSON Web Tokens: reports are shared, and a
// token signed with a real secret is a credential.
package wirelog

import (
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Direction of an entry.
const (
	Out  = "→" // harness to target
	In   = "←" // target to harness
	Note = "·" // a remark of the harness (a cut, a timeout, a verdict reason)
)

// MaxData bounds the bytes kept per entry: a 1 MB payload case must not make
// a 1 MB report line.
const MaxData = 2048

// Entry is one recorded exchange.
type Entry struct {
	At   time.Duration `json:"at"` // since the log started
	Dir  string        `json:"dir"`
	Kind string        `json:"kind"` // ws-text, ws-binary, ws-close, ws-raw, http-request, http-response, tcp, note
	Conn string        `json:"conn,omitempty"`
	Data string        `json:"data"`
	Size int           `json:"size"` // the full size before truncation
}

// Log is a concurrency-safe, append-only list of entries.
type Log struct {
	mu      sync.Mutex
	start   time.Time
	entries []Entry
}

// New starts a log now.
func New() *Log { return &Log{start: time.Now()} }

var jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*`)

// Redact replaces every JWT-shaped string by a marker keeping its size.
func Redact(s string) string {
	return jwtPattern.ReplaceAllStringFunc(s, func(tok string) string {
		return "<jwt redacted, " + strconv.Itoa(len(tok)) + " bytes>"
	})
}

// Add records an entry; a nil Log records nothing.
func (l *Log) Add(dir, kind, conn string, data []byte) {
	if l == nil {
		return
	}
	size := len(data)
	if len(data) > MaxData {
		data = data[:MaxData]
	}
	text := Redact(string(data))
	if size > MaxData {
		text += "…"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, Entry{At: time.Since(l.start), Dir: dir, Kind: kind, Conn: conn, Data: text, Size: size})
}

// Notef records a remark of the harness.
func (l *Log) Notef(format string, args ...any) {
	l.Add(Note, "note", "", []byte(fmt.Sprintf(format, args...)))
}

// Entries returns a copy of the entries so far.
func (l *Log) Entries() []Entry {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Entry(nil), l.entries...)
}

// HeaderLines renders headers for an entry: "\nName: value" per value,
// names sorted so that the same request always logs the same way.
func HeaderLines(h http.Header) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			b.WriteString("\n" + k + ": " + v)
		}
	}
	return b.String()
}
