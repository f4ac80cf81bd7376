package contract

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wirelog"
)

const reqAUTH4 = `"Verification MUST always use the shared secret. The server MUST NOT fetch what jku or x5u name, use a key carried in jwk or x5c, or let kid select a key or a file; a token signed with any other key is refused with Invalid token whatever its header says."`

// harnessHMACKey is the attacker's symmetric key of the AUTH-4 cases.
var harnessHMACKey = []byte("harness-attacker-key-0123456789abcdef")

// keyListener serves what a server fooled by jku or x5u would fetch — a
// JWKS with the attacker's keys, a PEM certificate — and counts requests.
type keyListener struct {
	srv  *httptest.Server
	hits atomic.Int64
}

func newKeyListener(log *wirelog.Log) *keyListener {
	l := &keyListener{}
	l.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.hits.Add(1)
		log.Add(wirelog.In, "http-request", "key-listener", []byte("the target fetched "+r.Method+" "+r.URL.String()))
		if r.URL.Path == "/cert.pem" {
			_, _ = w.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: selfSigned()}))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{octJWK(), rsaJWK()}})
	}))
	return l
}

func octJWK() map[string]any {
	return map[string]any{"kty": "oct", "kid": "harness", "alg": "HS256", "k": base64.RawURLEncoding.EncodeToString(harnessHMACKey)}
}

func rsaJWK() map[string]any {
	pub := rsaKey().PublicKey
	return map[string]any{"kty": "RSA", "kid": "harness-rsa", "alg": "RS256", "use": "sig",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}
}

// selfSigned is a certificate of the harness's RSA key (for x5c and x5u).
func selfSigned() []byte {
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "socketlab harness attacker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tpl, tpl, &rsaKey().PublicKey, rsaKey())
	return der
}

func authKeySpecs() []spec {
	type attack struct {
		id, title, how string
		make           func(listener string) string
	}
	hsAttacker := func(header map[string]any) string {
		h := map[string]any{"alg": "HS256", "typ": "JWT"}
		for k, v := range header {
			h[k] = v
		}
		return jwtmint.ForgeHMAC(h, memberClaims(), jwtmint.SHA256, harnessHMACKey)
	}
	attacks := []attack{
		{"AUTH-4.1", "jku naming the harness's JWKS", `{"alg":"HS256","jku":"http://<harness>/jwks.json","kid":"harness"}, signed with the harness's key`,
			func(l string) string { return hsAttacker(map[string]any{"jku": l + "/jwks.json", "kid": "harness"}) }},
		{"AUTH-4.2", "x5u naming the harness's certificate", `{"alg":"RS256","x5u":"http://<harness>/cert.pem"}, signed with the harness's RSA key`,
			func(l string) string {
				return jwtmint.SignWith(jwt.SigningMethodRS256, rsaKey(), memberClaims(), map[string]any{"x5u": l + "/cert.pem"})
			}},
		{"AUTH-4.3", "x5u with HS256 and the harness's key", `{"alg":"HS256","x5u":"http://<harness>/cert.pem"}, signed with the harness's key`,
			func(l string) string { return hsAttacker(map[string]any{"x5u": l + "/cert.pem"}) }},
		{"AUTH-4.4", "Embedded symmetric jwk", `{"alg":"HS256","jwk":{"kty":"oct","k":<harness key>}}, signed with that key`,
			func(string) string { return hsAttacker(map[string]any{"jwk": octJWK()}) }},
		{"AUTH-4.5", "Embedded RSA jwk", `{"alg":"RS256","jwk":<harness RSA public key>}, signed with the harness's RSA key`,
			func(string) string {
				return jwtmint.SignWith(jwt.SigningMethodRS256, rsaKey(), memberClaims(), map[string]any{"jwk": rsaJWK()})
			}},
		{"AUTH-4.6", "Embedded x5c certificate", `{"alg":"RS256","x5c":[<self-signed certificate>]}, signed with its key`,
			func(string) string {
				return jwtmint.SignWith(jwt.SigningMethodRS256, rsaKey(), memberClaims(), map[string]any{"x5c": []string{base64.StdEncoding.EncodeToString(selfSigned())}})
			}},
		{"AUTH-4.7", "kid naming /dev/null, empty key", `{"alg":"HS256","kid":"../../../../../../dev/null"}, signed with an empty key`,
			func(string) string {
				return jwtmint.ForgeHMAC(map[string]any{"alg": "HS256", "typ": "JWT", "kid": "../../../../../../dev/null"}, memberClaims(), jwtmint.SHA256, nil)
			}},
		{"AUTH-4.8", "kid as SQL injection", `{"alg":"HS256","kid":"x' UNION SELECT 'harness-attacker-key…' --"}, signed with that key`,
			func(string) string {
				return hsAttacker(map[string]any{"kid": "x' UNION SELECT '" + string(harnessHMACKey) + "' --"})
			}},
	}
	var out []spec
	for _, a := range attacks {
		out = append(out, spec{id: a.id, clause: "AUTH-4", level: suite.LevelAuth, strength: suite.Must, title: a.title, req: reqAUTH4,
			steps: []string{"the harness listens on 127.0.0.1 and serves its own keys there", "→ 40{\"token\":<" + a.how + ">}",
				"← 44{\"message\":\"Invalid token\"}, not connected, no event", "the harness's listener received no request"},
			run: func(c *suite.C) error {
				e := newEnv(c)
				l := newKeyListener(c.Log)
				defer l.srv.Close()
				if err := e.expectRefused(a.id, auth(a.make(l.srv.URL)), msgInvalidToken); err != nil {
					return err
				}
				if n := l.hits.Load(); n > 0 {
					return suite.Violationf("no request to the URL the token names", "the target fetched it %d time(s)", n)
				}
				return nil
			}})
	}
	return out
}
