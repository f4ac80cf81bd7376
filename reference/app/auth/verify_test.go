package auth

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVerify(t *testing.T) {
	good := valid()
	parts := strings.Split(good, ".")
	otherKey := hs256([]byte("not-the-secret"))
	emptyKey := hs256([]byte{})

	tests := []struct {
		name  string
		token string
		want  error // nil: accepted
		cause error // optional: the check that must have refused it
	}{
		// Accepted.
		{name: "valid admin", token: good},
		{name: "valid member", token: forge(hdrHS256, payload(`"role":"member"`), signHS256)},
		{name: "no typ header", token: forge(`{"alg":"HS256"}`, payload(), signHS256)},
		{name: "other typ", token: forge(`{"alg":"HS256","typ":"at+jwt"}`, payload(), signHS256)},
		{name: "iat and nbf in the past", token: forge(hdrHS256, payload(`"iat":`+at(-time.Hour), `"nbf":`+at(-time.Hour)), signHS256)},
		{name: "iat in the future is informative", token: forge(hdrHS256, payload(`"iat":`+at(time.Hour)), signHS256)},
		{name: "fractional exp", token: forge(hdrHS256, payload(`"exp":1800003600.5`), signHS256)},
		{name: "unlisted claims of any type ignored", token: forge(hdrHS256, payload(`"iss":5`, `"aud":{}`, `"sub":[1]`, `"jti":null`, `"extra":true`), signHS256)},
		{name: "any identity (AUTH-8)", token: forge(hdrHS256, payload(`"userId":"u-7f3a"`, `"organizationId":"org-91c2"`, `"role":"member"`), signHS256)},
		{name: "exp within leeway (now-4s)", token: forge(hdrHS256, payload(`"exp":`+at(-4*time.Second)), signHS256)},
		{name: "exp within leeway (now-4.9s)", token: forge(hdrHS256, payload(`"exp":1799999995.1`), signHS256)},
		{name: "nbf within leeway (now+5s)", token: forge(hdrHS256, payload(`"nbf":`+at(5*time.Second)), signHS256)},
		{name: "exactly 8192 bytes", token: tokenOfLen(t, MaxTokenSize)},

		// Missing.
		{name: "empty string", token: "", want: ErrAuthRequired},

		// AUTH-3: alg none in any casing, signed or not.
		{name: "alg none", token: forge(`{"alg":"none","typ":"JWT"}`, payload(), nil), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "alg None", token: forge(`{"alg":"None"}`, payload(), nil), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "alg NONE", token: forge(`{"alg":"NONE"}`, payload(), nil), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "alg nOnE", token: forge(`{"alg":"nOnE","typ":"JWT"}`, payload(), nil), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "alg none with an HS256 signature", token: forge(`{"alg":"none"}`, payload(), signHS256), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "alg none, two segments", token: b64(`{"alg":"none"}`) + "." + b64(payload()), want: ErrInvalidToken, cause: errMalformed},
		// AUTH-3: other algorithms.
		{name: "HS384 with the shared secret", token: forge(`{"alg":"HS384","typ":"JWT"}`, payload(), signHS384), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "HS512 with the shared secret", token: forge(`{"alg":"HS512","typ":"JWT"}`, payload(), signHS512), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "RS256 with a made-up signature", token: forge(`{"alg":"RS256","typ":"JWT"}`, payload(), garbage), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "RS256 with an HMAC signature (alg confusion)", token: forge(`{"alg":"RS256"}`, payload(), signHS256), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "ES256", token: forge(`{"alg":"ES256"}`, payload(), garbage), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "PS256", token: forge(`{"alg":"PS256"}`, payload(), garbage), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "EdDSA", token: forge(`{"alg":"EdDSA"}`, payload(), garbage), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "hs256 lowercase", token: forge(`{"alg":"hs256"}`, payload(), signHS256), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "alg with a space", token: forge(`{"alg":"HS256 "}`, payload(), signHS256), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "alg missing", token: forge(`{"typ":"JWT"}`, payload(), signHS256), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "alg a number", token: forge(`{"alg":256}`, payload(), signHS256), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "alg null", token: forge(`{"alg":null}`, payload(), signHS256), want: ErrInvalidToken, cause: errAlgorithm},
		{name: "alg an array", token: forge(`{"alg":["HS256"]}`, payload(), signHS256), want: ErrInvalidToken, cause: errAlgorithm},
		// AUTH-3: signatures.
		{name: "signed with another secret", token: forge(hdrHS256, payload(), otherKey), want: ErrInvalidToken, cause: jwt.ErrTokenSignatureInvalid},
		{name: "signed with an empty key", token: forge(hdrHS256, payload(), emptyKey), want: ErrInvalidToken, cause: jwt.ErrTokenSignatureInvalid},
		{name: "empty signature", token: forge(hdrHS256, payload(), nil), want: ErrInvalidToken, cause: jwt.ErrTokenSignatureInvalid},
		{name: "truncated signature", token: good[:len(good)-2], want: ErrInvalidToken},
		{name: "payload swapped under a valid signature", token: parts[0] + "." + b64(payload(`"role":"admin"`, `"userId":"u-mallory"`)) + "." + parts[2], want: ErrInvalidToken, cause: jwt.ErrTokenSignatureInvalid},
		{name: "non-canonical signature (trailing bits)", token: good[:len(good)-1] + flipLastBits(good[len(good)-1:]), want: ErrInvalidToken, cause: jwt.ErrTokenMalformed},

		// AUTH-4: key-selecting headers.
		{name: "kid header", token: forge(`{"alg":"HS256","typ":"JWT","kid":"k1"}`, payload(), signHS256), want: ErrInvalidToken, cause: errForbiddenHeader},
		{name: "kid path traversal, empty key", token: forge(`{"alg":"HS256","kid":"../../../dev/null"}`, payload(), emptyKey), want: ErrInvalidToken, cause: errForbiddenHeader},
		{name: "jku header", token: forge(`{"alg":"HS256","jku":"http://127.0.0.1:1/jwks.json"}`, payload(), otherKey), want: ErrInvalidToken, cause: errForbiddenHeader},
		{name: "jwk header", token: forge(`{"alg":"HS256","jwk":{"kty":"oct","k":"YXR0YWNrZXI"}}`, payload(), hs256([]byte("attacker"))), want: ErrInvalidToken, cause: errForbiddenHeader},
		{name: "x5u header", token: forge(`{"alg":"HS256","x5u":"http://127.0.0.1:1/cert.pem"}`, payload(), signHS256), want: ErrInvalidToken, cause: errForbiddenHeader},
		{name: "x5c header", token: forge(`{"alg":"HS256","x5c":["MIIB"]}`, payload(), signHS256), want: ErrInvalidToken, cause: errForbiddenHeader},
		{name: "crit header", token: forge(`{"alg":"HS256","crit":["b64"],"b64":false}`, payload(), signHS256), want: ErrInvalidToken, cause: errForbiddenHeader},

		// AUTH-6: time.
		{name: "expired at the leeway boundary (now-5s)", token: forge(hdrHS256, payload(`"exp":`+at(-5*time.Second)), signHS256), want: ErrInvalidToken, cause: jwt.ErrTokenExpired},
		{name: "expired beyond leeway (now-8s)", token: forge(hdrHS256, payload(`"exp":`+at(-8*time.Second)), signHS256), want: ErrInvalidToken, cause: jwt.ErrTokenExpired},
		{name: "expired an hour ago", token: forge(hdrHS256, payload(`"exp":`+at(-time.Hour)), signHS256), want: ErrInvalidToken, cause: jwt.ErrTokenExpired},
		{name: "nbf beyond leeway (now+6s)", token: forge(hdrHS256, payload(`"nbf":`+at(6*time.Second)), signHS256), want: ErrInvalidToken, cause: jwt.ErrTokenNotValidYet},
		{name: "nbf far future", token: forge(hdrHS256, payload(`"nbf":`+at(time.Hour)), signHS256), want: ErrInvalidToken, cause: jwt.ErrTokenNotValidYet},
		{name: "missing exp", token: forge(hdrHS256, payload(`"exp":`), signHS256), want: ErrInvalidToken, cause: jwt.ErrTokenRequiredClaimMissing},

		// AUTH-5: claim types and values.
		{name: "exp a string", token: forge(hdrHS256, payload(`"exp":"1800003600"`), signHS256), want: ErrInvalidToken, cause: errClaimType},
		{name: "exp null", token: forge(hdrHS256, payload(`"exp":null`), signHS256), want: ErrInvalidToken, cause: errClaimType},
		{name: "exp a boolean", token: forge(hdrHS256, payload(`"exp":true`), signHS256), want: ErrInvalidToken, cause: errClaimType},
		{name: "exp an object", token: forge(hdrHS256, payload(`"exp":{}`), signHS256), want: ErrInvalidToken, cause: errClaimType},
		{name: "exp overflowing float64", token: forge(hdrHS256, payload(`"exp":1e400`), signHS256), want: ErrInvalidToken, cause: errClaimType},
		{name: "exp beyond 2^53", token: forge(hdrHS256, payload(`"exp":1e300`), signHS256), want: ErrInvalidToken, cause: errClaimType},
		{name: "nbf a string", token: forge(hdrHS256, payload(`"nbf":"0"`), signHS256), want: ErrInvalidToken, cause: errClaimType},
		{name: "iat a string", token: forge(hdrHS256, payload(`"iat":"1800000000"`), signHS256), want: ErrInvalidToken, cause: errClaimType},
		{name: "userId a number", token: forge(hdrHS256, payload(`"userId":42`), signHS256), want: ErrInvalidToken, cause: errClaimType},
		{name: "userId null", token: forge(hdrHS256, payload(`"userId":null`), signHS256), want: ErrInvalidToken, cause: errClaimType},
		{name: "userId empty", token: forge(hdrHS256, payload(`"userId":""`), signHS256), want: ErrInvalidToken, cause: errClaimValue},
		{name: "userId missing", token: forge(hdrHS256, payload(`"userId":`), signHS256), want: ErrInvalidToken, cause: errClaimValue},
		{name: "organizationId a number", token: forge(hdrHS256, payload(`"organizationId":7`), signHS256), want: ErrInvalidToken, cause: errClaimType},
		{name: "organizationId an array", token: forge(hdrHS256, payload(`"organizationId":["acme"]`), signHS256), want: ErrInvalidToken, cause: errClaimType},
		{name: "organizationId empty", token: forge(hdrHS256, payload(`"organizationId":""`), signHS256), want: ErrInvalidToken, cause: errClaimValue},
		{name: "organizationId missing", token: forge(hdrHS256, payload(`"organizationId":`), signHS256), want: ErrInvalidToken, cause: errClaimValue},
		{name: "role root", token: forge(hdrHS256, payload(`"role":"root"`), signHS256), want: ErrInvalidToken, cause: errClaimValue},
		{name: "role owner", token: forge(hdrHS256, payload(`"role":"owner"`), signHS256), want: ErrInvalidToken, cause: errClaimValue},
		{name: "role Admin (case)", token: forge(hdrHS256, payload(`"role":"Admin"`), signHS256), want: ErrInvalidToken, cause: errClaimValue},
		{name: "role empty", token: forge(hdrHS256, payload(`"role":""`), signHS256), want: ErrInvalidToken, cause: errClaimValue},
		{name: "role missing", token: forge(hdrHS256, payload(`"role":`), signHS256), want: ErrInvalidToken, cause: errClaimValue},
		{name: "role an array", token: forge(hdrHS256, payload(`"role":["admin"]`), signHS256), want: ErrInvalidToken, cause: errClaimType},
		{name: "role a boolean", token: forge(hdrHS256, payload(`"role":true`), signHS256), want: ErrInvalidToken, cause: errClaimType},

		// AUTH-7: malformed and oversized.
		{name: "one segment", token: b64(hdrHS256), want: ErrInvalidToken, cause: errMalformed},
		{name: "two segments (abc.def)", token: "abc.def", want: ErrInvalidToken, cause: errMalformed},
		{name: "four segments", token: good + ".x", want: ErrInvalidToken, cause: errMalformed},
		{name: "trailing dot", token: good + ".", want: ErrInvalidToken, cause: errMalformed},
		{name: "leading dot", token: "." + good, want: ErrInvalidToken, cause: errMalformed},
		{name: "only dots", token: "..", want: ErrInvalidToken, cause: errMalformed},
		{name: "whitespace", token: " ", want: ErrInvalidToken, cause: errMalformed},
		{name: "surrounding spaces", token: " " + good + " ", want: ErrInvalidToken, cause: errMalformed},
		{name: "bad base64 header", token: "!!!." + parts[1] + "." + parts[2], want: ErrInvalidToken, cause: errMalformed},
		{name: "bad base64 payload", token: parts[0] + ".@@@@." + parts[2], want: ErrInvalidToken, cause: errMalformed},
		{name: "bad base64 signature", token: parts[0] + "." + parts[1] + ".***", want: ErrInvalidToken, cause: jwt.ErrTokenMalformed},
		{name: "padded base64", token: padded(forge(hdrHS256, payload(`"pad":"x"`), signHS256)), want: ErrInvalidToken, cause: errMalformed},
		{name: "standard base64 alphabet", token: strings.NewReplacer("-", "+", "_", "/").Replace(tokenWithURLChars(t)), want: ErrInvalidToken, cause: errMalformed},
		{name: "header not JSON", token: forge(`{"alg":"HS256"`, payload(), signHS256), want: ErrInvalidToken, cause: errMalformed},
		{name: "header null", token: forge(`null`, payload(), signHS256), want: ErrInvalidToken, cause: errMalformed},
		{name: "header an array", token: forge(`["HS256"]`, payload(), signHS256), want: ErrInvalidToken, cause: errMalformed},
		{name: "header with trailing data", token: forge(hdrHS256+`x`, payload(), signHS256), want: ErrInvalidToken, cause: errMalformed},
		{name: "payload not JSON", token: forge(hdrHS256, `{"userId":`, signHS256), want: ErrInvalidToken, cause: jwt.ErrTokenMalformed},
		{name: "payload null", token: forge(hdrHS256, `null`, signHS256), want: ErrInvalidToken, cause: errMalformed},
		{name: "payload an array", token: forge(hdrHS256, `[]`, signHS256), want: ErrInvalidToken, cause: errMalformed},
		{name: "payload a string", token: forge(hdrHS256, `"x"`, signHS256), want: ErrInvalidToken, cause: errMalformed},
		{name: "payload a number", token: forge(hdrHS256, `123`, signHS256), want: ErrInvalidToken, cause: errMalformed},
		{name: "payload with trailing data", token: forge(hdrHS256, payload()+`{}`, signHS256), want: ErrInvalidToken, cause: jwt.ErrTokenMalformed},
		{name: "8193 bytes, validly signed", token: tokenOfLen(t, MaxTokenSize+1), want: ErrInvalidToken, cause: errTooLarge},
		{name: "1 MiB", token: strings.Repeat("a", 1<<20), want: ErrInvalidToken, cause: errTooLarge},
	}

	v := newTestVerifier()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			claims, err := v.Verify(tc.token)
			if tc.want == nil {
				require.NoError(t, err)
				require.NotNil(t, claims)
				assert.NotEmpty(t, claims.UserID)
				assert.NotEmpty(t, claims.OrganizationID)
				assert.Contains(t, []string{RoleAdmin, RoleMember}, claims.Role)
				assert.Empty(t, Message(err))
				return
			}
			require.Error(t, err)
			assert.Nil(t, claims)
			require.ErrorIs(t, err, tc.want)
			other := ErrAuthRequired
			msg := MsgInvalidToken
			if tc.want == ErrAuthRequired {
				other, msg = ErrInvalidToken, MsgAuthRequired
			}
			assert.NotErrorIs(t, err, other)
			assert.Equal(t, msg, Message(err))
			if tc.cause != nil {
				assert.ErrorIs(t, err, tc.cause)
			}
		})
	}
}

