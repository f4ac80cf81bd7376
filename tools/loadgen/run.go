package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// config is what the flags say.
type config struct {
	url      string
	target   string // the WebSocket URL derived from url
	mode     string
	clients  int
	duration time.Duration
	events   int
	window   int
	pid      int
	timeout  time.Duration
}

// report is the JSON line printed on stdout.
type report struct {
	Mode    string `json:"mode"`
	Clients int    `json:"clients"`
	URL     string `json:"url"`
	Results any    `json:"results"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.url, "url", "", "server URL, e.g. http://127.0.0.1:3000 (required)")
	fs.StringVar(&cfg.mode, "mode", "echo", "echo, fanout or idle")
	fs.IntVar(&cfg.clients, "clients", 8, "number of connections")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "echo: how long to measure")
	fs.IntVar(&cfg.events, "events", 200, "fanout: events emitted to the room")
	fs.IntVar(&cfg.window, "window", 32, "fanout: event i is sent once every client has event i-window")
	fs.IntVar(&cfg.pid, "pid", 0, "idle: server process id whose VmRSS to measure (Linux)")
	fs.DurationVar(&cfg.timeout, "timeout", 60*time.Second, "bound on the whole run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if cfg.url == "" {
		return errors.New("-url is required")
	}
	if cfg.clients < 1 || cfg.events < 1 || cfg.window < 1 || cfg.timeout <= 0 || cfg.duration <= 0 {
		return errors.New("-clients, -events, -window, -duration and -timeout must be positive")
	}
	target, err := wsURL(cfg.url)
	if err != nil {
		return err
	}
	cfg.target = target

	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	var (
		results any
		human   string
		runErr  error
	)
	switch cfg.mode {
	case "echo":
		results, human, runErr = runEcho(ctx, cfg)
	case "fanout":
		results, human, runErr = runFanout(ctx, cfg)
	case "idle":
		results, human, runErr = runIdle(ctx, cfg)
	default:
		return fmt.Errorf("unknown -mode %q (echo, fanout or idle)", cfg.mode)
	}
	if results != nil {
		line, err := json.Marshal(report{Mode: cfg.mode, Clients: cfg.clients, URL: cfg.url, Results: results})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", line)
		fmt.Fprintf(stderr, "%s %s clients=%d: %s\n", cfg.mode, cfg.url, cfg.clients, human)
	}
	return runErr
}
