// Package jwtmint makes the tokens of the contract cases: valid HS256
// tokens for the harness's own identities (contract §14), minted with
// github.com/golang-jwt/jwt/v5, and the bad tokens of AUTH-2 to AUTH-7,
// built segment by segment where a library would refuse to produce them
// (alg "none" in odd casings, mismatched algorithms, hostile headers,
// mistyped claims, broken encodings).
package jwtmint

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Identity is who a token names.
type Identity struct {
	UserID string
	OrgID  string
	Role   string // "admin" or "member"
}

// Roles of the contract's claim table.
const (
	Admin  = "admin"
	Member = "member"
)

// Minter signs tokens with the shared secret the target was started with.
type Minter struct {
	Secret []byte
}

// New returns a minter for secret.
func New(secret string) *Minter { return &Minter{Secret: []byte(secret)} }

// Claims returns the claim set of id expiring at exp.
func Claims(id Identity, exp time.Time) map[string]any {
	return map[string]any{
		"userId":         id.UserID,
		"organizationId": id.OrgID,
		"role":           id.Role,
		"exp":            exp.Unix(),
		"iat":            time.Now().Unix(),
	}
}

// Token is a valid token of id for ttl (negative: already expired).
func (m *Minter) Token(id Identity, ttl time.Duration) string {
	return m.Sign(Claims(id, time.Now().Add(ttl)))
}

// Sign returns an HS256 token over claims, exactly as a conforming issuer
// would make it: header {"alg":"HS256","typ":"JWT"}.
func (m *Minter) Sign(claims map[string]any) string {
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims)).SignedString(m.Secret)
	if err != nil {
		panic("jwtmint: HS256 signing cannot fail with a []byte key: " + err.Error())
	}
	return tok
}

// SignWith signs claims with a library method and key (HS384, HS512,
// RS256, …), for the algorithm-confusion cases; extra header members are
// added (kid, jku, …).
func SignWith(method jwt.SigningMethod, key any, claims map[string]any, header map[string]any) string {
	t := jwt.NewWithClaims(method, jwt.MapClaims(claims))
	for k, v := range header {
		t.Header[k] = v
	}
	tok, err := t.SignedString(key)
	if err != nil {
		panic("jwtmint: signing with " + method.Alg() + ": " + err.Error())
	}
	return tok
}

// RandomID returns prefix plus 12 random hex digits: fresh organizations
// and users for every run (contract AUTH-8, §14).
func RandomID(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
