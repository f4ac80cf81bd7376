// Command testee runs the protocol echo server that conformance tests
// target (see package socketlab/reference/testee).
//
//	go run ./reference/cmd/testee -addr 127.0.0.1:3000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"socketlab/reference/testee"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

func run(args []string) error {
	opts := testee.DefaultOptions
	fs := flag.NewFlagSet("testee", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:3000", "listen address (port 0 picks a free port)")
	fs.DurationVar(&opts.PingInterval, "ping-interval", opts.PingInterval, "Engine.IO pingInterval")
	fs.DurationVar(&opts.PingTimeout, "ping-timeout", opts.PingTimeout, "Engine.IO pingTimeout")
	fs.Int64Var(&opts.MaxPayload, "max-payload", opts.MaxPayload, "Engine.IO maxPayload in bytes")
	fs.DurationVar(&opts.ConnectTimeout, "connect-timeout", opts.ConnectTimeout, "Socket.IO connectTimeout")
	fs.StringVar(&opts.AuthToken, "auth-token", "", "refuse CONNECT to \"/\" unless auth.token equals this")
	fs.BoolVar(&opts.Recovery, "recovery", false, "turn on connection state recovery")
	if err := fs.Parse(args); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := testee.New(opts)
	httpServer := &http.Server{Handler: srv}

	// The first stdout line tells a parent process (the conformance harness)
	// where we listen, which matters with port 0.
	fmt.Printf("{\"addr\":%q,\"url\":\"http://%s\"}\n", ln.Addr().String(), ln.Addr().String())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Close()
		_ = httpServer.Close()
	}()
	if err := httpServer.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
