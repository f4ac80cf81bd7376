package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
	"testing"
	"time"
)

// The contract's example secret and a fixed clock for exact boundaries.
var (
	secret = []byte("s3cret")
	now    = time.Unix(1_800_000_000, 0)
)

func fixedClock() time.Time { return now }

func newTestVerifier() *Verifier { return NewVerifier(secret, WithClock(fixedClock)) }

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// macSig is the base64url HMAC of input with h under key.
func macSig(h func() hash.Hash, key []byte, input string) string {
	m := hmac.New(h, key)
	m.Write([]byte(input))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// forge builds header.payload.signature from raw JSON, signing with sign
// (nil: empty signature).
func forge(header, payload string, sign func(input string) string) string {
	input := b64(header) + "." + b64(payload)
	if sign == nil {
		return input + "."
	}
	return input + "." + sign(input)
}

func hs256(key []byte) func(string) string {
	return func(in string) string { return macSig(sha256.New, key, in) }
}

var (
	signHS256 = hs256(secret)
	signHS384 = func(in string) string { return macSig(sha512.New384, secret, in) }
	signHS512 = func(in string) string { return macSig(sha512.New, secret, in) }
	garbage   = func(string) string { return b64(strings.Repeat("\x5a", 256)) }
)

const hdrHS256 = `{"alg":"HS256","typ":"JWT"}`

// payload returns Alice's claims with exp = now + 1h, plus/overridden by
// the given raw JSON members ("name": value, value "" removes name).
func payload(members ...string) string {
	base := []string{
		`"userId":"u-alice"`,
		`"organizationId":"acme"`,
		`"role":"admin"`,
		fmt.Sprintf(`"exp":%d`, now.Unix()+3600),
	}
	for _, m := range members {
		name, value, _ := strings.Cut(m, ":")
		replaced := false
		for i, b := range base {
			if strings.HasPrefix(b, name+":") {
				base[i] = m
				if value == "" {
					base[i] = ""
				}
				replaced = true
			}
		}
		if !replaced && value != "" {
			base = append(base, m)
		}
	}
	var kept []string
	for _, b := range base {
		if b != "" {
			kept = append(kept, b)
		}
	}
	return "{" + strings.Join(kept, ",") + "}"
}

func at(d time.Duration) string { return fmt.Sprint(now.Add(d).Unix()) }

// tokenOfLen returns an HS256 token under secret, valid at now, of exactly
// n bytes, padding an unlisted claim.
func tokenOfLen(t *testing.T, n int) string {
	t.Helper()
	headers := []string{hdrHS256, `{"alg":"HS256"}`, `{"typ":"JWT","alg":"HS256"}`, `{"alg":"HS256","typ":"jwt","cty":"x"}`}
	for _, h := range headers {
		for pad := 0; pad < n; pad++ {
			tok := forge(h, payload(`"pad":"`+strings.Repeat("x", pad)+`"`), signHS256)
			if len(tok) == n {
				return tok
			}
			if len(tok) > n {
				break
			}
		}
	}
	t.Fatalf("no token of %d bytes", n)
	return ""
}

// valid is a good token for Alice at now.
func valid() string { return forge(hdrHS256, payload(), signHS256) }
