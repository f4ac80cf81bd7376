package setcheck

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Key joins an event name and its JSON arguments into one comparable key:
// each argument is re-encoded with sorted members and exact numbers, so
// that two servers' (or two sockets') orderings of the same object give
// the same key.
func Key(name string, args ...json.RawMessage) string {
	parts := []string{name}
	for _, a := range args {
		parts = append(parts, Canonical(a))
	}
	return strings.Join(parts, " ")
}

// Canonical re-encodes a JSON text with sorted object members; invalid
// JSON is returned as it is.
func Canonical(raw []byte) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return string(raw)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return string(raw)
	}
	return string(out)
}
