// Package swarm holds the cases of level "swarm": the app judged by K
// containers of M Socket.IO clients each (-swarm-k, -swarm-m), members of
// two fresh organizations, started with testcontainers-go from a FROM
// scratch image of conformance/cmd/swarmagent on the host network. Where
// the other levels hold a few sockets in the harness's own process, these
// cases check the contract's delivery rules at the scale of a deployment
// and through what happens to real nodes: a container frozen past the
// heartbeat, a container stopped.
//
// Docker is required: outside CI its absence skips the level; in CI (CI
// set to true) it is an error.
package swarm
