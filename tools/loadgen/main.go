// Command loadgen measures any Socket.IO server that speaks the testee
// protocol (ours in reference/cmd/testee, the official Node one in
// conformance/targets/node/testee.mjs) with the same cheap raw WebSocket client, so the
// figures compare servers, not clients.
//
//	loadgen -url http://127.0.0.1:3000 -mode echo -clients 8 -duration 5s
//	loadgen -url http://127.0.0.1:3000 -mode fanout -clients 1000 -events 200
//	loadgen -url http://127.0.0.1:3000 -mode idle -clients 2000 -pid 12345
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}
