package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"socketlab/conformance/internal/wirelog"
)

// pollEvery is how often a wait reads the page's records. The records
// carry the page's own timestamps, so the period costs latency in the
// harness only, never precision in what it measures.
const pollEvery = 40 * time.Millisecond

// Tab is one page of the harness in its own browser context (no cookie
// or cache shared with another case), recording its network traffic into
// a case's wire log.
type Tab struct {
	b      *Browser
	ctx    context.Context
	cancel context.CancelFunc
	log    *wirelog.Log
	net    *netRecorder

	mu      sync.Mutex
	records []Record
}

// ConnectOptions are the io() options a case sets. Auth nil sends no
// auth payload at all (CONNECT "40").
type ConnectOptions struct {
	Transports      []string `json:"transports,omitempty"`
	Auth            any      `json:"auth,omitempty"`
	WithCredentials bool     `json:"withCredentials,omitempty"`
}

// TimeoutError says the page did not report what a case waited for.
type TimeoutError struct {
	Waiting string
	// Seen is what the page had recorded by then.
	Seen []Record
	Err  error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out waiting in the page for %s (page saw: %s)", e.Waiting, Kinds(e.Seen))
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// NewTab opens the harness page in a fresh browser context; ctx bounds the
// opening only. Close the tab when done.
func (b *Browser) NewTab(ctx context.Context, log *wirelog.Log) (*Tab, error) {
	rec := newNetRecorder(log)
	tctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(rec.listen))
	t := &Tab{b: b, ctx: tctx, cancel: cancel, log: log, net: rec}
	rec.fetch = func(id network.RequestID) {
		body, err := fetchBody(tctx, id)
		rec.logResponse(id, body, err)
	}
	// The first Run opens the tab and binds it to the context it gets:
	// give it the tab's own, bounded by ctx from the outside.
	opened := make(chan error, 1)
	go func() { opened <- chromedp.Do(tctx) }()
	select {
	case err := <-opened:
		if err != nil {
			cancel()
			return nil, fmt.Errorf("opening a tab: %w", err)
		}
	case <-ctx.Done():
		cancel()
		return nil, fmt.Errorf("opening a tab: %w", ctx.Err())
	}
	go t.recordConsole()
	if err := t.load(ctx); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// load navigates to the page and waits for its API.
func (t *Tab) load(ctx context.Context) error {
	rctx, done := t.bind(ctx)
	defer done()
	url := t.b.PageURL()
	resp, err := chromedp.Run(rctx, chromedp.NavigateResponse(url))
	if err != nil {
		return fmt.Errorf("loading the harness page %s: %w", url, err)
	}
	if resp == nil || resp.Status != 200 {
		return fmt.Errorf("loading the harness page %s: %v", url, resp)
	}
	if _, err := chromedp.Run(rctx, chromedp.Poll[bool](`typeof window.socketlab === "object" && typeof io === "function"`,
		chromedp.WithPollingInterval(pollEvery))); err != nil {
		return fmt.Errorf("the harness page did not load the client: %w", err)
	}
	origin, err := chromedp.Run(rctx, chromedp.Evaluate[string](`location.origin`))
	if err != nil {
		return err
	}
	if origin != t.b.Origin.Serialized {
		return fmt.Errorf("the harness page runs on origin %q, not %q", origin, t.b.Origin.Serialized)
	}
	t.log.Notef("page %s loaded (socket.io-client %s, origin %s)", url, t.b.Bundle.Version, origin)
	return nil
}

// recordConsole copies the page's console and uncaught exceptions into
// the wire log: a client that throws says so there.
func (t *Tab) recordConsole() {
	for m, err := range chromedp.Console(t.ctx) {
		if err != nil {
			return
		}
		t.log.Add(wirelog.Note, "console", Conn, []byte(string(m.Type)+": "+m.String()))
	}
}

// bind derives a context of the tab that also ends with ctx: chromedp
// actions must run on the tab's context, cases bound them with their own.
func (t *Tab) bind(ctx context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(t.ctx)
	if dl, ok := ctx.Deadline(); ok {
		var cancelDL context.CancelFunc
		c, cancelDL = context.WithDeadline(c, dl)
		prev := cancel
		cancel = func() { cancelDL(); prev() }
	}
	stop := context.AfterFunc(ctx, cancel)
	return c, func() { stop(); cancel() }
}

// Eval evaluates a JavaScript expression in the page (awaiting a promise)
// and decodes its JSON-able result into T.
func Eval[T any](ctx context.Context, t *Tab, expr string) (T, error) {
	rctx, done := t.bind(ctx)
	defer done()
	return chromedp.Run(rctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// Connect runs io(url, opts) in the page. It returns once the client is
// created; what happens next is in the records.
func (t *Tab) Connect(ctx context.Context, url string, opts ConnectOptions) error {
	u, _ := json.Marshal(url)
	o, err := json.Marshal(opts)
	if err != nil {
		return err
	}
	t.log.Add(wirelog.Note, "page", Conn, []byte(fmt.Sprintf("io(%s, %s)", u, o)))
	_, err = Eval[bool](ctx, t, fmt.Sprintf("socketlab.connect(%s, %s)", u, o))
	return err
}

// EmitWithAck emits event with args from the page and returns the ack's
// arguments; timedOut is true when no ack came within within.
func (t *Tab) EmitWithAck(ctx context.Context, event string, args []any, within time.Duration) (reply []json.RawMessage, timedOut bool, err error) {
	ev, _ := json.Marshal(event)
	a, err := json.Marshal(args)
	if err != nil {
		return nil, false, err
	}
	t.log.Add(wirelog.Note, "page", Conn, []byte(fmt.Sprintf("socket.timeout(%d).emit(%s, …%s, ack)", within.Milliseconds(), ev, a)))
	raw, err := Eval[string](ctx, t, fmt.Sprintf("socketlab.emitWithAck(%s, %s, %d).then(JSON.stringify)", ev, a, within.Milliseconds()))
	if err != nil {
		return nil, false, err
	}
	var res struct {
		Timeout bool              `json:"timeout"`
		Args    []json.RawMessage `json:"args"`
	}
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		return nil, false, fmt.Errorf("the page's ack result %q: %w", raw, err)
	}
	return res.Args, res.Timeout, nil
}

// State is the client's state as the page sees it now.
type State struct {
	Connected bool   `json:"connected"`
	Transport string `json:"transport"`
	ID        string `json:"id"`
	Online    bool   `json:"online"` // navigator.onLine
	Origin    string `json:"origin"`
}

// State reads the client's state.
func (t *Tab) State(ctx context.Context) (State, error) {
	raw, err := Eval[string](ctx, t, `socketlab.state()`)
	if err != nil {
		return State{}, err
	}
	var s State
	return s, json.Unmarshal([]byte(raw), &s)
}

// Records reads what the page recorded since the last read, adds it to
// the wire log, and returns every record so far.
func (t *Tab) Records(ctx context.Context) ([]Record, error) {
	t.mu.Lock()
	from := len(t.records)
	t.mu.Unlock()
	raw, err := Eval[string](ctx, t, fmt.Sprintf("socketlab.records(%d)", from))
	if err != nil {
		return nil, err
	}
	var fresh []Record
	if err := json.Unmarshal([]byte(raw), &fresh); err != nil {
		return nil, fmt.Errorf("the page's records: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range fresh {
		if r.Seq != len(t.records) { // a concurrent read took it already
			continue
		}
		t.records = append(t.records, r)
		t.log.Add(wirelog.Note, "page", Conn, []byte(r.String()))
	}
	return append([]Record(nil), t.records...), nil
}

// Wait reads the records until one at index from or later matches, and
// returns it; what names it in a timeout. ctx bounds the wait.
func (t *Tab) Wait(ctx context.Context, from int, what string, match func(Record) bool) (Record, error) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		rs, err := t.Records(ctx)
		if err == nil {
			for _, r := range rs[min(from, len(rs)):] {
				if match(r) {
					return r, nil
				}
			}
		}
		if ctx.Err() != nil {
			return Record{}, &TimeoutError{Waiting: what, Seen: t.Seen(), Err: ctx.Err()}
		}
		if err != nil {
			return Record{}, err
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

// Seen returns the records read so far, without asking the page.
func (t *Tab) Seen() []Record {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Record(nil), t.records...)
}

// Kind matches records of one kind.
func Kind(kind string) func(Record) bool {
	return func(r Record) bool { return r.Kind == kind }
}

// Event matches event records of one name whose first argument, an
// object, satisfies every check.
func Event(name string, checks ...func(map[string]any) bool) func(Record) bool {
	return func(r Record) bool {
		if r.Kind != "event" || r.Event != name {
			return false
		}
		body := r.Body()
		for _, ok := range checks {
			if !ok(body) {
				return false
			}
		}
		return true
	}
}

// Frames returns the WebSocket frames the page sent and received so far.
func (t *Tab) Frames() []Frame { return t.net.Frames() }

// Requests returns the page's HTTP requests to /socket.io/ so far.
func (t *Tab) Requests() []Request { return t.net.Requests() }

// WebSockets returns the URLs of the WebSockets the page opened.
func (t *Tab) WebSockets() []string { return t.net.WebSockets() }

// Close closes the page's socket and the tab.
func (t *Tab) Close() {
	ctx, cancel := context.WithTimeout(t.ctx, 2*time.Second)
	_, _ = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.socketlab && socketlab.close()`))
	cancel()
	t.cancel()
}

// WaitFrames waits until the WebSocket frames CDP reported satisfy ok and
// returns them. CDP reports frames from the network stack, independently
// of the page's own records, so a case that saw an event in the page may
// still have to wait a moment for the frame that carried it.
func (t *Tab) WaitFrames(ctx context.Context, what string, ok func([]Frame) bool) ([]Frame, error) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		frames := t.Frames()
		if ok(frames) {
			return frames, nil
		}
		select {
		case <-ctx.Done():
			return frames, &TimeoutError{Waiting: what, Seen: t.Seen(), Err: ctx.Err()}
		case <-tick.C:
		}
	}
}
