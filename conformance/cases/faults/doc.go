// Package faults holds the cases of level "faults": the harness puts a
// fault-injecting TCP proxy (internal/faultproxy) between its clients and
// the server and checks that the protocol and the app stay correct on a bad
// network — bytes arriving one at a time, long and jittery latency, a black
// hole that outlives the heartbeat, resets in the middle of a video's
// processing, a slow link, a connection cut inside a frame.
//
// Every case starts its own proxy (startProxy) and points its clients at it;
// REST calls that only set the scene (an upload, an announcement) go to the
// server directly unless the case is about them. Cases that need a short
// heartbeat run on the testee (pingInterval 300 ms + pingTimeout 200 ms in
// the official test servers); the others run on the app.
package faults
