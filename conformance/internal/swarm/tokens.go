package swarm

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"socketlab/conformance/internal/jwtmint"
)

// Credential is who one client is: the token it sends in its CONNECT
// payload and, for the reports, the organization and user it names.
type Credential struct {
	Org   string `json:"org"`
	User  string `json:"user"`
	Token string `json:"token"`
}

// ParseCredentials reads a JSON array of credentials (the -tokens-file or
// SWARM_TOKENS form): client i is element i.
func ParseCredentials(data []byte) ([]Credential, error) {
	var creds []Credential
	if err := json.Unmarshal(data, &creds); err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	for i, c := range creds {
		if c.Token == "" {
			return nil, fmt.Errorf("tokens: client %d has no token", i)
		}
	}
	if len(creds) == 0 {
		return nil, errors.New("tokens: the list is empty")
	}
	return creds, nil
}

// tokenTTL outlives any swarm run; a reconnecting client reuses its token.
const tokenTTL = 2 * time.Hour

// MintCredentials makes n members spread over orgs round-robin (client i
// is in orgs[i % len(orgs)]), signed with secret: fresh identities, which
// the contract requires the app to accept (AUTH-8).
func MintCredentials(secret string, orgs []string, agent, n int) []Credential {
	m := jwtmint.New(secret)
	out := make([]Credential, n)
	for i := range out {
		org := orgs[i%len(orgs)]
		user := jwtmint.RandomID(fmt.Sprintf("u-swarm-%d-%d-", agent, i))
		out[i] = Credential{Org: org, User: user,
			Token: m.Token(jwtmint.Identity{UserID: user, OrgID: org, Role: jwtmint.Member}, tokenTTL)}
	}
	return out
}
