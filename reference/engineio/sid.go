package engineio

import (
	"crypto/rand"
	"encoding/base64"
)

// sidBytes random bytes make a 20-character base64url session ID, the
// length of socket.io's (which spends 3 of its 15 bytes on a counter; all
// 120 bits of ours are random, so an ID cannot be guessed from another).
const sidBytes = 15

// newSessionID returns a random, URL-safe session ID.
func newSessionID() string {
	var b [sidBytes]byte
	rand.Read(b[:]) // never fails: crypto/rand crashes the program rather than return short
	return base64.RawURLEncoding.EncodeToString(b[:])
}
