package swarm

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestAgentMintsFromEnvironment(t *testing.T) {
	cfg, err := ParseAgentConfig(nil, env(map[string]string{
		EnvTarget: "http://127.0.0.1:9/", EnvCallback: "http://127.0.0.1:8/records", EnvAgent: "2",
		EnvClients: "5", EnvSecret: "s3cret", EnvOrgs: "org-a, org-b",
	}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:9", cfg.Target)
	require.Equal(t, 2, cfg.Agent)
	require.Len(t, cfg.Credentials, 5)
	for i, c := range cfg.Credentials {
		require.Equal(t, []string{"org-a", "org-b"}[i%2], c.Org)
		claims := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(c.Token, claims, func(*jwt.Token) (any, error) { return []byte("s3cret"), nil },
			jwt.WithValidMethods([]string{"HS256"}))
		require.NoError(t, err)
		require.Equal(t, c.Org, claims["organizationId"])
		require.Equal(t, c.User, claims["userId"])
		require.Equal(t, "member", claims["role"])
	}
}

func TestAgentFlagsWinAndTokensFileIsRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	require.NoError(t, os.WriteFile(path, []byte(`[{"org":"o","user":"u","token":"t1"},{"org":"o","user":"v","token":"t2"}]`), 0o600))
	cfg, err := ParseAgentConfig([]string{"-target", "http://x", "-callback", "-", "-tokens-file", path},
		env(map[string]string{EnvTarget: "http://ignored", EnvSecret: "s"}), io.Discard)
	require.NoError(t, err)
	require.Equal(t, "http://x", cfg.Target)
	require.Equal(t, []Credential{{"o", "u", "t1"}, {"o", "v", "t2"}}, cfg.Credentials)
}

func TestAgentRefusesIncompleteConfigurations(t *testing.T) {
	for name, e := range map[string]map[string]string{
		"no target":   {EnvCallback: "-", EnvTokens: `[{"token":"t"}]`},
		"no callback": {EnvTarget: "http://x", EnvTokens: `[{"token":"t"}]`},
		"no clients":  {EnvTarget: "http://x", EnvCallback: "-"},
		"no orgs":     {EnvTarget: "http://x", EnvCallback: "-", EnvSecret: "s", EnvClients: "3"},
		"empty token": {EnvTarget: "http://x", EnvCallback: "-", EnvTokens: `[{"org":"o"}]`},
	} {
		_, err := ParseAgentConfig(nil, env(e), io.Discard)
		require.Error(t, err, name)
	}
}
