package swarm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/sioclient"
)

// AgentMain is the swarmagent command: it parses args (with environment
// fallbacks), runs until SIGINT or SIGTERM, and returns the exit code.
func AgentMain(args []string) int {
	cfg, err := ParseAgentConfig(args, os.Getenv, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "swarmagent:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := RunAgent(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "swarmagent:", err)
		return 1
	}
	return 0
}

// RunAgent runs every client of cfg until ctx ends or the collector is
// gone. Records go to the collector (or to stdout with callback "-").
func RunAgent(ctx context.Context, cfg AgentConfig, stdout, stderr io.Writer) error {
	fmt.Fprintf(stderr, "swarmagent %d: %d clients against %s, reporting to %s\n", cfg.Agent, len(cfg.Credentials), cfg.Target, cfg.Callback)
	rep := newReporter(cfg, stdout)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dials := make(chan struct{}, cfg.DialConcurrency)
	var wg sync.WaitGroup
	for i, cred := range cfg.Credentials {
		cl := &agentClient{index: i, cred: cred, target: cfg.Target, rep: rep, dials: dials}
		wg.Go(func() { cl.run(ctx) })
	}
	// The reporter outlives the clients: they report their goodbyes.
	repCtx, stopReporter := context.WithCancel(context.Background())
	defer stopReporter()
	repDone := make(chan error, 1)
	go func() { repDone <- rep.run(repCtx) }()
	select {
	case err := <-repDone: // orphaned: nobody listens any more
		cancel()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	// The clients close politely and report it; the reporter then flushes.
	wg.Wait()
	stopReporter()
	return <-repDone
}

// agentClient is one client: it connects, reports what it receives, and
// reconnects with socket.io's backoff until the agent ends.
type agentClient struct {
	index  int
	cred   Credential
	target string
	rep    *reporter
	dials  chan struct{}
}

func (cl *agentClient) run(ctx context.Context) {
	bo := NewBackoff()
	connectedBefore := false
	var downSince time.Time
	attempt := 0
	for ctx.Err() == nil {
		attempt++
		s, t0, err := cl.dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			var refused *sioclient.ConnectError
			isRefusal := errors.As(err, &refused)
			cl.rep.add(cl.index, TypeConnectError, time.Now(), ConnectFailure{Attempt: attempt, Error: err.Error(), Refused: isRefusal})
			if isRefusal {
				return // the official client does not retry a middleware refusal
			}
			if !sleep(ctx, bo.Duration()) {
				return
			}
			continue
		}
		sess := Session{Org: cl.cred.Org, User: cl.cred.User, SID: s.SID(), Attempts: attempt}
		typ := TypeConnected
		if connectedBefore {
			typ = TypeReconnected
			sess.DownMs = float64(time.Since(downSince).Microseconds()) / 1000
		}
		cl.rep.add(cl.index, typ, time.Now(), sess)
		connectedBefore, attempt = true, 0
		bo.Reset()

		d := cl.serve(ctx, s, t0)
		downSince = time.Now()
		cl.rep.add(cl.index, TypeDisconnected, downSince, d)
		if d.Reason == ReasonServerDisconnect || d.Reason == ReasonClientDisconnect {
			return
		}
		if !sleep(ctx, bo.Duration()) {
			return
		}
	}
}

// dial opens one session, holding a handshake slot meanwhile.
func (cl *agentClient) dial(ctx context.Context) (*sioclient.Socket, time.Time, error) {
	select {
	case cl.dials <- struct{}{}:
	case <-ctx.Done():
		return nil, time.Time{}, ctx.Err()
	}
	defer func() { <-cl.dials }()
	dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	// No wire log: thousands of clients per agent would keep every frame.
	t0 := time.Now()
	s, err := sioclient.Dial(dctx, cl.target, map[string]any{"token": cl.cred.Token},
		sioclient.Options{Transport: sioclient.WebSocket, Name: fmt.Sprintf("client-%d", cl.index)})
	if err != nil {
		if s != nil {
			s.Close()
		}
		return nil, t0, err
	}
	return s, t0, nil
}

// serve reports the session's events until it ends, and says why it did.
func (cl *agentClient) serve(ctx context.Context, s *sioclient.Socket, t0 time.Time) Disconnect {
	wctx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	var (
		deadMu sync.Mutex
		dead   bool
	)
	go func() {
		if watchHeartbeat(wctx, s, t0) {
			deadMu.Lock()
			dead = true
			deadMu.Unlock()
			s.Cut()
		}
	}()
	isDead := func() bool {
		deadMu.Lock()
		defer deadMu.Unlock()
		return dead
	}
	interesting := func(r sioclient.Received) bool {
		return r.IsEvent() || (r.Err == nil && r.Packet.Type == codec.SIODisconnect && r.Packet.Namespace == "/")
	}
	from := 0
	for {
		r, err := s.WaitFrom(ctx, from, interesting)
		if err != nil {
			var closed *sioclient.ClosedError
			switch {
			case ctx.Err() != nil:
				s.Close()
				return Disconnect{Reason: ReasonClientDisconnect}
			case isDead():
				return Disconnect{Reason: ReasonPingTimeout}
			case errors.As(err, &closed):
				detail := "close packet"
				if closed.Cause != nil {
					detail = closed.Cause.Error()
				}
				return Disconnect{Reason: ReasonTransportClose, Detail: detail}
			default:
				s.Cut()
				return Disconnect{Reason: ReasonTransportClose, Detail: err.Error()}
			}
		}
		from = r.Seq + 1
		if !r.IsEvent() {
			s.Close()
			return Disconnect{Reason: ReasonServerDisconnect}
		}
		cl.rep.add(cl.index, TypeEvent, r.At, Event{Name: r.Event, Args: r.Args})
	}
}

// sleep waits d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
