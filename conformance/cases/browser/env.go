package browser

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	chrome "socketlab/conformance/internal/browser"
	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/suite"
)

// flagOrigin overrides the origin the page is served from. A built-in
// target allows -origin, which is then the default; an external target
// may allow a browser origin other than the one given to the REST cases.
var flagOrigin = flag.String("browser-origin", os.Getenv("SOCKETLAB_BROWSER_ORIGIN"),
	"the http origin the browser level serves its page from; the target must allow it (default: -origin) [SOCKETLAB_BROWSER_ORIGIN]")

// pageOrigin is the origin the page runs on.
func pageOrigin(c *suite.C) string {
	if *flagOrigin != "" {
		return *flagOrigin
	}
	return c.Cfg.Origin
}

// openTab opens the harness page in the run's Chromium, closed with the
// case. Where no browser can run it is SKIP, in CI an error.
func openTab(c *suite.C) (*chrome.Tab, error) {
	origin := pageOrigin(c)
	if origin == "" {
		return nil, suite.Skip("no browser origin the target allows (-origin or -browser-origin)")
	}
	b, launched, err := chrome.Shared(chrome.Options{Origin: origin, Reach: []string{c.Cfg.Target}})
	var unavailable *chrome.UnavailableError
	if errors.As(err, &unavailable) {
		if os.Getenv("CI") == "true" {
			return nil, fmt.Errorf("CI=true, the browser level must run: %w", err)
		}
		return nil, suite.Skip("%v", err)
	}
	if err != nil {
		return nil, err
	}
	if launched {
		c.Measure("chromium_start_ms", b.StartedIn.Milliseconds())
		c.Logf("started %s (shared by the level's cases), page origin %s", chrome.ChromiumPath, b.Origin.Serialized)
	}
	began := time.Now()
	tab, err := b.NewTab(c.Ctx, c.Log)
	if err != nil {
		return nil, err
	}
	c.Measure("tab_open_ms", time.Since(began).Milliseconds())
	c.Cleanup(tab.Close)
	return tab, nil
}

// replyWait bounds the wait for one answer of the app: a heartbeat of the
// app, the longest a healthy peer stays silent.
func replyWait(c *suite.C) time.Duration {
	if hb := c.Heartbeat(); hb > 0 {
		return hb
	}
	return 45 * time.Second
}

// tenant is a fresh organization: the page's member and an admin who
// posts and uploads.
type tenant struct {
	Org    string
	Member jwtmint.Identity
	Admin  jwtmint.Identity
	mint   *jwtmint.Minter
}

func newTenant(c *suite.C) tenant {
	org := jwtmint.RandomID("org-browser-")
	return tenant{Org: org, mint: jwtmint.New(c.Cfg.Secret),
		Member: jwtmint.Identity{UserID: jwtmint.RandomID("u-page-"), OrgID: org, Role: jwtmint.Member},
		Admin:  jwtmint.Identity{UserID: jwtmint.RandomID("u-admin-"), OrgID: org, Role: jwtmint.Admin}}
}

func (t tenant) token(id jwtmint.Identity) string { return t.mint.Token(id, time.Hour) }

// auth is the io() auth option carrying a token.
func auth(tok string) map[string]any { return map[string]any{"token": tok} }

// connected connects the page and waits for "connect": a refusal or no
// answer is the target's violation of IO-2.
func connected(c *suite.C, tab *chrome.Tab, url string, opts chrome.ConnectOptions) (chrome.Record, error) {
	if err := tab.Connect(c.Ctx, url, opts); err != nil {
		return chrome.Record{}, err
	}
	ctx, cancel := c.Within(replyWait(c))
	defer cancel()
	r, err := tab.Wait(ctx, 0, "connect or connect_error", func(r chrome.Record) bool {
		return r.Kind == "connect" || r.Kind == "connect_error"
	})
	var timeout *chrome.TimeoutError
	switch {
	case errors.As(err, &timeout):
		return r, suite.Violationf("the official client connects with a valid token (IO-2)", "no connect within %v; the page saw: %s", replyWait(c), chrome.Kinds(timeout.Seen))
	case err != nil:
		return r, err
	case r.Kind == "connect_error":
		return r, suite.Violationf("the official client connects with a valid token (IO-2)", "connect_error %q (data %s)", r.Message, r.Data)
	}
	began := tab.Seen()[0].Time()
	c.Measure("connect_ms", r.Time().Sub(began).Milliseconds())
	return r, nil
}

// announce posts an announcement as the tenant's admin and returns its
// message.
func announce(c *suite.C, t tenant, text string) error {
	ctx, cancel := c.Within(replyWait(c))
	defer cancel()
	resp, err := rest.New(c.Cfg.Target, c.Log).PostJSON(ctx, "/api/announcements", t.token(t.Admin), map[string]string{"message": text})
	if err != nil {
		return err
	}
	if resp.Status != http.StatusAccepted {
		return suite.Violationf("202 for a valid announcement (ANN-3)", "%s", resp.Summary())
	}
	return nil
}

// upload uploads the calm fixture as the tenant's admin and returns the
// new video's id.
func upload(c *suite.C, t tenant) (string, error) {
	ctx, cancel := c.Within(replyWait(c))
	defer cancel()
	resp, err := rest.New(c.Cfg.Target, c.Log).Upload(ctx, t.token(t.Admin),
		rest.Upload{File: filepath.Join(c.Cfg.Fixtures, "calm.mp4"), FileName: "calm.mp4", ContentType: "video/mp4"})
	if err != nil {
		return "", err
	}
	var v struct {
		ID string `json:"_id"`
	}
	if resp.Status != http.StatusCreated || resp.JSON(&v) != nil || v.ID == "" {
		return "", suite.Violationf("201 with the video JSON for a valid upload (REST-3)", "%s", resp.Summary())
	}
	return v.ID, nil
}

// member matches an event body whose key equals value.
func member(key string, value any) func(map[string]any) bool {
	return func(m map[string]any) bool { return m != nil && m[key] == value }
}
