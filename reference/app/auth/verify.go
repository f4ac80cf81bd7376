package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The only two messages a client ever receives (CONNECT_ERROR message,
// REST {"error"}).
const (
	MsgAuthRequired = "Authentication required"
	MsgInvalidToken = "Invalid token"
)

const (
	// MaxTokenSize is the longest token accepted, in bytes (AUTH-7).
	MaxTokenSize = 8192
	// Leeway is the clock tolerance applied to exp and nbf (AUTH-6).
	Leeway = 5 * time.Second
	// Algorithm is the only accepted JWS alg (AUTH-3).
	Algorithm = "HS256"
)

// Sentinel errors. Every error from Verify and from the middlewares'
// checks matches exactly one of them with errors.Is; an ErrInvalidToken
// also wraps its cause (which golang-jwt errors such as jwt.ErrTokenExpired
// match as well). Never send err.Error() to a client: use Message.
var (
	// ErrAuthRequired: no token was presented.
	ErrAuthRequired = errors.New("auth: authentication required")
	// ErrInvalidToken: a token was presented and refused.
	ErrInvalidToken = errors.New("auth: invalid token")
)

// Causes wrapped in ErrInvalidToken (besides golang-jwt's own errors).
var (
	errTooLarge        = fmt.Errorf("token longer than %d bytes", MaxTokenSize)
	errMalformed       = errors.New("malformed token")
	errAlgorithm       = errors.New("algorithm not allowed")
	errForbiddenHeader = errors.New("forbidden header parameter")
	errClaimType       = errors.New("claim of the wrong type")
	errClaimValue      = errors.New("invalid claim value")
	errNotString       = errors.New("token is not a string")
	errManyHeaders     = errors.New("several Authorization headers")
)

// forbiddenHeaders name or carry a key (or, for crit, demand extensions
// we do not implement): a token never chooses its verification key.
var forbiddenHeaders = []string{"kid", "jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit"}

// strictB64 is unpadded base64url that refuses non-canonical encodings.
var strictB64 = base64.RawURLEncoding.Strict()

func invalid(cause error) error {
	return fmt.Errorf("%w: %w", ErrInvalidToken, cause)
}

// Message is what a client is told about err: MsgAuthRequired when err
// matches ErrAuthRequired, MsgInvalidToken for any other non-nil error
// (failing closed), "" for nil.
func Message(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrAuthRequired):
		return MsgAuthRequired
	default:
		return MsgInvalidToken
	}
}

// Verifier checks tokens against one shared secret. It is safe for
// concurrent use.
type Verifier struct {
	secret []byte
	now    func() time.Time
	log    *slog.Logger
	parser *jwt.Parser
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithClock makes the Verifier read the time from now instead of
// time.Now (tests, simulations).
func WithClock(now func() time.Time) Option {
	return func(v *Verifier) { v.now = now }
}

// WithLogger makes the middlewares log each refusal (at Info, with the
// cause and the peer's address, never the token). By default they log
// nothing.
func WithLogger(l *slog.Logger) Option {
	return func(v *Verifier) { v.log = l }
}

// NewVerifier returns a Verifier for secret (copied). It panics if secret
// is empty: an empty HMAC key would accept tokens anyone can forge.
func NewVerifier(secret []byte, opts ...Option) *Verifier {
	if len(secret) == 0 {
		panic("auth: NewVerifier with an empty secret")
	}
	v := &Verifier{secret: bytes.Clone(secret), now: time.Now}
	for _, o := range opts {
		o(v)
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{Algorithm}),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(Leeway),
		jwt.WithStrictDecoding(),
		jwt.WithTimeFunc(v.now),
		// No jwt.WithIssuedAt: iat is informative (contract §3).
	)
	return v
}

// Verify checks token under every rule of the package documentation and
// returns its claims. The error matches ErrAuthRequired when token is ""
// and ErrInvalidToken otherwise.
func (v *Verifier) Verify(token string) (*Claims, error) {
	if token == "" {
		return nil, ErrAuthRequired
	}
	if len(token) > MaxTokenSize {
		return nil, invalid(errTooLarge)
	}
	if err := checkStructure(token); err != nil {
		return nil, invalid(err)
	}
	claims := new(Claims)
	if _, err := v.parser.ParseWithClaims(token, claims, v.key); err != nil {
		return nil, invalid(err)
	}
	return claims, nil
}

// key is the jwt.Keyfunc: the shared secret, whatever the header says.
func (v *Verifier) key(*jwt.Token) (any, error) { return v.secret, nil }

// checkStructure enforces what golang-jwt leaves open: three segments,
// header and payload JSON objects, alg exactly HS256, no key-selecting
// header. The signature itself is left to golang-jwt.
func checkStructure(token string) error {
	if strings.Count(token, ".") != 2 {
		return fmt.Errorf("%w: %d segments, want 3", errMalformed, strings.Count(token, ".")+1)
	}
	h, rest, _ := strings.Cut(token, ".")
	p, _, _ := strings.Cut(rest, ".")

	hb, err := strictB64.DecodeString(h)
	if err != nil {
		return fmt.Errorf("%w: header: %w", errMalformed, err)
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(hb, &header); err != nil {
		return fmt.Errorf("%w: header: %w", errMalformed, err)
	}
	if header == nil {
		return fmt.Errorf("%w: header is not a JSON object", errMalformed)
	}
	var alg string
	if a := header["alg"]; len(a) == 0 || a[0] != '"' || json.Unmarshal(a, &alg) != nil || alg != Algorithm {
		return fmt.Errorf("%w: alg %s", errAlgorithm, printable(header["alg"]))
	}
	for _, name := range forbiddenHeaders {
		if _, ok := header[name]; ok {
			return fmt.Errorf("%w: %q", errForbiddenHeader, name)
		}
	}

	pb, err := strictB64.DecodeString(p)
	if err != nil {
		return fmt.Errorf("%w: payload: %w", errMalformed, err)
	}
	if pb = bytes.TrimLeft(pb, " \t\r\n"); len(pb) == 0 || pb[0] != '{' {
		return fmt.Errorf("%w: payload is not a JSON object", errMalformed)
	}
	return nil
}

// printable quotes a raw header value for an error message, shortened.
func printable(v json.RawMessage) string {
	if v == nil {
		return "missing"
	}
	const limit = 32
	if len(v) > limit {
		return fmt.Sprintf("%q…", v[:limit])
	}
	return fmt.Sprintf("%q", v)
}

// Sign returns an HS256 token for c under secret (header
// {"alg":"HS256","typ":"JWT"}), for tests, development login and
// tools/token. It refuses what Verify would refuse: an empty secret,
// claims failing Validate, no exp, a token over MaxTokenSize.
func Sign(secret []byte, c Claims) (string, error) {
	if len(secret) == 0 {
		return "", errors.New("auth: empty secret")
	}
	if err := c.Validate(); err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	if c.ExpiresAt == nil {
		return "", errors.New("auth: claims without exp")
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, &c).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	if len(token) > MaxTokenSize {
		return "", fmt.Errorf("auth: %w", errTooLarge)
	}
	return token, nil
}