// flipLastBits changes the unused low bits of a base64url character that
// ends a 32-byte signature (43 chars, 2 unused bits): the decoded bytes
// stay the same unless decoding is strict.
func flipLastBits(c string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.Index(alphabet, c)
	return string(alphabet[i^1])
}

// padded adds base64 padding to each segment that needs it.
func padded(tok string) string {
	segs := strings.Split(tok, ".")
	for i, s := range segs {
		if r := len(s) % 4; r != 0 {
			segs[i] = s + strings.Repeat("=", 4-r)
		}
	}
	out := strings.Join(segs, ".")
	if out == tok {
		panic("no segment needed padding")
	}
	return out
}

// tokenWithURLChars returns a valid token whose header or payload contains
// '-' or '_', so that the standard alphabet spells it differently.
func tokenWithURLChars(t *testing.T) string {
	for i := range 1000 {
		tok := forge(hdrHS256, payload(`"n":"`+strings.Repeat("?>", i)+`"`), signHS256)
		h, p, _ := strings.Cut(tok, ".")
		p, _, _ = strings.Cut(p, ".")
		if strings.ContainsAny(h+p, "-_") {
			return tok
		}
	}
	t.Fatal("no token with - or _")
	return ""
}

func TestVerifyTimeBoundaries(t *testing.T) {
	// now ≥ exp + 5 s is refused, to the nanosecond.
	exp := now.Unix()
	tok := forge(hdrHS256, payload(`"exp":`+at(0)), signHS256)
	for _, tc := range []struct {
		at time.Time
		ok bool
	}{
		{time.Unix(exp, 0), true},
		{time.Unix(exp+5, -1), true},
		{time.Unix(exp+5, 0), false},
	} {
		v := NewVerifier(secret, WithClock(func() time.Time { return tc.at }))
		_, err := v.Verify(tok)
		if tc.ok {
			assert.NoError(t, err, "at exp%+v", tc.at.Sub(now))
		} else {
			assert.ErrorIs(t, err, jwt.ErrTokenExpired, "at exp%+v", tc.at.Sub(now))
		}
	}
	// nbf > now + 5 s is refused.
	tok = forge(hdrHS256, payload(`"nbf":`+at(0)), signHS256)
	for _, tc := range []struct {
		at time.Time
		ok bool
	}{
		{now.Add(-5 * time.Second), true},
		{now.Add(-5*time.Second - 1), false},
	} {
		v := NewVerifier(secret, WithClock(func() time.Time { return tc.at }))
		_, err := v.Verify(tok)
		if tc.ok {
			assert.NoError(t, err)
		} else {
			assert.ErrorIs(t, err, jwt.ErrTokenNotValidYet)
		}
	}
}

