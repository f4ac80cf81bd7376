package socketio

import (
	"crypto/rand"
	"encoding/base64"
)

// newSocketID returns a random, URL-safe, unguessable identifier of 20
// characters, the same shape as socket.io's socket ids. Socket ids are
// deliberately distinct from Engine.IO session ids: the engine sid is a
// credential for the polling transport and must never be shown to other
// clients, while socket ids are broadcast-safe.
func newSocketID() string {
	var b [15]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}
