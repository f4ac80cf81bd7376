package contract

import (
	"encoding/json"
	"strings"
	"time"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/suite"
)

const reqAUTH5 = `"The payload MUST be a JSON object with the claims of the table, of the types given. A missing required claim, an empty userId or organizationId, another role, or a listed claim of another JSON type ("exp":"1795698000", "userId":42) is refused with Invalid token. Unlisted claims (iss, aud, sub, jti, …) are ignored."`

const reqAUTH6 = `"With now the server's clock in seconds, a token without exp, with now ≥ exp + 5, or with nbf > now + 5 MUST be refused with Invalid token; within those bounds a token that is otherwise valid MUST be accepted."`

const reqAUTH7 = `"Refused with Invalid token: a token that is not a string (false, 0, 123, {}); one longer than 8192 bytes (8 KiB), judged before any decoding; anything but three dot-separated base64url segments; a header or payload that is not a JSON object; an undecodable signature. A valid token of up to 8192 bytes MUST be accepted."`

var hs256Header = map[string]any{"alg": "HS256", "typ": "JWT"}

// claimsWith returns valid member claims with edits applied (a nil value
// deletes the claim).
func claimsWith(edits map[string]any) map[string]any {
	c := memberClaims()
	for k, v := range edits {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// signedClaims makes a correctly signed HS256 token of edited claims.
func signedClaims(edits map[string]any) func(*jwtmint.Minter) string {
	return func(m *jwtmint.Minter) string { return m.SignedHS256(hs256Header, claimsWith(edits)) }
}

// rawNull is a JSON null claim value (a nil in edits deletes instead).
var rawNull = json.RawMessage("null")

func authClaimSpecs() []spec {
	out := tokenSpecs("AUTH-5", reqAUTH5, suite.LevelAuth, []badToken{
		{"AUTH-5.1", "No userId", "valid HS256, no userId", signedClaims(map[string]any{"userId": nil})},
		{"AUTH-5.2", "No organizationId", "valid HS256, no organizationId", signedClaims(map[string]any{"organizationId": nil})},
		{"AUTH-5.3", "No role", "valid HS256, no role", signedClaims(map[string]any{"role": nil})},
		{"AUTH-5.4", "Empty userId", `valid HS256, "userId":""`, signedClaims(map[string]any{"userId": ""})},
		{"AUTH-5.5", "Empty organizationId", `valid HS256, "organizationId":""`, signedClaims(map[string]any{"organizationId": ""})},
		{"AUTH-5.6", `role "owner"`, `valid HS256, "role":"owner"`, signedClaims(map[string]any{"role": "owner"})},
		{"AUTH-5.7", `role "Admin" (wrong case)`, `valid HS256, "role":"Admin"`, signedClaims(map[string]any{"role": "Admin"})},
		{"AUTH-5.8", "exp as a string", `valid HS256, "exp":"<now+3600>"`, func(m *jwtmint.Minter) string {
			return m.SignedHS256(hs256Header, claimsWith(map[string]any{"exp": jsonString(time.Now().Add(time.Hour).Unix())}))
		}},
		{"AUTH-5.9", "userId as a number", `valid HS256, "userId":42`, signedClaims(map[string]any{"userId": 42})},
		{"AUTH-5.10", "organizationId as an object", `valid HS256, "organizationId":{"$ne":null}`, signedClaims(map[string]any{"organizationId": map[string]any{"$ne": nil}})},
		{"AUTH-5.11", "role as an array", `valid HS256, "role":["admin"]`, signedClaims(map[string]any{"role": []string{"admin"}})},
		{"AUTH-5.12", "nbf as a string", `valid HS256, "nbf":"<now-60>"`, func(m *jwtmint.Minter) string {
			return m.SignedHS256(hs256Header, claimsWith(map[string]any{"nbf": jsonString(time.Now().Add(-time.Minute).Unix())}))
		}},
		{"AUTH-5.13", "iat as a string", `valid HS256, "iat":"<now>"`, func(m *jwtmint.Minter) string {
			return m.SignedHS256(hs256Header, claimsWith(map[string]any{"iat": jsonString(time.Now().Unix())}))
		}},
		{"AUTH-5.14", "exp null", `valid HS256, "exp":null`, signedClaims(map[string]any{"exp": rawNull})},
		{"AUTH-5.15", "userId null", `valid HS256, "userId":null`, signedClaims(map[string]any{"userId": rawNull})},
		{"AUTH-5.16", "exp as a boolean", `valid HS256, "exp":true`, signedClaims(map[string]any{"exp": true})},
	})
	out = append(out, spec{id: "AUTH-5.17", clause: "AUTH-5", level: suite.LevelAuth, strength: suite.Must, title: "Unlisted claims are ignored", req: reqAUTH5,
		steps: []string{`→ 40{"token":<valid HS256 with "iss":42,"aud":["x","y"],"sub":{},"jti":null,"scope":"root","role2":"owner">}`, "← 40{\"sid\":…}"},
		run: func(c *suite.C) error {
			e := newEnv(c)
			tok := e.mint.SignedHS256(hs256Header, claimsWith(map[string]any{"iss": 42, "aud": []string{"x", "y"}, "sub": map[string]any{},
				"jti": rawNull, "scope": "root", "role2": "owner"}))
			_, err := e.expectAccepted("unlisted", auth(tok), "unlisted claims are ignored")
			return err
		}})
	return out
}

func jsonString(n int64) string { b, _ := json.Marshal(n); return string(b) }

func authTimeSpecs() []spec {
	// at sets claim to now + d in whole seconds, rounded so that the
	// boundary stays at least 2 s away whatever the fraction of the
	// current second (§14): exp and nbf are NumericDates, truncated.
	at := func(claim string, d time.Duration) func(*jwtmint.Minter) string {
		return func(m *jwtmint.Minter) string {
			return m.SignedHS256(hs256Header, claimsWith(map[string]any{claim: secondsFromNow(d)}))
		}
	}
	out := tokenSpecs("AUTH-6", reqAUTH6, suite.LevelAuth, []badToken{
		{"AUTH-6.1", "No exp", "valid HS256 without exp", signedClaims(map[string]any{"exp": nil})},
		{"AUTH-6.2", "exp 7–8 s ago (2 s past the leeway)", "exp = now − 7 s, whole seconds", at("exp", -7*time.Second)},
		{"AUTH-6.3", "nbf 7–8 s ahead (2 s past the leeway)", "nbf = now + 8 s, whole seconds", at("nbf", 8*time.Second)},
	})
	accepted := func(id, title, how string, make func(*jwtmint.Minter) string) spec {
		return spec{id: id, clause: "AUTH-6", level: suite.LevelAuth, strength: suite.Must, title: title, req: reqAUTH6,
			steps: []string{"→ 40{\"token\":<" + how + ">}", "← 40{\"sid\":…} (inside the 5 s leeway, 2 s from its edge)"},
			run: func(c *suite.C) error {
				e := newEnv(c)
				_, err := e.expectAccepted(id, auth(make(e.mint)), how+" is within the leeway")
				return err
			}}
	}
	return append(out,
		accepted("AUTH-6.4", "exp 2–3 s ago (inside the leeway)", "exp = now − 2 s, whole seconds", at("exp", -2*time.Second)),
		accepted("AUTH-6.5", "nbf 2–3 s ahead (inside the leeway)", "nbf = now + 3 s, whole seconds", at("nbf", 3*time.Second)),
		accepted("AUTH-6.6", "iat in the future is informative only", "iat = now + 1 h", at("iat", time.Hour)),
	)
}

func authMalformedSpecs() []spec {
	raw := func(id, title, payload string) spec {
		return spec{id: id, clause: "AUTH-7", level: suite.LevelAuth, strength: suite.Must, title: title, req: reqAUTH7,
			steps: []string{"→ 40" + payload, "← 44{\"message\":\"Invalid token\"}, not connected, no event"},
			run: func(c *suite.C) error {
				return newEnv(c).expectRefused(id, json.RawMessage(payload), msgInvalidToken)
			}}
	}
	// signed makes a token from raw segments whose signature is valid over
	// the literal signing input, so that only the decoding can refuse it.
	signed := func(header, payload string) func(*jwtmint.Minter) string {
		return func(m *jwtmint.Minter) string {
			in := header + "." + payload
			return in + "." + jwtmint.HMAC(jwtmint.SHA256, m.Secret, in)
		}
	}
	validHeader := jwtmint.Segment(hs256Header)
	validPayload := func() string { return jwtmint.Segment(memberClaims()) }
	out := []spec{
		raw("AUTH-7.1", "token false", `{"token":false}`),
		raw("AUTH-7.2", "token 0", `{"token":0}`),
		raw("AUTH-7.3", "token 123", `{"token":123}`),
		raw("AUTH-7.4", "token {}", `{"token":{}}`),
		raw("AUTH-7.5", "token []", `{"token":[]}`),
		raw("AUTH-7.6", "token true", `{"token":true}`),
	}
	out = append(out, tokenSpecs("AUTH-7", reqAUTH7, suite.LevelAuth, []badToken{
		{"AUTH-7.7", "Two segments", `"abc.def"`, func(*jwtmint.Minter) string { return "abc.def" }},
		{"AUTH-7.8", "One segment", `"abc"`, func(*jwtmint.Minter) string { return "abc" }},
		{"AUTH-7.9", "Four segments", "a valid token followed by \".x\"", func(m *jwtmint.Minter) string { return m.Sign(memberClaims()) + ".x" }},
		{"AUTH-7.10", "Empty segments", `".."`, func(*jwtmint.Minter) string { return ".." }},
		{"AUTH-7.11", "A payload segment that is not base64url", "a payload segment with '!' and '~' inside, HMAC valid over the literal input",
			func(m *jwtmint.Minter) string { p := validPayload(); return signed(validHeader, p[:10]+"!~"+p[10:])(m) }},
		{"AUTH-7.12", "A standard-base64 header segment", "the header in standard base64 with '+' and '/', HMAC valid over the literal input",
			func(m *jwtmint.Minter) string {
				// {"alg":"HS256","typ":"JWT","x":"??>"} has '+' and '/' in standard base64.
				h := strings.TrimRight(stdB64(`{"alg":"HS256","typ":"JWT","x":"??>??>"}`), "=")
				return signed(h, validPayload())(m)
			}},
		{"AUTH-7.13", "A header that is a JSON array", `header ["HS256"], correctly signed`, func(m *jwtmint.Minter) string {
			return signed(jwtmint.Segment(`["HS256"]`), validPayload())(m)
		}},
		{"AUTH-7.14", "A header that is not JSON", `header "alg=HS256", correctly signed`, func(m *jwtmint.Minter) string {
			return signed(jwtmint.Segment(`alg=HS256`), validPayload())(m)
		}},
		{"AUTH-7.15", "A payload that is a JSON array", `payload ["u-1","org-1","member"], correctly signed`, func(m *jwtmint.Minter) string {
			return signed(validHeader, jwtmint.Segment(`["u-1","org-1","member"]`))(m)
		}},
		{"AUTH-7.16", "A payload that is a JSON string", `payload "admin", correctly signed`, func(m *jwtmint.Minter) string {
			return signed(validHeader, jwtmint.Segment(`"admin"`))(m)
		}},
		{"AUTH-7.17", "A payload that is not JSON", `payload "{", correctly signed`, func(m *jwtmint.Minter) string {
			return signed(validHeader, jwtmint.Segment(`{`))(m)
		}},
		{"AUTH-7.18", "An undecodable signature", "a valid token whose signature segment is \"@@@@\"", func(m *jwtmint.Minter) string {
			tok := m.Sign(memberClaims())
			return tok[:strings.LastIndexByte(tok, '.')+1] + "@@@@"
		}},
		{"AUTH-7.19", "8193 bytes, validly signed", "a valid HS256 token padded to 8193 bytes", func(m *jwtmint.Minter) string {
			tok, _ := m.PadTo(memberClaims(), 8193)
			return tok
		}},
	})...)
	out = append(out,
		spec{id: "AUTH-7.20", clause: "AUTH-7", level: suite.LevelAuth, strength: suite.Must, title: "8192 bytes, validly signed, is accepted", req: reqAUTH7,
			steps: []string{"→ 40{\"token\":<a valid HS256 token padded to exactly 8192 bytes with an unlisted claim>}", "← 40{\"sid\":…}"},
			run: func(c *suite.C) error {
				e := newEnv(c)
				tok, ok := e.mint.PadTo(memberClaims(), 8192)
				if !ok {
					return suite.Skip("could not build an 8192-byte token")
				}
				_, err := e.expectAccepted("8192", auth(tok), "a valid token of 8192 bytes")
				return err
			}},
		spec{id: "AUTH-7.21", clause: "AUTH-7", level: suite.LevelAuth, strength: suite.Must, title: "A 256 KiB token is refused", req: reqAUTH7, hostile: true,
			steps: []string{"→ 40{\"token\":<262144 bytes>}", "← 44{\"message\":\"Invalid token\"}; the server keeps serving"},
			run: func(c *suite.C) error {
				return newEnv(c).expectRefused("huge", auth(strings.Repeat("eyJ", 1<<18/3)), msgInvalidToken)
			}},
	)
	return out
}

// secondsFromNow is the NumericDate of now + d, truncated to the second:
// for a negative d the claim lies |d| to |d| + 1 s in the past, for a
// positive d it lies d − 1 s to d ahead.
func secondsFromNow(d time.Duration) int64 {
	return time.Now().Unix() + int64(d/time.Second)
}
