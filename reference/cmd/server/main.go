// Command server runs socketlab's reference video app (package
// socketlab/reference/app/server).
//
//	go run ./reference/cmd/server -addr 127.0.0.1:8080 -data ./data -dev
//
// The first line on stdout is {"url":"http://127.0.0.1:PORT"}, so that a
// harness can start it with -addr 127.0.0.1:0. Logs go to stderr.
// SIGINT or SIGTERM closes it gracefully.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"socketlab/reference/app/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "server:", err)
		}
		os.Exit(1)
	}
}

// run parses args, starts the server, prints its URL to stdout and serves
// until ctx is done, then closes it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg server.Config
	var secret string
	fs.StringVar(&cfg.Addr, "addr", server.DefaultAddr, "listen address (port 0: any free port)")
	fs.StringVar(&cfg.DataDir, "data", "./data", "data folder (database and files)")
	fs.StringVar(&secret, "secret", "", "JWT secret (default $SOCKETLAB_JWT_SECRET; random in dev mode)")
	fs.BoolVar(&cfg.DevMode, "dev", true, "dev mode: demo users may log in with POST /api/dev/login")
	fs.Func("origin", "allowed browser origin (repeatable)", func(o string) error {
		cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
		return nil
	})
	fs.Int64Var(&cfg.MaxUploadBytes, "max-upload", 0, "largest upload in bytes (0: default)")
	fs.IntVar(&cfg.Workers, "workers", 0, "videos processed at once (0: default)")
	fs.DurationVar(&cfg.ProcessTimeout, "process-timeout", 0, "bound on the processing of one video (0: default)")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", 0, "close connections that send no Socket.IO CONNECT within this (0: socket.io's 45 s)")
	fs.DurationVar(&cfg.PingInterval, "ping-interval", 0, "Engine.IO pingInterval (0: socket.io's 25 s)")
	fs.DurationVar(&cfg.PingTimeout, "ping-timeout", 0, "Engine.IO pingTimeout (0: socket.io's 20 s)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg.Logger = log
	if secret == "" {
		secret = os.Getenv("SOCKETLAB_JWT_SECRET")
	}
	if secret == "" {
		if !cfg.DevMode {
			return errors.New("a secret is required: -secret or SOCKETLAB_JWT_SECRET")
		}
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		secret = hex.EncodeToString(b)
		log.Warn("no secret given: using a random one for this run (dev mode)", "secret", secret)
	}
	cfg.Secret = []byte(secret)

	s, err := server.New(cfg)
	if err != nil {
		return err
	}
	if err := s.Open(nil); err != nil {
		_ = s.Close()
		return err
	}
	line, _ := json.Marshal(map[string]string{"url": s.URL()})
	if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
		_ = s.Close()
		return err
	}
	<-ctx.Done()
	log.Info("server: shutting down")
	return s.Close()
}
