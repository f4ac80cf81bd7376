// Command clienttestee runs socketlab's Go Socket.IO client
// (socketlab/reference/socketio/client) as a client testee of the
// conformance harness's level "client": it connects to the harness's
// scripted server, configured from the environment, and reports every
// lifecycle event and received event as JSON lines (docs/conformance.md,
// "Client conformance").
//
//	SOCKETLAB_SERVER_URL=http://127.0.0.1:PORT SOCKETLAB_REPORT_URL=http://127.0.0.1:R/report go run ./reference/cmd/clienttestee
package main

import (
	"fmt"
	"os"
)

func main() {
	cfg, err := configFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "clienttestee:", err)
		os.Exit(2)
	}
	os.Exit(run(cfg))
}
