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
func newSocketID() string { return randomToken(15) }

// randomToken returns n random bytes, URL-safe base64 encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}
