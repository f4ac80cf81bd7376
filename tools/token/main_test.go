package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socketlab/reference/app/auth"
)

func runToken(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRunSignsAVerifiableToken(t *testing.T) {
	t.Setenv(secretEnv, "")
	code, out, errOut := runToken("-secret", "s3cret", "-user", "alice", "-org", "acme", "-role", "admin", "-ttl", "1h")
	require.Equal(t, 0, code, errOut)
	assert.Empty(t, errOut)
	require.True(t, strings.HasSuffix(out, "\n"))

	c, err := auth.NewVerifier([]byte("s3cret")).Verify(strings.TrimSuffix(out, "\n"))
	require.NoError(t, err)
	assert.Equal(t, "alice", c.UserID)
	assert.Equal(t, "acme", c.OrganizationID)
	assert.Equal(t, auth.RoleAdmin, c.Role)
	assert.InDelta(t, float64(time.Hour+auth.Leeway), float64(c.ExpiresIn(time.Now())), float64(2*time.Second))

	_, err = auth.NewVerifier([]byte("other")).Verify(strings.TrimSpace(out))
	assert.ErrorIs(t, err, auth.ErrInvalidToken)
}

func TestRunSecretFromEnv(t *testing.T) {
	t.Setenv(secretEnv, "from-env")
	code, out, errOut := runToken("-user", "u-bob", "-org", "acme", "-ttl", "10m")
	require.Equal(t, 0, code, errOut)
	c, err := auth.NewVerifier([]byte("from-env")).Verify(strings.TrimSpace(out))
	require.NoError(t, err)
	assert.Equal(t, auth.RoleMember, c.Role, "default role")
	assert.InDelta(t, float64(10*time.Minute+auth.Leeway), float64(c.ExpiresIn(time.Now())), float64(2*time.Second))

	// -secret wins over the environment.
	code, out, _ = runToken("-secret", "flag", "-user", "u-bob", "-org", "acme")
	require.Equal(t, 0, code)
	_, err = auth.NewVerifier([]byte("flag")).Verify(strings.TrimSpace(out))
	assert.NoError(t, err)
}

func TestRunErrors(t *testing.T) {
	t.Setenv(secretEnv, "")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing secret", []string{"-user", "a", "-org", "o"}, "missing secret: pass -secret or set SOCKETLAB_JWT_SECRET"},
		{"bad role", []string{"-secret", "s", "-user", "a", "-org", "o", "-role", "root"}, `bad -role "root": want "admin" or "member"`},
		{"missing user", []string{"-secret", "s", "-org", "o"}, "missing -user"},
		{"missing org", []string{"-secret", "s", "-user", "a"}, "missing -org"},
		{"zero ttl", []string{"-secret", "s", "-user", "a", "-org", "o", "-ttl", "0s"}, "bad -ttl"},
		{"negative ttl", []string{"-secret", "s", "-user", "a", "-org", "o", "-ttl", "-1h"}, "bad -ttl"},
		{"unknown flag", []string{"-nope"}, "flag provided but not defined: -nope"},
		{"stray argument", []string{"-secret", "s", "-user", "a", "-org", "o", "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runToken(tc.args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			assert.Contains(t, errOut, tc.want)
		})
	}
}

func TestRunTooLarge(t *testing.T) {
	t.Setenv(secretEnv, "s")
	code, out, errOut := runToken("-user", strings.Repeat("u", 9000), "-org", "o")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "longer than 8192 bytes")
}

func TestRunHelp(t *testing.T) {
	code, out, errOut := runToken("-h")
	assert.Equal(t, 0, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "usage: token")
}
