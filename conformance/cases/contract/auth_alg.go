package contract

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/suite"
)

const reqAUTH3 = `"The server MUST verify the signature as HMAC-SHA-256 under the shared secret, with a header alg of exactly "HS256" (case-sensitive). Refused with Invalid token: alg none in any casing, signed or not; any other algorithm (HS384 and HS512 even when made with the shared secret, RS256, hs256, …); a wrong or empty signature."`

// harnessKeys are the harness's own asymmetric keys, made once per run.
var harnessKeys struct {
	once sync.Once
	rsa  *rsa.PrivateKey
	ec   *ecdsa.PrivateKey
}

func rsaKey() *rsa.PrivateKey {
	harnessKeys.once.Do(func() {
		harnessKeys.rsa, _ = rsa.GenerateKey(rand.Reader, 2048)
		harnessKeys.ec, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	})
	return harnessKeys.rsa
}

func ecKey() *ecdsa.PrivateKey {
	rsaKey()
	return harnessKeys.ec
}

// memberClaims are valid claims of a fresh member, valid for an hour.
func memberClaims() map[string]any {
	return jwtmint.Claims(newTenant("tok").Member, time.Now().Add(time.Hour))
}

// badToken is one forged token and why it must be refused.
type badToken struct {
	id, title, how string
	make           func(m *jwtmint.Minter) string
}

// tokenSpecs turns bad tokens into cases refused with Invalid token.
func tokenSpecs(clause, req string, level suite.Level, toks []badToken) []spec {
	var out []spec
	for _, t := range toks {
		out = append(out, spec{id: t.id, clause: clause, level: level, strength: suite.Must, title: t.title, req: req,
			steps: []string{"→ 40{\"token\":<" + t.how + ">}", "← 44{\"message\":\"Invalid token\"}, not connected, no event"},
			run: func(c *suite.C) error {
				e := newEnv(c)
				return e.expectRefused(t.id, auth(t.make(e.mint)), msgInvalidToken)
			}})
	}
	return out
}

func authAlgSpecs() []spec {
	none := func(alg string) func(*jwtmint.Minter) string {
		return func(*jwtmint.Minter) string {
			return jwtmint.Forge(map[string]any{"alg": alg, "typ": "JWT"}, memberClaims(), "")
		}
	}
	hs := func(alg string) func(*jwtmint.Minter) string {
		return func(m *jwtmint.Minter) string {
			return jwtmint.ForgeHMAC(map[string]any{"alg": alg, "typ": "JWT"}, memberClaims(), jwtmint.SHA256, m.Secret)
		}
	}
	return tokenSpecs("AUTH-3", reqAUTH3, suite.LevelAuth, []badToken{
		{"AUTH-3.1", `alg "none", unsigned`, `{"alg":"none"}, empty signature`, none("none")},
		{"AUTH-3.2", `alg "None", unsigned`, `{"alg":"None"}, empty signature`, none("None")},
		{"AUTH-3.3", `alg "NONE", unsigned`, `{"alg":"NONE"}, empty signature`, none("NONE")},
		{"AUTH-3.4", `alg "nOnE", unsigned`, `{"alg":"nOnE"}, empty signature`, none("nOnE")},
		{"AUTH-3.5", `alg "none" with a valid HS256 signature`, `{"alg":"none"}, signed with HS256 under the shared secret`, hs("none")},
		{"AUTH-3.6", "HS384 under the shared secret", "HS384 under the shared secret", func(m *jwtmint.Minter) string {
			return jwtmint.SignWith(jwt.SigningMethodHS384, m.Secret, memberClaims(), nil)
		}},
		{"AUTH-3.7", "HS512 under the shared secret", "HS512 under the shared secret", func(m *jwtmint.Minter) string {
			return jwtmint.SignWith(jwt.SigningMethodHS512, m.Secret, memberClaims(), nil)
		}},
		{"AUTH-3.8", "RS256 with the harness's RSA key", "RS256, the harness's 2048-bit key", func(*jwtmint.Minter) string {
			return jwtmint.SignWith(jwt.SigningMethodRS256, rsaKey(), memberClaims(), nil)
		}},
		{"AUTH-3.9", "ES256 with the harness's EC key", "ES256, the harness's P-256 key", func(*jwtmint.Minter) string {
			return jwtmint.SignWith(jwt.SigningMethodES256, ecKey(), memberClaims(), nil)
		}},
		{"AUTH-3.10", `alg "hs256" (wrong case), correctly signed`, `{"alg":"hs256"}, HMAC-SHA-256 under the shared secret`, hs("hs256")},
		{"AUTH-3.11", `alg "HS256 " (trailing space), correctly signed`, `{"alg":"HS256 "}, HMAC-SHA-256 under the shared secret`, hs("HS256 ")},
		{"AUTH-3.12", "No alg, correctly signed", "header {\"typ\":\"JWT\"}, HMAC-SHA-256 under the shared secret", func(m *jwtmint.Minter) string {
			return jwtmint.ForgeHMAC(map[string]any{"typ": "JWT"}, memberClaims(), jwtmint.SHA256, m.Secret)
		}},
		{"AUTH-3.13", "HS256 under another secret", "HS256 under a secret that is not the shared one", func(m *jwtmint.Minter) string {
			return jwtmint.New(string(m.Secret) + "-not").Sign(memberClaims())
		}},
		{"AUTH-3.14", "HS256 with an empty signature", "a valid header and payload, empty third segment", func(m *jwtmint.Minter) string {
			tok := m.Sign(memberClaims())
			return tok[:strings.LastIndexByte(tok, '.')+1]
		}},
		{"AUTH-3.15", "HS256 with one signature character changed", "a valid token whose first signature character is changed", func(m *jwtmint.Minter) string {
			tok := m.Sign(memberClaims())
			i := strings.LastIndexByte(tok, '.') + 1
			repl := byte('A')
			if tok[i] == 'A' {
				repl = 'B'
			}
			return tok[:i] + string(repl) + tok[i+1:]
		}},
		{"AUTH-3.16", "HS256 signature of other claims", "the payload of one valid token with the signature of another", func(m *jwtmint.Minter) string {
			a, b := m.Sign(memberClaims()), m.Sign(memberClaims())
			return a[:strings.LastIndexByte(a, '.')] + b[strings.LastIndexByte(b, '.'):]
		}},
	})
}