func TestVerifyReturnsClaims(t *testing.T) {
	tok := forge(hdrHS256, payload(`"iat":`+at(-time.Minute), `"nbf":`+at(-time.Minute), `"iss":"idp"`, `"aud":"app"`, `"sub":"s"`, `"jti":"j"`), signHS256)
	c, err := newTestVerifier().Verify(tok)
	require.NoError(t, err)
	assert.Equal(t, "u-alice", c.UserID)
	assert.Equal(t, "acme", c.OrganizationID)
	assert.Equal(t, RoleAdmin, c.Role)
	assert.True(t, c.ExpiresAt.Equal(now.Add(time.Hour)))
	assert.True(t, c.IssuedAt.Equal(now.Add(-time.Minute)))
	assert.True(t, c.NotBefore.Equal(now.Add(-time.Minute)))
	assert.Equal(t, "idp", c.Issuer)
	assert.Equal(t, jwt.ClaimStrings{"app"}, c.Audience)
	assert.Equal(t, "s", c.Subject)
	assert.Equal(t, "j", c.ID)
}

func TestSignVerifyRoundTrip(t *testing.T) {
	c := NewClaims("u-bob", "acme", RoleMember, time.Hour)
	tok, err := Sign(secret, c)
	require.NoError(t, err)
	hdr, _, _ := strings.Cut(tok, ".")
	assert.Equal(t, b64(hdrHS256), hdr)

	got, err := NewVerifier(secret).Verify(tok)
	require.NoError(t, err)
	assert.Equal(t, c.UserID, got.UserID)
	assert.Equal(t, c.OrganizationID, got.OrganizationID)
	assert.Equal(t, c.Role, got.Role)
	assert.True(t, c.ExpiresAt.Equal(got.ExpiresAt.Time))
	assert.True(t, c.IssuedAt.Equal(got.IssuedAt.Time))

	_, err = NewVerifier([]byte("other")).Verify(tok)
	assert.ErrorIs(t, err, ErrInvalidToken)
	assert.ErrorIs(t, err, jwt.ErrTokenSignatureInvalid)
}

