package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/chromedp/chromedp"

	"socketlab/conformance/internal/target"
	"socketlab/conformance/internal/wire"
)

// ChromiumPath is where Debian's chromium package puts the browser
// (scripts/lib.sh ensure_chromium installs it).
const ChromiumPath = "/usr/bin/chromium"

// startTimeout bounds Chromium's start: a cold start on a loaded 2-core
// machine takes a few seconds, a hung one never ends.
const startTimeout = 60 * time.Second

// UnavailableError says that no browser can run here: Chromium is not
// installed, or the official client's bundle is not. Outside CI a case
// turns it into SKIP; in CI (CI=true) it is an ERROR, never hidden.
type UnavailableError struct {
	What string
	Err  error
}

func (e *UnavailableError) Error() string {
	if e.What == "" {
		return e.Err.Error()
	}
	return e.What + ": " + e.Err.Error()
}
func (e *UnavailableError) Unwrap() error { return e.Err }

// Browser is a running headless Chromium with the page server of one
// origin. Cases open a tab each (NewTab); the browser is shared.
type Browser struct {
	Origin Origin
	Bundle Bundle
	// StartedIn is how long Chromium took to start.
	StartedIn time.Duration

	ctx         context.Context // the first tab: new tabs derive from it
	cancel      context.CancelFunc
	cancelAlloc context.CancelFunc
	page        *pageServer
	dataDir     string
	output      *target.TailBuffer
}

// Options say where the page runs and what it must reach.
type Options struct {
	// Origin is the http origin the page is served from.
	Origin string
	// Reach lists the base URLs the page connects to (the target); those
	// not on 127.0.0.1 are left resolvable.
	Reach []string
}

// Launch starts the page server for the origin and a Chromium whose
// resolver sends the origin's host to it. Close stops both.
func Launch(opts Options) (*Browser, error) {
	if _, err := os.Stat(ChromiumPath); err != nil {
		return nil, &UnavailableError{What: "chromium is not installed (scripts/lib.sh ensure_chromium installs it)", Err: err}
	}
	o, err := ParseOrigin(opts.Origin)
	if err != nil {
		return nil, err
	}
	var reach []string
	for _, base := range opts.Reach {
		hp, err := wire.SplitBase(base)
		if err != nil {
			return nil, err
		}
		reach = append(reach, hp)
	}
	bundle, err := FindBundle()
	var missing *MissingBundleError
	if errors.As(err, &missing) {
		return nil, &UnavailableError{Err: err}
	} else if err != nil {
		return nil, err
	}
	page, err := startPageServer(o, bundle)
	if err != nil {
		return nil, err
	}
	dataDir, err := os.MkdirTemp("", "socketlab-chromium-")
	if err != nil {
		page.close()
		return nil, err
	}
	b := &Browser{Origin: o, Bundle: bundle, page: page, dataDir: dataDir, output: &target.TailBuffer{Max: 16 << 10}}
	flags := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // the harness runs as root in CI containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(dataDir), // a fresh profile: no cache, no cookies, no state
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// The page's origin resolves to the page server, the target to
		// itself, every other name to nothing: the browser reaches only
		// the harness and the target, never the internet.
		chromedp.Flag("host-resolver-rules", o.ResolverRules(page.addr, reach...)),
		// HTTPS-Upgrades would first try https:// for the page's name; it
		// falls back, but slowly. The first two are the defaults' own.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,HttpsUpgrades"),
		chromedp.CombinedOutput(b.output),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b.ctx, b.cancel, b.cancelAlloc = ctx, cancel, cancelAlloc
	// The first Run starts the browser and binds it to the context it is
	// given, so that context has no deadline; a watchdog bounds the start.
	began := time.Now()
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err = <-started:
	case <-time.After(startTimeout):
		err = fmt.Errorf("chromium did not start within %v", startTimeout)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("starting chromium: %w\n%s", err, b.output)
	}
	b.StartedIn = time.Since(began)
	return b, nil
}

// PageURL is the page's address under the served origin.
func (b *Browser) PageURL() string { return b.Origin.Serialized + "/" }

// Close stops Chromium (waiting for it to exit), its profile and the page
// server.
func (b *Browser) Close() {
	b.cancel()
	b.cancelAlloc() // waits for the browser to exit
	b.page.close()
	_ = os.RemoveAll(b.dataDir)
}

// The run's one browser: started by the first case that needs it, closed
// by Shutdown when the run ends. A failed start is remembered, so that the
// other cases report it at once instead of trying again.
var shared struct {
	mu      sync.Mutex
	opts    Options
	browser *Browser
	err     error
}

// Shared returns the run's browser for opts, starting it on first use
// (launched then says this call started it). Every case of a run passes
// the same options.
func Shared(opts Options) (b *Browser, launched bool, err error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.browser != nil || shared.err != nil {
		if !slices.Equal(shared.opts.Reach, opts.Reach) || shared.opts.Origin != opts.Origin {
			return nil, false, fmt.Errorf("the run's browser was started for %+v, a case asked for %+v", shared.opts, opts)
		}
		return shared.browser, false, shared.err
	}
	shared.opts = opts
	shared.browser, shared.err = Launch(opts)
	return shared.browser, shared.err == nil, shared.err
}

// Shutdown closes the shared browser, if one was started. The conformance
// run's TestMain calls it when every case is done.
func Shutdown() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.browser != nil {
		shared.browser.Close()
	}
	shared.browser, shared.err, shared.opts = nil, nil, Options{}
}
