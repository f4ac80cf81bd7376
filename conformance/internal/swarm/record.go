package swarm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Record is one line an agent reports: something that happened to one of
// its clients, at the agent's receive time.
type Record struct {
	Agent   int             `json:"agent"`
	Client  int             `json:"client"`
	Type    string          `json:"type"`
	At      time.Time       `json:"at"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Record types.
const (
	// TypeConnected: the client's first session is up (payload Session).
	TypeConnected = "connected"
	// TypeReconnected: a later session is up (payload Session).
	TypeReconnected = "reconnected"
	// TypeEvent: an EVENT arrived (payload Event).
	TypeEvent = "event"
	// TypeDisconnected: the session ended (payload Disconnect).
	TypeDisconnected = "disconnected"
	// TypeConnectError: an attempt to connect failed (payload ConnectFailure).
	TypeConnectError = "connect_error"
)

var knownTypes = map[string]bool{TypeConnected: true, TypeReconnected: true, TypeEvent: true,
	TypeDisconnected: true, TypeConnectError: true}

// Session is the payload of connected and reconnected.
type Session struct {
	Org  string `json:"org"`
	User string `json:"user"`
	SID  string `json:"sid"`
	// Attempts is how many dials this session took (1: the first worked).
	Attempts int `json:"attempts"`
	// DownMs is how long the client was without a session (reconnected).
	DownMs float64 `json:"downMs,omitempty"`
}

// Event is the payload of event: the event name and its arguments.
type Event struct {
	Name string            `json:"name"`
	Args []json.RawMessage `json:"args"`
}

// Disconnect reasons, named as socket.io-client names them.
const (
	// ReasonTransportClose: the server ended the connection (a close
	// frame, an Engine.IO close packet, end of stream, a reset).
	ReasonTransportClose = "transport close"
	// ReasonPingTimeout: no ping within pingInterval + pingTimeout; the
	// client dropped the connection itself.
	ReasonPingTimeout = "ping timeout"
	// ReasonServerDisconnect: the server sent DISCONNECT for "/"; like the
	// official client, the agent does not reconnect then.
	ReasonServerDisconnect = "io server disconnect"
	// ReasonClientDisconnect: the agent is shutting down.
	ReasonClientDisconnect = "io client disconnect"
)

// Disconnect is the payload of disconnected.
type Disconnect struct {
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// ConnectFailure is the payload of connect_error.
type ConnectFailure struct {
	Attempt int    `json:"attempt"`
	Error   string `json:"error"`
	// Refused is true for a CONNECT_ERROR: the client then gives up, as
	// the official client does after a middleware refusal.
	Refused bool `json:"refused,omitempty"`
}

// EncodeLines writes records as JSON lines.
func EncodeLines(records []Record) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, r := range records {
		_ = enc.Encode(r) // a Record always marshals: its payload is marshalled JSON
	}
	return b.Bytes()
}

// DecodeLines parses a body of JSON lines strictly: every non-empty line
// must be one Record with a known type, non-negative ids, a time and, when
// present, a JSON object payload. The collector refuses a body with any bad
// line rather than keep half of it.
func DecodeLines(body []byte) ([]Record, error) {
	var out []Record
	for i, line := range bytes.Split(body, []byte{'\n'}) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var r Record
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("line %d: more than one JSON value", i+1)
		}
		switch {
		case !knownTypes[r.Type]:
			return nil, fmt.Errorf("line %d: unknown type %q", i+1, r.Type)
		case r.Agent < 0 || r.Client < 0:
			return nil, fmt.Errorf("line %d: negative agent or client", i+1)
		case r.At.IsZero():
			return nil, fmt.Errorf("line %d: no time", i+1)
		case len(r.Payload) > 0 && (r.Payload[0] != '{' || !json.Valid(r.Payload)):
			return nil, fmt.Errorf("line %d: payload is not a JSON object", i+1)
		}
		out = append(out, r)
	}
	return out, nil
}
