package faults

import (
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

// dial opens a socket with auth as its CONNECT payload, waiting for the
// handshake and the CONNECT reply at most the subject's heartbeat (a
// healthy server is never silent longer). The socket outlives that bound.
func dial(c *suite.C, base string, payload any, opts sioclient.Options) (*sioclient.Socket, error) {
	ctx, cancel := c.Within(c.Heartbeat())
	defer cancel()
	return sioclient.Dial(ctx, base, payload, opts)
}
