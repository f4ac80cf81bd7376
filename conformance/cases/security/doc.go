// Package security holds the cases of level "security": what a hostile or
// broken client can do to the app target — cross-origin requests, a
// connection that never joins a namespace, a client that stops reading.
// The contract's own SEC clauses are judged in the auth and rest levels;
// these cases add the operational failures around them.
package security

import (
	"time"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/suite"
)

// newToken returns a valid token of a fresh organization's user with role.
func newToken(c *suite.C, role string) string {
	id := jwtmint.Identity{UserID: jwtmint.RandomID("u-"), OrgID: jwtmint.RandomID("org-"), Role: role}
	return jwtmint.New(c.Cfg.Secret).Token(id, time.Hour)
}

// foreignOrigins are origins no sane allow-list holds.
var foreignOrigins = []string{"https://evil.socketlab.test", "null"}