func TestSignRefuses(t *testing.T) {
	ok := NewClaims("u", "o", RoleAdmin, time.Hour)
	for name, tc := range map[string]struct {
		secret []byte
		claims Claims
	}{
		"empty secret":   {nil, ok},
		"empty userId":   {secret, NewClaims("", "o", RoleAdmin, time.Hour)},
		"empty org":      {secret, NewClaims("u", "", RoleAdmin, time.Hour)},
		"bad role":       {secret, NewClaims("u", "o", "root", time.Hour)},
		"no exp":         {secret, Claims{UserID: "u", OrganizationID: "o", Role: RoleMember}},
		"over 8 KiB":     {secret, NewClaims(strings.Repeat("u", MaxTokenSize), "o", RoleAdmin, time.Hour)},
		"over 8 KiB org": {secret, NewClaims("u", strings.Repeat("o", 6200), RoleAdmin, time.Hour)},
	} {
		t.Run(name, func(t *testing.T) {
			tok, err := Sign(tc.secret, tc.claims)
			assert.Error(t, err)
			assert.Empty(t, tok)
		})
	}
}

func TestNewVerifierEmptySecretPanics(t *testing.T) {
	assert.Panics(t, func() { NewVerifier(nil) })
	assert.Panics(t, func() { NewVerifier([]byte{}) })
}

