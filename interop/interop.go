// Package interop runs socketlab's Node.js interop fixture: the OFFICIAL
// socket.io / engine.io / socket.io-client npm packages (exact versions pinned
// in package-lock.json files), driven from Go tests.
//
// The fixture has two halves, in two npm packages:
//
//   - testee.mjs, in conformance/targets/node ([TesteeDir]): a reference
//     server built with the official socket.io server (the echo server of
//     the Socket.IO / Engine.IO protocol conformance suites, plus rooms and
//     server→client acks on "/"). It lives next to app.mjs, the app
//     contract on the same official server, as the protocol half of that
//     conformance target. [StartTestee] runs it.
//   - client-scenarios.mjs, in interop/node ([NodeDir]): scenarios that
//     drive any such server with the official socket.io-client and check
//     what they see with explicit assertions. [RunClientScenarios] runs
//     them against a URL and returns one [ScenarioResult] per scenario.
//
// The scenarios are first proven against the official server (this
// package's own tests), so that a failure against socketlab's Go server
// means the Go server is wrong, not the scenario:
//
//	func TestOfficialClient(t *testing.T) {
//		interop.Require(t)
//		url := startMyGoServer(t) // must behave like testee.mjs
//		for _, tr := range interop.Transports {
//			t.Run(tr, func(t *testing.T) {
//				res := interop.RunClientScenarios(t, url, tr)
//				interop.AssertScenarios(t, res, interop.AllScenarios)
//			})
//		}
//	}
//
// Node.js (>= 18) and npm must be installed. [Require] runs `npm ci` in
// both folders once (per lock-file change); when node, npm or the install
// are missing it skips the test, except under CI=true where interop tests
// must run, so it fails instead.
package interop

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"socketlab/internal/syncbuf"
)

// Transports are the values of client-scenarios.mjs --transports:
// polling only, websocket only, and the client's default (polling, then an
// upgrade to websocket).
var Transports = []string{"polling", "websocket", "default"}

// AllScenarios are the scenarios that client-scenarios.mjs runs for
// "--scenario all" without --expect-token, in order. With --expect-token
// the "connect_error" scenario runs too (see [TokenScenarios]).
var AllScenarios = []string{
	"handshake", "auth", "events", "acks", "binary",
	"namespace", "rooms", "disconnect", "heartbeat",
}

// TokenScenarios are the scenarios that "--scenario all --expect-token X"
// runs, against a server started with "--auth-token X".
var TokenScenarios = []string{
	"handshake", "auth", "connect_error", "events", "acks", "binary",
	"namespace", "rooms", "disconnect", "heartbeat",
}

// Besides these, the script has a "recovery" scenario, for a server started
// with --recovery (connection state recovery); it only runs when named:
// RunClientScenarios(t, url, tr, "--scenario", "recovery").

// ScenarioResult is one JSON line printed by client-scenarios.mjs.
type ScenarioResult struct {
	Scenario   string         `json:"scenario"`
	Transports string         `json:"transports"`
	OK         bool           `json:"ok"`
	Error      string         `json:"error"`
	Details    map[string]any `json:"details"`
}

// NodeDir returns the absolute path of the interop/node directory
// (package.json, client-scenarios.mjs, gen-backoff-table.mjs; its
// node_modules hold socket.io-client and socket.io).
func NodeDir() string { return fixtureDir("interop", "node") }

// TesteeDir returns the absolute path of the conformance/targets/node
// directory (package.json, testee.mjs, app.mjs).
func TesteeDir() string { return fixtureDir("conformance", "targets", "node") }

// fixtureDir finds the npm package at the module-relative path elems.
func fixtureDir(elems ...string) string {
	rel := filepath.Join(elems...)
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Join(filepath.Dir(filepath.Dir(file)), rel) // this file is in <root>/interop
		if fileExists(filepath.Join(dir, "package.json")) {
			return dir
		}
	}
	// Built with -trimpath: look upwards from the working directory (a test
	// runs in its package's directory) for <rel>/package.json.
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			dir := filepath.Join(d, rel)
			if fileExists(filepath.Join(dir, "package.json")) {
				return dir
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return rel
}

// npmPackage is a folder that Require installs, and packages whose presence
// in its node_modules proves the install.
type npmPackage struct {
	dir      func() string
	packages []string
}

var npmPackages = []npmPackage{
	{NodeDir, []string{"socket.io", "socket.io-client"}},
	{TesteeDir, []string{"socket.io", "engine.io", "jsonwebtoken", "busboy"}},
}

// ------------------------------------------------------------------ Require

var (
	requireOnce sync.Once
	requireErr  error
)

// minNodeMajor is the oldest Node.js major version the fixture supports.
const minNodeMajor = 18

