package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Roles a token may carry.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// Claims is the payload of an app token. Verify returns it and the
// middlewares store a *Claims (in Socket.Data, in the request context);
// treat it as read-only.
//
// Of the registered claims only exp (required), nbf and iat are part of
// the contract; iss, sub, aud and jti are kept when well-typed and
// otherwise ignored.
type Claims struct {
	UserID         string `json:"userId"`
	OrganizationID string `json:"organizationId"`
	Role           string `json:"role"`
	jwt.RegisteredClaims
}

// NewClaims returns the claims of a token for userID in orgID with role,
// issued now (to the second) and expiring ttl later.
func NewClaims(userID, orgID, role string, ttl time.Duration) Claims {
	now := time.Now().Truncate(time.Second)
	return Claims{
		UserID:         userID,
		OrganizationID: orgID,
		Role:           role,
		RegisteredClaims: jwt.RegisteredClaims{
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
}

// Validate checks the app's claims: userId and organizationId non-empty,
// role admin or member. golang-jwt calls it while parsing (it implements
// jwt.ClaimsValidator); time claims are checked by the parser itself.
func (c *Claims) Validate() error {
	switch {
	case c.UserID == "":
		return fmt.Errorf("%w: userId missing or empty", errClaimValue)
	case c.OrganizationID == "":
		return fmt.Errorf("%w: organizationId missing or empty", errClaimValue)
	case c.Role != RoleAdmin && c.Role != RoleMember:
		return fmt.Errorf("%w: role %q is neither %q nor %q", errClaimValue, c.Role, RoleAdmin, RoleMember)
	}
	return nil
}

// ExpiresIn is how long the token stays acceptable at now: exp + Leeway −
// now, zero or less once Verify would refuse it (AUTH-11 uses it to time
// session:expired). Claims without exp, which Verify never returns, give 0.
func (c *Claims) ExpiresIn(now time.Time) time.Duration {
	if c.ExpiresAt == nil {
		return 0
	}
	return c.ExpiresAt.Add(Leeway).Sub(now)
}

// maxSeconds bounds time claims: beyond 2^53 s (the largest integer a
// JavaScript issuer can write exactly) a date is nonsense, and converting
// it to a time.Time would overflow.
const maxSeconds = 1 << 53

// UnmarshalJSON decodes a token payload strictly (AUTH-5): the payload is
// a JSON object; userId, organizationId and role, when present, are
// strings; exp, nbf and iat, when present, are numbers. golang-jwt's
// NumericDate would also take a quoted number ("exp":"1795698000") and
// null, hence this method. Unlisted claims are ignored whatever their type.
func (c *Claims) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("%w: payload: %w", errMalformed, err)
	}
	if raw == nil {
		return fmt.Errorf("%w: payload is not a JSON object", errMalformed)
	}
	var out Claims
	for _, s := range []struct {
		name string
		dst  *string
	}{
		{"userId", &out.UserID},
		{"organizationId", &out.OrganizationID},
		{"role", &out.Role},
	} {
		if v, ok := raw[s.name]; ok {
			if len(v) == 0 || v[0] != '"' {
				return fmt.Errorf("%w: %s is %s, want a string", errClaimType, s.name, jsonType(v))
			}
			if err := json.Unmarshal(v, s.dst); err != nil {
				return fmt.Errorf("%w: %s: %w", errClaimType, s.name, err)
			}
		}
	}
	for _, d := range []struct {
		name string
		dst  **jwt.NumericDate
	}{
		{"exp", &out.ExpiresAt},
		{"nbf", &out.NotBefore},
		{"iat", &out.IssuedAt},
	} {
		if v, ok := raw[d.name]; ok {
			t, err := numericDate(v)
			if err != nil {
				return fmt.Errorf("%w: %s: %w", errClaimType, d.name, err)
			}
			*d.dst = t
		}
	}
	// Unlisted registered claims: kept when well-typed, else ignored.
	for _, s := range []struct {
		name string
		dst  *string
	}{
		{"iss", &out.Issuer},
		{"sub", &out.Subject},
		{"jti", &out.ID},
	} {
		if v, ok := raw[s.name]; ok && len(v) > 0 && v[0] == '"' {
			_ = json.Unmarshal(v, s.dst)
		}
	}
	if v, ok := raw["aud"]; ok {
		var aud jwt.ClaimStrings
		if json.Unmarshal(v, &aud) == nil {
			out.Audience = aud
		}
	}
	*c = out
	return nil
}

// numericDate decodes a JSON number of seconds since the epoch, fraction
// kept.
func numericDate(v json.RawMessage) (*jwt.NumericDate, error) {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return nil, fmt.Errorf("is %s, want a number", jsonType(v))
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil {
		return nil, err
	}
	if math.Abs(f) > maxSeconds {
		return nil, errors.New("out of range")
	}
	sec, frac := math.Modf(f)
	return &jwt.NumericDate{Time: time.Unix(int64(sec), int64(frac*1e9))}, nil
}

// jsonType names the JSON type of a raw value, for error messages.
func jsonType(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "empty"
	}
	switch v[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}