func TestNewVerifierCopiesSecret(t *testing.T) {
	s := []byte("s3cret")
	v := NewVerifier(s, WithClock(fixedClock))
	copy(s, "XXXXXX")
	_, err := v.Verify(valid())
	assert.NoError(t, err)
}

func TestExpiresIn(t *testing.T) {
	c := Claims{}
	assert.Zero(t, c.ExpiresIn(now))
	c.ExpiresAt = jwt.NewNumericDate(now.Add(time.Minute))
	assert.Equal(t, time.Minute+Leeway, c.ExpiresIn(now))
	assert.Equal(t, time.Duration(0), c.ExpiresIn(now.Add(time.Minute+Leeway)))
	assert.Negative(t, c.ExpiresIn(now.Add(time.Hour)))
}

func TestMessage(t *testing.T) {
	assert.Equal(t, "", Message(nil))
	assert.Equal(t, "Authentication required", Message(ErrAuthRequired))
	assert.Equal(t, "Invalid token", Message(invalid(errTooLarge)))
	assert.Equal(t, "Invalid token", Message(errors.New("anything else")))
}

func TestVerifyConcurrent(t *testing.T) {
	v := newTestVerifier()
	good, bad := valid(), forge(hdrHS256, payload(), hs256([]byte("x")))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 200 {
				_, err := v.Verify(good)
				assert.NoError(t, err)
				_, err = v.Verify(bad)
				assert.ErrorIs(t, err, ErrInvalidToken)
			}
		})
	}
	wg.Wait()
}
