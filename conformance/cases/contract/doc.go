// Package contract holds the cases of docs/contract.md for the levels
// auth, rooms, events, progress and rest (§16 maps each clause to its
// level). Every case names its clause ("contract AUTH-3") and quotes the
// clause's sentence with its key word; a clause with several attacks has
// sub-cases (AUTH-3.1, AUTH-3.2, …).
//
// The harness drives the app as clients do (§14): it signs its own tokens
// with -secret for fresh random organizations and users on every run,
// uploads its own fixtures (testdata) and never uses a development
// endpoint.
//
// Processing a video takes a while, so most processing clauses are judged
// on one shared run (world.go): two fresh organizations, a dozen sockets
// recording everything from their CONNECT on, uploads in both, the
// official client connected beside them. It starts with the first case of
// these levels and runs in the background; each case then reads from its
// recordings the part its clause is about. Cases that change state or need
// a precise timeline (uploads with odd names, limits, recovery cuts) make
// their own organization and uploads.
package contract
