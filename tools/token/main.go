// Command token mints an HS256 token for socketlab's reference app.
//
//	SOCKETLAB_JWT_SECRET=s3cret go run ./tools/token -user u-alice -org acme -role admin -ttl 1h
//	go run ./tools/token -secret s3cret -user u-bob -org acme
//
// The token is printed on stdout, followed by a newline. -secret takes
// precedence over SOCKETLAB_JWT_SECRET; prefer the variable, since command
// lines show up in process lists and shell history.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
