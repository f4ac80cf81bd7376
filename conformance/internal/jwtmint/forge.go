package jwtmint

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"strings"
)

// B64 is base64url without padding, the JWS segment encoding.
func B64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Segment encodes v as a JWS segment: a string or []byte is taken as the
// raw JSON text (so that a case can send non-objects or broken JSON),
// anything else is marshalled.
func Segment(v any) string {
	switch x := v.(type) {
	case string:
		return B64([]byte(x))
	case []byte:
		return B64(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("jwtmint: " + err.Error())
	}
	return B64(b)
}

// Forge assembles header.payload.signature from raw parts; sig is the
// already encoded third segment.
func Forge(header, payload any, sig string) string {
	return Segment(header) + "." + Segment(payload) + "." + sig
}

// HMAC computes the signature segment of signingInput with hash h.
func HMAC(h func() hash.Hash, key []byte, signingInput string) string {
	mac := hmac.New(h, key)
	mac.Write([]byte(signingInput))
	return B64(mac.Sum(nil))
}

// Hash functions for HMAC.
var (
	SHA256 = sha256.New
	SHA384 = sha512.New384
	SHA512 = sha512.New
)

// ForgeHMAC builds a token with an arbitrary header, signed by HMAC with h
// and key whatever the header says: how a server that lets the header
// choose is fooled, and how a valid-looking token with a lying header is
// made.
func ForgeHMAC(header, payload any, h func() hash.Hash, key []byte) string {
	input := Segment(header) + "." + Segment(payload)
	return input + "." + HMAC(h, key, input)
}

// SignedHS256 is a token with header and payload as given, correctly
// signed with HS256 under the minter's secret.
func (m *Minter) SignedHS256(header, payload any) string {
	return ForgeHMAC(header, payload, SHA256, m.Secret)
}

// Parts splits a compact token into its decoded header and payload JSON
// and its raw signature; ok is false unless it has exactly three
// base64url segments.
func Parts(tok string) (header, payload, sig []byte, ok bool) {
	seg := strings.Split(tok, ".")
	if len(seg) != 3 {
		return nil, nil, nil, false
	}
	var err error
	if header, err = base64.RawURLEncoding.DecodeString(seg[0]); err != nil {
		return nil, nil, nil, false
	}
	if payload, err = base64.RawURLEncoding.DecodeString(seg[1]); err != nil {
		return nil, nil, nil, false
	}
	if sig, err = base64.RawURLEncoding.DecodeString(seg[2]); err != nil {
		return nil, nil, nil, false
	}
	return header, payload, sig, true
}

// PadTo returns a validly signed token of claims plus a filler claim
// "pad" (unlisted, so ignored by the contract) whose length makes the
// compact token exactly n bytes long; ok is false when n is too short.
func (m *Minter) PadTo(claims map[string]any, n int) (string, bool) {
	c := make(map[string]any, len(claims)+1)
	for k, v := range claims {
		c[k] = v
	}
	// base64url without padding never has a length of 4k+1, so a single
	// filler cannot reach every n: a header of another length shifts the
	// total (an unregistered header member, which verifiers ignore).
	headers := []map[string]any{{"alg": "HS256", "typ": "JWT"}}
	for k := 1; k <= 3; k++ {
		headers = append(headers, map[string]any{"alg": "HS256", "typ": "JWT", "x": strings.Repeat("x", k)})
	}
	sigLen := len(HMAC(SHA256, m.Secret, ""))
	for _, h := range headers {
		c["pad"] = ""
		base := len(mustJSON(c))
		hl := len(Segment(h))
		for pad := 0; ; pad++ {
			total := hl + 1 + base64.RawURLEncoding.EncodedLen(base+pad) + 1 + sigLen
			if total == n {
				c["pad"] = strings.Repeat("x", pad)
				return m.SignedHS256(h, c), true
			}
			if total > n {
				break
			}
		}
	}
	return "", false
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("jwtmint: " + err.Error())
	}
	return b
}