// Require makes sure node and npm exist and that `npm ci` has been run in
// [NodeDir] and [TesteeDir] for their current package-lock.json. The work
// happens once per test process; concurrent test processes (go test ./...
// runs packages in parallel) serialize on a lock file per folder.
//
// If anything is missing it skips the test with a hint on how to install,
// unless the environment variable CI is true: interop tests must run in CI,
// so there it fails the test.
func Require(t testing.TB) {
	t.Helper()
	requireOnce.Do(func() { requireErr = prepare() })
	if requireErr == nil {
		return
	}
	if inCI() {
		t.Fatalf("interop: the Node.js fixture is not usable and CI=true (interop tests must run in CI): %v\n"+
			"install Node.js >= %d with npm (Debian: apt-get install -y nodejs npm) and let `npm ci` in %s and %s reach the npm registry",
			requireErr, minNodeMajor, NodeDir(), TesteeDir())
	}
	t.Skipf("interop: skipping, the Node.js fixture is not usable: %v\n"+
		"to run this test install Node.js >= %d with npm (Debian: apt-get install -y nodejs npm); "+
		"`npm ci` then runs by itself in %s and %s (it needs the npm registry). With CI=true this is a failure.",
		requireErr, minNodeMajor, NodeDir(), TesteeDir())
}

func inCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// stampName is written into node_modules after a successful `npm ci`; it
// holds a hash of package.json and package-lock.json. `npm ci` deletes
// node_modules first, so a stale stamp never survives a failed install.
const stampName = ".socketlab-npm-ci.stamp"

func prepare() error {
	if _, err := exec.LookPath("node"); err != nil {
		return errors.New("node not found in PATH")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return errors.New("npm not found in PATH")
	}
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return fmt.Errorf("node --version: %v", err)
	}
	version := strings.TrimSpace(string(out))
	majorStr, _, _ := strings.Cut(strings.TrimPrefix(version, "v"), ".")
	if major, err := strconv.Atoi(majorStr); err != nil || major < minNodeMajor {
		return fmt.Errorf("node %s is too old (need >= %d)", version, minNodeMajor)
	}
	for _, p := range npmPackages {
		if err := npmCI(p.dir(), p.packages); err != nil {
			return err
		}
	}
	return nil
}

// npmCI runs `npm ci` in dir unless its node_modules already hold the
// install of the current lock file (the stamp) with packages in it.
func npmCI(dir string, packages []string) error {
	want, err := lockHash(dir)
	if err != nil {
		return err
	}
	stamp := filepath.Join(dir, "node_modules", stampName)
	installed := func() bool {
		got, err := os.ReadFile(stamp)
		if err != nil || strings.TrimSpace(string(got)) != want {
			return false
		}
		for _, name := range packages {
			if !fileExists(filepath.Join(dir, "node_modules", name, "package.json")) {
				return false
			}
		}
		return true
	}
	if installed() {
		return nil
	}

	unlock, err := lockFile(filepath.Join(dir, ".npm-ci.lock"), 6*time.Minute)
	if err != nil {
		return fmt.Errorf("locking %s: %v", dir, err)
	}
	defer unlock()
	if installed() { // another process did it while we waited
		return nil
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "npm_config_update_notifier=false")
	cmd.WaitDelay = 10 * time.Second
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("`npm ci --no-audit --no-fund` in %s failed: %v\n%s", dir, err, tail(output.String(), 3000))
	}
	if err := os.WriteFile(stamp, []byte(want+"\n"), 0o644); err != nil {
		return fmt.Errorf("writing %s: %v", stamp, err)
	}
	return nil
}

