package auth

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHTTPMiddleware(t *testing.T) {
	v := newTestVerifier()
	var seen *Claims
	h := v.HTTPMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := ClaimsFrom(r.Context())
		require.True(t, ok)
		seen = c
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "[]")
	}))
	good := valid()
	expired := forge(hdrHS256, payload(`"exp":`+at(-8*time.Second)), signHS256)

	const (
		bodyRequired = `{"error":"Authentication required"}`
		bodyInvalid  = `{"error":"Invalid token"}`
		chRequired   = `Bearer`
		chInvalid    = `Bearer error="invalid_token"`
	)
	tests := []struct {
		name      string
		target    string
		auth      []string // Authorization header values
		cookie    string
		body      string // "" means passed through
		challenge string
	}{
		{name: "valid", auth: []string{"Bearer " + good}},
		{name: "scheme lowercase", auth: []string{"bearer " + good}},
		{name: "scheme uppercase", auth: []string{"BEARER " + good}},
		{name: "several spaces", auth: []string{"Bearer   " + good}},

		{name: "no header", body: bodyRequired, challenge: chRequired},
		{name: "empty header", auth: []string{""}, body: bodyRequired, challenge: chRequired},
		{name: "scheme only", auth: []string{"Bearer"}, body: bodyRequired, challenge: chRequired},
		{name: "scheme and spaces", auth: []string{"Bearer   "}, body: bodyRequired, challenge: chRequired},
		{name: "Basic", auth: []string{"Basic dTpw"}, body: bodyRequired, challenge: chRequired},
		{name: "token without scheme", auth: []string{good}, body: bodyRequired, challenge: chRequired},
		{name: "query string only", target: "/api/videos?token=" + good + "&access_token=" + good, body: bodyRequired, challenge: chRequired},
		{name: "cookie only", cookie: "token=" + good, body: bodyRequired, challenge: chRequired},

		{name: "expired", auth: []string{"Bearer " + expired}, body: bodyInvalid, challenge: chInvalid},
		{name: "garbage", auth: []string{"Bearer abc.def"}, body: bodyInvalid, challenge: chInvalid},
		{name: "alg none", auth: []string{"Bearer " + forge(`{"alg":"none"}`, payload(), nil)}, body: bodyInvalid, challenge: chInvalid},
		{name: "two tokens", auth: []string{"Bearer " + good + " " + good}, body: bodyInvalid, challenge: chInvalid},
		{name: "two headers", auth: []string{"Bearer " + good, "Bearer " + good}, body: bodyInvalid, challenge: chInvalid},
		{name: "8193 bytes", auth: []string{"Bearer " + tokenOfLen(t, MaxTokenSize+1)}, body: bodyInvalid, challenge: chInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen = nil
			target := tc.target
			if target == "" {
				target = "/api/videos"
			}
			r := httptest.NewRequest(http.MethodGet, target, nil)
			for _, a := range tc.auth {
				r.Header.Add("Authorization", a)
			}
			if tc.cookie != "" {
				r.Header.Set("Cookie", tc.cookie)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			res := w.Result()
			body, _ := io.ReadAll(res.Body)
			if tc.body == "" {
				assert.Equal(t, http.StatusOK, res.StatusCode)
				assert.Equal(t, "[]", string(body))
				require.NotNil(t, seen)
				assert.Equal(t, "u-alice", seen.UserID)
				assert.Equal(t, "acme", seen.OrganizationID)
				assert.Equal(t, RoleAdmin, seen.Role)
				return
			}
			assert.Nil(t, seen, "next must not run")
			assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
			assert.Equal(t, tc.body, string(body))
			assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
			assert.Equal(t, tc.challenge, res.Header.Get("WWW-Authenticate"))
		})
	}
}

func TestHTTPMiddlewareOverTheNetwork(t *testing.T) {
	v := newTestVerifier()
	ts := httptest.NewServer(v.HTTPMiddleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := ClaimsFrom(r.Context())
		_, _ = io.WriteString(w, c.UserID)
	})))
	t.Cleanup(ts.Close)

	get := func(auth string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, ts.URL+"/api/videos", nil)
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := ts.Client().Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, body := get("Bearer " + valid())
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "u-alice", body)
	code, body = get("")
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Equal(t, `{"error":"Authentication required"}`, body)
	code, body = get("Bearer " + valid() + "x")
	assert.Equal(t, http.StatusUnauthorized, code)
	assert.Equal(t, `{"error":"Invalid token"}`, body)
}

func TestContext(t *testing.T) {
	_, ok := ClaimsFrom(context.Background())
	assert.False(t, ok)
	_, ok = ClaimsFrom(NewContext(context.Background(), nil))
	assert.False(t, ok)
	c := &Claims{UserID: "u"}
	got, ok := ClaimsFrom(NewContext(context.Background(), c))
	assert.True(t, ok)
	assert.Same(t, c, got)
}
