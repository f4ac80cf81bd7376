// Package conformance is the harness: `go test ./conformance` judges a
// Socket.IO server — the protocol (Engine.IO v4, Socket.IO v5) on its echo
// testee and docs/contract.md on the app — case by case, and writes
// Autobahn-style reports. See docs/conformance.md.
//
// With no -target it builds the reference binaries and starts them on
// 127.0.0.1:0 as black boxes; "-target node" starts the official-socket.io
// target of targets/node. Each case is a subtest named by its ID:
//
//	go test ./conformance -run 'TestConformance/EIO-' -args -target http://127.0.0.1:3000 -secret s3cret
package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"socketlab/conformance/internal/browser"
	"socketlab/conformance/internal/report"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/target"
)

// run is the state of this test binary's conformance run.
var run struct {
	cfg     suite.Config
	started time.Time
	results []suite.Result
	setup   error // why the run could not start; every case then errors
	pair    *target.Pair
	expect  string // the known-failures file, if any
	workDir string // built binaries and data of a built-in target
	once    sync.Once
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	browser.Shutdown() // the browser level's shared Chromium, if it started
	if run.pair != nil {
		run.pair.Stop()
	}
	if run.workDir != "" {
		_ = os.RemoveAll(run.workDir) // the built binaries and the target's data
	}
	if len(run.results) > 0 {
		rep := report.Run{Agent: run.cfg.Agent, Target: run.cfg.Target, Testee: run.cfg.Testee,
			Started: run.started, Duration: time.Since(run.started), Strict: run.cfg.Strict, Results: run.results}
		files, err := writeReports(rep)
		if err != nil {
			fmt.Fprintln(os.Stderr, "conformance: writing reports:", err)
			code = 1
		}
		summarize(rep, files)
	}
	os.Exit(code)
}

// ensureSetUp sets the run up once, for whichever test needs it first.
func ensureSetUp() error {
	run.once.Do(func() {
		run.started = time.Now()
		run.setup = setUp()
	})
	return run.setup
}

// setUp resolves the configuration, starting a built-in target when asked.
func setUp() error {
	cfg := &run.cfg
	levels, err := levelSet(*flagLevels)
	if err != nil {
		return err
	}
	*cfg = suite.Config{Testee: strings.TrimSuffix(*flagTestee, "/"), Target: strings.TrimSuffix(*flagTarget, "/"),
		Secret: *flagSecret, Origin: *flagOrigin, MaxUpload: *flagMaxUpload, ProcessTimeout: *flagProcess,
		ConnectTimeout: *flagConnect, PerfSockets: *flagPerfN,
		SwarmK: *flagSwarmK, SwarmM: *flagSwarmM,
		Levels: levels, Cases: splitGlobs(*flagCases), Strict: *flagStrict, Agent: *flagAgent}
	if cfg.Fixtures, err = filepath.Abs("testdata"); err != nil {
		return err
	}
	run.expect = *flagExpect
	if err := startBuiltIn(cfg); err != nil {
		return err
	}
	if cfg.Agent == "" {
		cfg.Agent = strings.TrimPrefix(cfg.Target, "http://")
	}
	cfg.Alive = func(ctx context.Context, s suite.Subject) error {
		base := cfg.Testee
		if s == suite.App {
			base = cfg.Target
		}
		_, err := handshake(ctx, base)
		return err
	}
	if cfg.Clients, err = clientsUnderTest(cfg); err != nil {
		return err
	}
	return readHeartbeats(cfg)
}

// startBuiltIn starts the reference or Node target when -target names one
// (or is empty), filling the URLs and the secret it was started with.
func startBuiltIn(cfg *suite.Config) error {
	kind := cfg.Target
	if kind != "" && kind != "reference" && kind != "node" {
		return nil // an external target
	}
	if kind == "" {
		kind = "reference"
	}
	work, err := os.MkdirTemp("", "socketlab-conformance-")
	run.workDir = work
	if err != nil {
		return err
	}
	if cfg.Secret == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		cfg.Secret = hex.EncodeToString(b)
	}
	if cfg.Origin == "" {
		cfg.Origin = "http://allowed.socketlab.test"
	}
	if cfg.MaxUpload == 0 {
		cfg.MaxUpload = 8 << 20
	}
	// A short connectTimeout keeps the security level's case about it
	// quick; external targets are judged with the -connect-timeout given.
	cfg.ConnectTimeout = 3 * time.Second
	// A short heartbeat keeps the swarm level's pause case short (it waits
	// out pingInterval + pingTimeout); every wait of the harness derives
	// from the heartbeat read from the open packet, never from 25 s + 20 s.
	opts := target.AppOptions{Secret: cfg.Secret, Origin: cfg.Origin, MaxUpload: cfg.MaxUpload,
		DataDir: filepath.Join(work, "data"), ConnectTimeout: cfg.ConnectTimeout,
		PingInterval: builtInPingInterval, PingTimeout: builtInPingTimeout}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if kind == "node" {
		if run.expect == "" {
			run.expect = filepath.Join("targets", "node", "expected-failures.json")
		}
		run.pair, err = target.Node(ctx, opts)
	} else {
		run.pair, err = target.Reference(ctx, work, opts)
	}
	if err != nil {
		return err
	}
	cfg.Target = run.pair.App.URL
	if cfg.Testee == "" {
		cfg.Testee = run.pair.Testee.URL
	}
	if cfg.Agent == "" {
		cfg.Agent = kind
	}
	return nil
}

