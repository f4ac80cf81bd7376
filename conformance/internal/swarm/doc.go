// Package swarm is the swarm level's machinery: an agent that runs many
// Socket.IO clients in one process (conformance/cmd/swarmagent, run in a
// container), and the harness side that builds the agent into a FROM
// scratch image, starts K containers with testcontainers-go on the host
// network, pauses or stops them, and collects what their clients saw.
//
// An agent runs M clients (the harness's sioclient over WebSocket) with
// tokens it is given or mints itself, reconnects each with socket.io's
// backoff when its connection is found dead — closed, or no ping within
// pingInterval + pingTimeout — and reports every connection, event and
// disconnection with its receive time as JSON lines POSTed to the
// harness's collector on 127.0.0.1:
//
//	{"agent":0,"client":17,"type":"event","at":"…","payload":{"name":"video:progress","args":[{…}]}}
//
// Containers share the host's kernel, so agent and harness timestamps are
// on one clock: a receive time minus the harness's send time is a latency.
package swarm
