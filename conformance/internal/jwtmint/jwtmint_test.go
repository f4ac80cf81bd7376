package jwtmint

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestTokenVerifiesWithTheSecret(t *testing.T) {
	m := New("s3cret")
	id := Identity{UserID: "u-alice", OrgID: "acme", Role: Admin}
	tok := m.Token(id, time.Hour)
	parsed, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return m.Secret, nil }, jwt.WithValidMethods([]string{"HS256"}))
	if err != nil || !parsed.Valid {
		t.Fatalf("token does not verify: %v", err)
	}
	claims := parsed.Claims.(jwt.MapClaims)
	if claims["userId"] != "u-alice" || claims["organizationId"] != "acme" || claims["role"] != "admin" {
		t.Fatalf("claims %v", claims)
	}
	if _, err := jwt.Parse(m.Token(id, -time.Minute), func(*jwt.Token) (any, error) { return m.Secret, nil }); err == nil {
		t.Fatal("a token minted expired verifies")
	}
}

func TestForgedNoneHasAnEmptySignature(t *testing.T) {
	tok := Forge(map[string]any{"alg": "nOnE"}, map[string]any{"userId": "u"}, "")
	h, p, sig, ok := Parts(tok)
	if !ok || string(h) != `{"alg":"nOnE"}` || string(p) != `{"userId":"u"}` || len(sig) != 0 || !strings.HasSuffix(tok, ".") {
		t.Fatalf("%q: %s %s %v %v", tok, h, p, sig, ok)
	}
}

func TestSignedHS256MatchesTheLibrary(t *testing.T) {
	m := New("k")
	claims := map[string]any{"a": 1}
	if got, want := m.SignedHS256(map[string]any{"alg": "HS256", "typ": "JWT"}, claims), m.Sign(claims); got != want {
		t.Fatalf("hand-built %q, library %q", got, want)
	}
}

func TestPadToExactLengths(t *testing.T) {
	m := New("s3cret")
	claims := Claims(Identity{UserID: "u", OrgID: "o", Role: Member}, time.Now().Add(time.Hour))
	for _, n := range []int{8190, 8191, 8192, 8193, 8194} {
		tok, ok := m.PadTo(claims, n)
		if !ok || len(tok) != n {
			t.Fatalf("PadTo(%d): %d bytes, ok %v", n, len(tok), ok)
		}
		if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return m.Secret, nil }, jwt.WithValidMethods([]string{"HS256"})); err != nil {
			t.Fatalf("PadTo(%d) is not validly signed: %v", n, err)
		}
	}
	if _, ok := m.PadTo(claims, 10); ok {
		t.Fatal("PadTo(10) claims success")
	}
}

// FuzzParts: splitting any string must not panic, and a token built from
// parts must split back into them.
func FuzzParts(f *testing.F) {
	for _, s := range []string{"", ".", "..", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.", "a.b.c.d", "@@@.###.$$$", "eyJ+/.e30=.x"} {
		f.Add(s, []byte(`{"alg":"HS256"}`), []byte(`{}`))
	}
	f.Fuzz(func(t *testing.T, tok string, header, payload []byte) {
		_, _, _, _ = Parts(tok)
		h, p, _, ok := Parts(Forge(header, payload, B64([]byte("sig"))))
		if !ok || string(h) != string(header) || string(p) != string(payload) {
			t.Fatalf("round trip of %q %q: %q %q %v", header, payload, h, p, ok)
		}
	})
}
