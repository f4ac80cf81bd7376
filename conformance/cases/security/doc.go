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

// identity returns a fresh organization's user with a valid token.
func identity(c *suite.C, role string) (jwtmint.Identity, string) {
	id := jwtmint.Identity{UserID: jwtmint.RandomID("u-"), OrgID: jwtmint.RandomID("org-"), Role: role}
	return id, jwtmint.New(c.Cfg.Secret).Token(id, time.Hour)
}

// foreignOrigins are origins no sane allow-list holds.
var foreignOrigins = []string{"https://evil.socketlab.test", "null"}
