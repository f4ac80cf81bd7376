package contract

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"socketlab/conformance/internal/target"
	"socketlab/conformance/internal/wirelog"
)

// officialScript drives the official socket.io-client (IO-2).
//
//go:embed official.cjs
var officialScript []byte

// officialSpec is one official client to start.
type officialSpec struct {
	Name       string   `json:"name"`
	Token      string   `json:"token"`
	Transports []string `json:"transports,omitempty"`
}

// officialLine is one observation the script reports.
type officialLine struct {
	At        time.Time         `json:"-"`
	Client    string            `json:"c"`
	Type      string            `json:"t"`
	Event     string            `json:"event"`
	Args      []json.RawMessage `json:"args"`
	ID        string            `json:"id"`
	Transport string            `json:"transport"`
	Message   string            `json:"message"`
	Reason    string            `json:"reason"`
	Req       int               `json:"req"`
	Res       []json.RawMessage `json:"res"`
}

// official is a running official-client process.
type official struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	log   *wirelog.Log

	mu      sync.Mutex
	lines   []officialLine
	changed chan struct{}
	ended   bool
	stderr  []byte
}

// errNoOfficialClient says the pinned client is not installed here.
var errNoOfficialClient = errors.New("the official socket.io-client is not installed (npm ci in interop/node)")

// startOfficial starts node with the script and the pinned client of
// interop/node, and starts clients against base.
func startOfficial(ctx context.Context, base string, clients []officialSpec, log *wirelog.Log) (*official, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, errNoOfficialClient
	}
	root, err := target.ModuleRoot()
	if err != nil {
		return nil, err
	}
	modules := filepath.Join(root, "interop", "node", "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "socket.io-client", "package.json")); err != nil {
		return nil, errNoOfficialClient
	}
	dir, err := os.MkdirTemp("", "socketlab-official-")
	if err != nil {
		return nil, err
	}
	script := filepath.Join(dir, "official.cjs")
	if err := os.WriteFile(script, officialScript, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(node, script)
	// CommonJS resolution honours NODE_PATH: the script uses the pinned
	// client without living inside interop/node.
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.SysProcAttr = childAttr()
	o := &official{cmd: cmd, log: log, changed: make(chan struct{})}
	if o.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		b, _ := io.ReadAll(io.LimitReader(stderr, 64<<10))
		o.mu.Lock()
		o.stderr = b
		o.mu.Unlock()
	}()
	go o.read(stdout, dir)
	if _, err := o.wait(ctx, func(l officialLine) bool { return l.Type == "ready" }); err != nil {
		o.quit()
		return nil, fmt.Errorf("official client did not start: %w (%s)", err, o.stderrText())
	}
	if err := o.send(map[string]any{"cmd": "start", "url": base, "clients": clients}); err != nil {
		o.quit()
		return nil, err
	}
	return o, nil
}

func (o *official) read(stdout io.Reader, dir string) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var l officialLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		l.At = time.Now()
		o.log.Add(wirelog.In, "note", "official/"+l.Client, sc.Bytes())
		o.mu.Lock()
		o.lines = append(o.lines, l)
		close(o.changed)
		o.changed = make(chan struct{})
		o.mu.Unlock()
	}
	_ = o.cmd.Wait()
	_ = os.RemoveAll(dir)
	o.mu.Lock()
	o.ended = true
	close(o.changed)
	o.changed = make(chan struct{})
	o.mu.Unlock()
}

func (o *official) send(cmd any) error {
	b, err := json.Marshal(cmd)
	if err != nil {
		return err
	}
	o.log.Add(wirelog.Out, "note", "official", b)
	_, err = o.stdin.Write(append(b, '\n'))
	return err
}

// wait returns the first line that matches.
func (o *official) wait(ctx context.Context, match func(officialLine) bool) (officialLine, error) {
	from := 0
	for {
		o.mu.Lock()
		for ; from < len(o.lines); from++ {
			if match(o.lines[from]) {
				l := o.lines[from]
				o.mu.Unlock()
				return l, nil
			}
		}
		ended, changed := o.ended, o.changed
		o.mu.Unlock()
		if ended {
			return officialLine{}, errors.New("the official client process ended")
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return officialLine{}, ctx.Err()
		}
	}
}

// snapshot returns the lines so far.
func (o *official) snapshot() []officialLine {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]officialLine(nil), o.lines...)
}

func (o *official) stderrText() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return clip(string(o.stderr), 500)
}

// quit asks the clients to disconnect and the process to end; it is
// killed when it does not within 3 s.
func (o *official) quit() {
	_ = o.send(map[string]any{"cmd": "quit"})
	_ = o.stdin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := o.wait(ctx, func(officialLine) bool { return false }); errors.Is(err, context.DeadlineExceeded) && o.cmd.Process != nil {
		_ = o.cmd.Process.Kill()
	}
}
