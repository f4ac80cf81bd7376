// Package target starts the servers the harness judges when no URL is
// given: the reference Go binaries (built from this module with `go build`,
// then run as black boxes — the harness imports none of their code) or the
// official-implementation target of conformance/targets/node.
//
// Every server is a subprocess on 127.0.0.1 with port 0 that prints its
// address as the first JSON line on stdout ({"url":…} or {"port":…}). It
// dies with the harness (Pdeathsig on Linux) so that an interrupted run
// leaves nothing listening.
package target

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a running server.
type Process struct {
	Name string
	URL  string

	cmd    *exec.Cmd
	stderr *TailBuffer
	done   chan struct{}
	err    error
}

// Start runs argv in dir and waits (bounded by ctx) for its address line.
func Start(ctx context.Context, name, dir string, env []string, argv ...string) (*Process, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = procAttr()
	p := &Process{Name: name, cmd: cmd, stderr: &TailBuffer{Max: 64 << 10}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	// A pipe on stdin that closes when we exit: the Node targets stop then.
	if _, err := cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("target %s: %w", name, err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()

	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line, ok := <-lines:
		if !ok {
			p.Stop()
			return nil, fmt.Errorf("target %s exited before printing its address: %v\n%s", name, p.err, p.stderr)
		}
		if p.URL, err = parseAddress(line); err != nil {
			p.Stop()
			return nil, fmt.Errorf("target %s: %w", name, err)
		}
		return p, nil
	case <-ctx.Done():
		p.Stop()
		return nil, fmt.Errorf("target %s did not print its address: %w\n%s", name, ctx.Err(), p.stderr)
	}
}

// parseAddress reads {"url":"http://…"} or {"port":N}.
func parseAddress(line string) (string, error) {
	var a struct {
		URL  string `json:"url"`
		Port int    `json:"port"`
	}
	if err := json.Unmarshal([]byte(line), &a); err != nil {
		return "", fmt.Errorf("first stdout line %q is not an address: %w", line, err)
	}
	if a.URL != "" {
		return strings.TrimSuffix(a.URL, "/"), nil
	}
	if a.Port > 0 {
		return fmt.Sprintf("http://127.0.0.1:%d", a.Port), nil
	}
	return "", fmt.Errorf("first stdout line %q has neither url nor port", line)
}

// Stop sends SIGTERM, then SIGKILL after 5 s.
func (p *Process) Stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// ModuleRoot finds the socketlab module root above the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module socketlab\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("target: not inside the socketlab module")
		}
		dir = parent
	}
}

// BuildGo builds a main package of this module into outDir as a static
// binary and returns its path.
func BuildGo(ctx context.Context, root, pkg, outDir string) (string, error) {
	out := filepath.Join(outDir, filepath.Base(pkg))
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, msg)
	}
	return out, nil
}

// TailBuffer keeps the last Max bytes written: a child process's output,
// kept for error messages without growing without bound.
type TailBuffer struct {
	Max int
	mu  sync.Mutex
	buf []byte
}

func (t *TailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.Max {
		t.buf = t.buf[len(t.buf)-t.Max:]
	}
	return len(b), nil
}

// String returns everything kept, trimmed of surrounding space.
func (t *TailBuffer) String() string { return t.Last(t.Max) }

// Last returns the last n bytes kept, trimmed of surrounding space.
func (t *TailBuffer) Last(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}
