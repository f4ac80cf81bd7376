package target

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"
)

// AppOptions configure an embedded app target.
type AppOptions struct {
	Secret    string
	Origin    string
	MaxUpload int64
	DataDir   string
	// ConnectTimeout is the app's socket.io connectTimeout.
	ConnectTimeout time.Duration
	// PingInterval and PingTimeout are the app's Engine.IO heartbeat
	// (socket.io's 25 s and 20 s when 0).
	PingInterval, PingTimeout time.Duration
}

// Pair is an app target and its protocol testee.
type Pair struct {
	App, Testee *Process
}

// Stop stops both.
func (p *Pair) Stop() {
	p.App.Stop()
	p.Testee.Stop()
}

// Reference builds and starts the Go reference app (reference/cmd/server,
// dev mode off) and testee (reference/cmd/testee, the protocol suites'
// heartbeat of 300 ms + 200 ms).
func Reference(ctx context.Context, workDir string, o AppOptions) (*Pair, error) {
	root, err := ModuleRoot()
	if err != nil {
		return nil, err
	}
	server, err := BuildGo(ctx, root, "./reference/cmd/server", workDir)
	if err != nil {
		return nil, err
	}
	testee, err := BuildGo(ctx, root, "./reference/cmd/testee", workDir)
	if err != nil {
		return nil, err
	}
	args := []string{server, "-addr", "127.0.0.1:0", "-dev=false", "-secret", o.Secret,
		"-data", o.DataDir, "-max-upload", strconv.FormatInt(o.MaxUpload, 10), "-connect-timeout", o.ConnectTimeout.String()}
	if o.Origin != "" {
		args = append(args, "-origin", o.Origin)
	}
	if o.PingInterval > 0 {
		args = append(args, "-ping-interval", o.PingInterval.String())
	}
	if o.PingTimeout > 0 {
		args = append(args, "-ping-timeout", o.PingTimeout.String())
	}
	return startPair(ctx, "reference", root, args, []string{testee, "-addr", "127.0.0.1:0"})
}

// Node starts the official-implementation target of conformance/targets/node
// (its npm packages must be installed: npm ci there).
func Node(ctx context.Context, o AppOptions) (*Pair, error) {
	root, err := ModuleRoot()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, "conformance", "targets", "node")
	args := []string{"node", "app.mjs", "--port", "0", "--secret", o.Secret, "--data", o.DataDir,
		"--max-upload", strconv.FormatInt(o.MaxUpload, 10), "--connect-timeout", strconv.FormatInt(o.ConnectTimeout.Milliseconds(), 10)}
	if o.Origin != "" {
		args = append(args, "--origin", o.Origin)
	}
	if o.PingInterval > 0 {
		args = append(args, "--ping-interval", strconv.FormatInt(o.PingInterval.Milliseconds(), 10))
	}
	if o.PingTimeout > 0 {
		args = append(args, "--ping-timeout", strconv.FormatInt(o.PingTimeout.Milliseconds(), 10))
	}
	return startPair(ctx, "node", dir, args, []string{"node", "testee.mjs", "--port", "0"})
}

func startPair(ctx context.Context, name, dir string, app, testee []string) (*Pair, error) {
	a, err := Start(ctx, name+" app", dir, nil, app...)
	if err != nil {
		return nil, err
	}
	t, err := Start(ctx, name+" testee", dir, nil, testee...)
	if err != nil {
		a.Stop()
		return nil, fmt.Errorf("%w (app started at %s)", err, a.URL)
	}
	return &Pair{App: a, Testee: t}, nil
}