func lockHash(dir string) (string, error) {
	h := sha256.New()
	for _, name := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("interop fixture incomplete: %v", err)
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ------------------------------------------------------------- StartTestee

// StartTestee starts `node testee.mjs --port 0 args...` (the official
// socket.io server, see testee.mjs for its events and flags such as
// --auth-token X, --recovery, --ping-interval MS, --ping-timeout MS), waits
// until it listens and returns its base URL, "http://127.0.0.1:PORT".
// Socket.IO is served at /socket.io/ and an Engine.IO echo server at
// /engine.io/. The process is stopped (SIGTERM, then killed) when the test
// ends; its stderr is logged if the test failed.
func StartTestee(t testing.TB, args ...string) (url string) {
	t.Helper()
	Require(t)

	cmd := exec.Command("node", append([]string{"testee.mjs", "--port", "0"}, args...)...)
	cmd.Dir = TesteeDir()
	// stdin is a pipe that we hold: if this process dies, the testee sees EOF
	// and exits, so it never outlives the test binary.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("interop: testee stdin: %v", err)
	}
	// Our own pipe for stdout, so that cmd.Wait does not race with reading it.
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		t.Fatalf("interop: testee stdout: %v", err)
	}
	cmd.Stdout = stdoutW
	stderr := &syncbuf.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		stdoutR.Close()
		stdoutW.Close()
		t.Fatalf("interop: starting testee: %v", err)
	}
	stdoutW.Close()

	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()

	type portLine struct {
		port int
		err  error
	}
	portc := make(chan portLine, 1)
	go func() {
		defer stdoutR.Close()
		sc := bufio.NewScanner(stdoutR)
		if !sc.Scan() {
			portc <- portLine{err: fmt.Errorf("no output (%v)", sc.Err())}
			return
		}
		var msg struct {
			Port int `json:"port"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil || msg.Port <= 0 {
			portc <- portLine{err: fmt.Errorf("bad first line %q", sc.Text())}
		} else {
			portc <- portLine{port: msg.Port}
		}
		_, _ = io.Copy(io.Discard, stdoutR) // keep draining until exit
	}()

	stop := func() {
		select {
		case <-exited:
			return
		default:
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			_ = cmd.Process.Kill()
		}
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		_ = stdin.Close()
	}

	var port int
	select {
	case pl := <-portc:
		if pl.err != nil {
			stop()
			t.Fatalf("interop: testee %v: %v\nstderr:\n%s", args, pl.err, stderr.String())
		}
		port = pl.port
	case <-exited:
		t.Fatalf("interop: testee %v exited before listening (%v)\nstderr:\n%s", args, cmd.ProcessState, stderr.String())
	case <-time.After(30 * time.Second):
		stop()
		t.Fatalf("interop: testee %v did not print its port within 30s\nstderr:\n%s", args, stderr.String())
	}

	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("interop: testee %v stderr:\n%s", args, stderr.String())
		}
	})
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

// ------------------------------------------------------ RunClientScenarios

// RunClientScenarios runs `node client-scenarios.mjs --url url --transports
// transports extraArgs...` with the official socket.io-client and returns
// its results, one per scenario, in order. extraArgs can be
// "--scenario", "events,acks" (default all), "--timeout-ms", "N" (default
// 10000 per wait), "--expect-token", "X".
//
// It does not judge the results (see [AssertScenarios]), but it fails the
// test if the script could not run, timed out, printed nothing, or exited
// with a status that disagrees with its results. Its stderr is logged
// whenever something failed.
func RunClientScenarios(t testing.TB, url, transports string, extraArgs ...string) []ScenarioResult {
	t.Helper()
	Require(t)

	timeout := 3 * time.Minute
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			if left := time.Until(dl) - 10*time.Second; left > 0 && left < timeout {
				timeout = left
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	args := append([]string{"client-scenarios.mjs", "--url", url, "--transports", transports}, extraArgs...)
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = NodeDir()
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	runErr := cmd.Run()
	elapsed := time.Since(start).Round(time.Millisecond)

	var results []ScenarioResult
	for _, line := range strings.Split(stdout.String(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var r ScenarioResult
		if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &r) != nil || r.Scenario == "" {
			t.Logf("interop: client-scenarios: unexpected stdout line: %s", line)
			continue
		}
		results = append(results, r)
	}

	what := fmt.Sprintf("client-scenarios %s", strings.Join(args[1:], " "))
	allOK := !slices.ContainsFunc(results, func(r ScenarioResult) bool { return !r.OK })
	logStderr := func() { t.Logf("interop: %s: stderr:\n%s", what, tail(stderr.String(), 20000)) }
	switch {
	case ctx.Err() != nil:
		logStderr()
		t.Errorf("interop: %s: killed after %v (timeout)", what, timeout)
	case len(results) == 0:
		logStderr()
		t.Fatalf("interop: %s: no results (%v)", what, runErr)
	case runErr == nil && !allOK:
		logStderr()
		t.Errorf("interop: %s: exit status 0 but some scenario failed", what)
	case runErr != nil && allOK:
		logStderr()
		t.Errorf("interop: %s: every scenario ok but %v", what, runErr)
	case !allOK:
		logStderr()
	}
	t.Logf("interop: %s: %d results in %v", what, len(results), elapsed)
	return results
}

// AssertScenarios checks that results hold each scenario of want exactly
// once, in a subtest of t per scenario (named after the scenario), that
// fails with the scenario's error and details unless it is ok. Results for
// scenarios not in want fail t.
func AssertScenarios(t *testing.T, results []ScenarioResult, want []string) {
	t.Helper()
	byName := map[string][]ScenarioResult{}
	for _, r := range results {
		if !slices.Contains(want, r.Scenario) {
			t.Errorf("interop: unexpected scenario %q in results", r.Scenario)
		}
		byName[r.Scenario] = append(byName[r.Scenario], r)
	}
	for _, name := range want {
		t.Run(name, func(t *testing.T) {
			rs := byName[name]
			if len(rs) != 1 {
				t.Fatalf("scenario %q: %d results, want 1", name, len(rs))
			}
			r := rs[0]
			details, _ := json.Marshal(r.Details)
			if !r.OK {
				t.Fatalf("scenario %s/%s failed: %s\ndetails: %s", r.Scenario, r.Transports, r.Error, details)
			}
			t.Logf("ok %s/%s %s", r.Scenario, r.Transports, truncate(string(details), 600))
		})
	}
}

// ------------------------------------------------------------------ helpers

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// tail returns at most the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// truncate returns at most the first n bytes of s.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