// The built-in apps' heartbeat. Not shorter: contract cases bound one
// answer of the app by pingInterval + pingTimeout, and thousands of swarm
// clients on a shared machine must still pong within pingTimeout.
const (
	builtInPingInterval = 5 * time.Second
	builtInPingTimeout  = 5 * time.Second
)

// readHeartbeats learns pingInterval and pingTimeout from each subject's
// open packet: every protocol wait is derived from them.
func readHeartbeats(cfg *suite.Config) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if cfg.Testee != "" {
		open, err := handshake(ctx, cfg.Testee)
		if err != nil {
			return fmt.Errorf("testee %s: %w", cfg.Testee, err)
		}
		cfg.PingInterval = time.Duration(open.PingInterval) * time.Millisecond
		cfg.PingTimeout = time.Duration(open.PingTimeout) * time.Millisecond
	}
	if cfg.Target != "" {
		open, err := handshake(ctx, cfg.Target)
		if err != nil {
			return fmt.Errorf("target %s: %w", cfg.Target, err)
		}
		cfg.AppPingInterval = time.Duration(open.PingInterval) * time.Millisecond
		cfg.AppPingTimeout = time.Duration(open.PingTimeout) * time.Millisecond
	}
	return nil
}

// TestConformance runs every registered case as a subtest named by its ID.
func TestConformance(t *testing.T) {
	// Set up here, not in TestMain: tests that need no target (the docs
	// check) must not wait for one to be built and started.
	if ensureSetUp() != nil {
		t.Fatalf("conformance run could not start: %v", run.setup)
	}
	known, err := loadExpectations(run.expect)
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range suite.All() {
		t.Run(cs.ID, func(t *testing.T) {
			res := suite.Run(&run.cfg, cs)
			why, isKnown := known[cs.ID]
			if isKnown && suite.Failing(res.Verdict, run.cfg.Strict) {
				res.Reason = "known failure (" + run.expect + "): " + why + " — " + res.Reason
			}
			run.results = append(run.results, res)
			progress(res)
			failing := suite.Failing(res.Verdict, run.cfg.Strict)
			switch {
			case isKnown && failing:
				t.Logf("%s, a known failure of this target: %s", res.Verdict, res.Reason)
			case isKnown && res.Verdict != suite.Skipped:
				t.Errorf("%s is listed as a known failure in %s but got %s: remove it from the list", cs.ID, run.expect, res.Verdict)
			case res.Verdict == suite.Skipped:
				t.Skip(res.Reason)
			case failing:
				t.Errorf("%s %s — %s\n  requirement (%s, %s): %s\n  %s", res.Verdict, cs.ID, cs.Title, cs.Strength, cs.Source, cs.Requirement, res.Reason)
			default:
				t.Logf("%s %s", res.Verdict, res.Reason)
			}
		})
	}
}

// writeReports writes index.json, report.html and junit.xml into the report
// folder, adding this agent's column to what is there.
func writeReports(rep report.Run) (*report.Written, error) {
	files, err := report.Write(*flagReportDir, rep)
	if files != nil {
		for _, w := range files.Warnings {
			fmt.Fprintln(os.Stderr, "conformance:", w)
			// go test shows a passing package's stderr only with -v.
			if tty := terminal(); tty != nil {
				fmt.Fprintln(tty, "conformance:", w)
			}
		}
	}
	return files, err
}

// summarize prints the verdict counts per level, the duration and the
// report paths on stdout (kept by go test and CI logs) and, painted, on the
// terminal (go test holds stdout back until the package ends).
func summarize(rep report.Run, files *report.Written) {
	report.Summary(os.Stdout, rep, files, false)
	if tty := terminal(); tty != nil {
		report.Summary(tty, rep, files, colorTerminal())
	}
}

// terminal is the controlling terminal, or nil without one (CI).
var terminal = sync.OnceValue(func() *os.File {
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return nil
	}
	return tty
})

// colorTerminal honours NO_COLOR (https://no-color.org) and TERM=dumb.
func colorTerminal() bool {
	return os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// caseNumber is a case's 1-based position in the registry, for progress.
var caseNumber = sync.OnceValue(func() map[string]int {
	m := map[string]int{}
	for i, cs := range suite.All() {
		m[cs.ID] = i + 1
	}
	return m
})

// progress prints one line per case on the terminal, when there is one:
// go test shows nothing of a package until it ends. Cases left out by
// -levels or -cases are not shown (they are SKIP in the report).
func progress(res suite.Result) {
	tty := terminal()
	if tty == nil {
		return
	}
	if ok, _ := run.cfg.Selected(suite.Case{ID: res.ID, Level: res.Level, On: res.Subject}); !ok {
		return
	}
	verdict := fmt.Sprintf("%-13s", res.Verdict)
	if colorTerminal() {
		verdict = report.Paint(res.Verdict, verdict)
	}
	title := res.Title
	if r := []rune(title); len(r) > 48 {
		title = string(r[:47]) + "…"
	}
	total := len(caseNumber())
	fmt.Fprintf(tty, "[%*d/%d] %s %-22s %-48s %6dms\n", len(strconv.Itoa(total)), caseNumber()[res.ID], total,
		verdict, res.ID, title, res.Duration.Milliseconds())
}
