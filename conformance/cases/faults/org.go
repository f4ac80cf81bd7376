package faults

import (
	"time"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/suite"
)

// org is a fresh organization of the case (contract §14: the harness mints
// its own identities): an admin who uploads and announces, and a member
// whose sockets cross the faulty network. Keeping the two apart means the
// member's sockets get the organization's video events (ROOM-1) and no
// personal notification, so what they must receive is exactly §6.
type org struct {
	AdminToken, MemberToken string
}

func newOrg(c *suite.C) org {
	m := jwtmint.New(c.Cfg.Secret)
	id := jwtmint.RandomID("org-")
	token := func(role string) string {
		return m.Token(jwtmint.Identity{UserID: jwtmint.RandomID("u-"), OrgID: id, Role: role}, time.Hour)
	}
	return org{AdminToken: token(jwtmint.Admin), MemberToken: token(jwtmint.Member)}
}

// auth is the CONNECT payload of contract AUTH-1.
func auth(token string) map[string]any { return map[string]any{"token": token} }
