package client

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	chrome "socketlab/conformance/internal/browser"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/target"
	"socketlab/conformance/internal/wirelog"
)

// params are what a case tells the client testee (the contract's
// environment variables, or the page's query parameters).
type params struct {
	ServerURL string
	ReportURL string
	Token     string
	// ReconnectionAttempts 0 leaves socket.io-client's default (Infinity).
	ReconnectionAttempts int
	ReconnectionDelay    time.Duration
	ReconnectionDelayMax time.Duration
	RandomizationFactor  float64
	// Transports nil leaves the client's default (polling, then upgrade).
	Transports []string
	MaxSeconds int
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

// env is the contract's environment for a command.
func (p params) env() []string {
	e := []string{
		"SOCKETLAB_SERVER_URL=" + p.ServerURL,
		"SOCKETLAB_REPORT_URL=" + p.ReportURL,
		"SOCKETLAB_TOKEN=" + p.Token,
		"SOCKETLAB_RECONNECTION_DELAY=" + ms(p.ReconnectionDelay),
		"SOCKETLAB_RECONNECTION_DELAY_MAX=" + ms(p.ReconnectionDelayMax),
		"SOCKETLAB_RANDOMIZATION_FACTOR=" + strconv.FormatFloat(p.RandomizationFactor, 'f', -1, 64),
		"SOCKETLAB_MAX_SECONDS=" + strconv.Itoa(p.MaxSeconds),
	}
	if p.ReconnectionAttempts > 0 {
		e = append(e, "SOCKETLAB_RECONNECTION_ATTEMPTS="+strconv.Itoa(p.ReconnectionAttempts))
	}
	if len(p.Transports) > 0 {
		e = append(e, "SOCKETLAB_TRANSPORTS="+strings.Join(p.Transports, ","))
	}
	return e
}

// pageURL is the page's address with the contract in its query.
func (p params) pageURL(page string) (string, error) {
	u, err := url.Parse(page)
	if err != nil {
		return "", fmt.Errorf("client page %q: %w", page, err)
	}
	q := u.Query()
	q.Set("server", p.ServerURL)
	q.Set("report", p.ReportURL)
	q.Set("token", p.Token)
	q.Set("reconnectionDelay", ms(p.ReconnectionDelay))
	q.Set("reconnectionDelayMax", ms(p.ReconnectionDelayMax))
	q.Set("randomizationFactor", strconv.FormatFloat(p.RandomizationFactor, 'f', -1, 64))
	q.Set("maxSeconds", strconv.Itoa(p.MaxSeconds))
	if p.ReconnectionAttempts > 0 {
		q.Set("reconnectionAttempts", strconv.Itoa(p.ReconnectionAttempts))
	}
	if len(p.Transports) > 0 {
		q.Set("transports", strings.Join(p.Transports, ","))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// launched is a running client testee.
type launched interface {
	// status says whether it is still running, or how it ended.
	status() string
	// exited is closed when the client ends by itself (never for a page).
	exited() <-chan struct{}
	stop()
}

// launch starts the client under test.
func launch(c *suite.C, ctx context.Context, cl suite.ClientUnderTest, p params) (launched, error) {
	if cl.Page != "" {
		return launchPage(c, ctx, cl, p)
	}
	return launchCommand(c.Log, cl, p)
}

// command is a client testee run by sh -c.
type command struct {
	name   string
	log    *wirelog.Log
	cmd    *exec.Cmd
	output *target.TailBuffer
	done   chan struct{}
	err    error
	once   sync.Once
}

func launchCommand(log *wirelog.Log, cl suite.ClientUnderTest, p params) (*command, error) {
	cmd := exec.Command("sh", "-c", cl.Command)
	cmd.Env = append(os.Environ(), p.env()...)
	cmd.SysProcAttr = childAttr()
	out := &target.TailBuffer{Max: 16 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	log.Add(wirelog.Note, "note", cl.Name, []byte("sh -c "+cl.Command+"\n"+strings.Join(p.env(), "\n")))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting client %s: %w", cl.Name, err)
	}
	c := &command{name: cl.Name, log: log, cmd: cmd, output: out, done: make(chan struct{})}
	go func() { c.err = cmd.Wait(); close(c.done) }()
	return c, nil
}

func (c *command) exited() <-chan struct{} { return c.done }

func (c *command) status() string {
	select {
	case <-c.done:
		if c.err != nil {
			return fmt.Sprintf("the client exited: %v; its output: %s", c.err, c.output.Last(600))
		}
		return "the client exited with status 0; its output: " + c.output.Last(600)
	default:
		return "the client is still running"
	}
}

// stop ends the command's process group: SIGTERM (the testees report
// "exit" and leave), then SIGKILL.
func (c *command) stop() {
	c.once.Do(func() {
		select {
		case <-c.done:
		default:
			signalGroup(c.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-c.done:
			case <-time.After(3 * time.Second):
				signalGroup(c.cmd.Process.Pid, syscall.SIGKILL)
				_ = c.cmd.Process.Kill()
				<-c.done
			}
		}
		if out := c.output.Last(4096); out != "" {
			c.log.Add(wirelog.Note, "stderr", c.name, []byte(out))
		}
	})
}

// page is a client testee page in a Chromium tab.
type page struct {
	tab *chrome.Tab
}

// launchPage opens the page in the run's shared Chromium. Where Chromium
// (or the browser level's client bundle, which the tab's first page
// loads) is missing, the client is skipped — except in CI.
func launchPage(c *suite.C, ctx context.Context, cl suite.ClientUnderTest, p params) (*page, error) {
	target, err := p.pageURL(cl.Page)
	if err != nil {
		return nil, err
	}
	b, launched, err := chrome.Shared(browserOptions(c))
	var unavailable *chrome.UnavailableError
	if errors.As(err, &unavailable) {
		if os.Getenv("CI") == "true" {
			return nil, fmt.Errorf("CI=true, the browser client %s must run: %w", cl.Name, err)
		}
		return nil, suite.Skip("%v", err)
	}
	if err != nil {
		return nil, err
	}
	if launched {
		c.Measure("chromium_start_ms", b.StartedIn.Milliseconds())
	}
	tab, err := b.NewTab(ctx, c.Log)
	if err != nil {
		return nil, err
	}
	// The tab opens on the browser level's harness page; the client page
	// replaces it. A timer lets the evaluation return before the page goes.
	u := strconv.Quote(target)
	c.Log.Add(wirelog.Note, "page", cl.Name, []byte("location.assign("+u+")"))
	if _, err := chrome.Eval[bool](ctx, tab, "setTimeout(() => location.assign("+u+"), 0), true"); err != nil {
		tab.Close()
		return nil, fmt.Errorf("navigating to the client page: %w", err)
	}
	return &page{tab: tab}, nil
}

func (p *page) status() string          { return "the page is open" }
func (p *page) exited() <-chan struct{} { return nil }
func (p *page) stop()                   { p.tab.Close() }

// browserOptions are the options of the run's one shared Chromium: the
// browser level's (its page on -browser-origin, else -origin, reaching the
// target), since every case of a run must ask for the same. The client
// page is then loaded from its own URL; the scripted server and the
// report sink are on 127.0.0.1, which Chromium always reaches.
func browserOptions(c *suite.C) chrome.Options {
	origin := c.Cfg.Origin
	if f := flag.Lookup("browser-origin"); f != nil && f.Value.String() != "" {
		origin = f.Value.String()
	}
	if origin == "" {
		origin = "http://client.socketlab.test"
	}
	var reach []string
	if c.Cfg.Target != "" {
		reach = []string{c.Cfg.Target}
	}
	return chrome.Options{Origin: origin, Reach: reach}
}
