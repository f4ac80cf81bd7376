// Command swarmagent runs M Socket.IO clients against an app and reports
// what they see to the conformance harness (level "swarm"; see package
// socketlab/conformance/internal/swarm). The harness builds it statically
// into a FROM scratch image and starts it in containers:
//
//	swarmagent -target http://127.0.0.1:8080 -callback - -secret s3cret -orgs org-a,org-b -clients 10
package main

import (
	"os"

	"socketlab/conformance/internal/swarm"
)

func main() { os.Exit(swarm.AgentMain(os.Args[1:])) }
