package auth

import (
	"context"
	"net/http"
	"strings"
)

type contextKey struct{}

// NewContext returns a copy of ctx carrying c (what HTTPMiddleware does;
// handy in handler tests).
func NewContext(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, contextKey{}, c)
}

// ClaimsFrom returns the claims HTTPMiddleware put in ctx.
func ClaimsFrom(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(contextKey{}).(*Claims)
	return c, ok && c != nil
}

// HTTPMiddleware authenticates every request with "Authorization: Bearer
// <token>" (AUTH-9, AUTH-10) and passes it to next with the claims in its
// context (ClaimsFrom). Otherwise it answers 401 with Content-Type
// application/json and
//
//	{"error":"Authentication required"}   WWW-Authenticate: Bearer
//	                                      (no header, another scheme, empty credentials)
//	{"error":"Invalid token"}             WWW-Authenticate: Bearer error="invalid_token"
//	                                      (a token refused by Verify, or several Authorization headers)
//
// Tokens in the query string or in cookies are ignored.
func (v *Verifier) HTTPMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, err := v.verifyRequest(r)
		if err != nil {
			v.logRefusal("http", r.RemoteAddr, err)
			writeUnauthorized(w, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), claims)))
	})
}

func (v *Verifier) verifyRequest(r *http.Request) (*Claims, error) {
	values := r.Header.Values("Authorization")
	switch len(values) {
	case 0:
		return nil, ErrAuthRequired
	case 1:
	default:
		return nil, invalid(errManyHeaders)
	}
	scheme, credentials, _ := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return nil, ErrAuthRequired
	}
	// Verify maps "" to ErrAuthRequired.
	return v.Verify(strings.TrimSpace(credentials))
}

func writeUnauthorized(w http.ResponseWriter, err error) {
	msg := Message(err)
	challenge := "Bearer"
	if msg == MsgInvalidToken {
		challenge = `Bearer error="invalid_token"`
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("WWW-Authenticate", challenge)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte(`{"error":"` + msg + `"}`))
}
