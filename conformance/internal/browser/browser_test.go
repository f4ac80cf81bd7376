package browser

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"socketlab/conformance/internal/wirelog"
)

// launch starts a browser for the test; without Chromium or the client
// bundle the test is skipped, except in CI (CI=true), where it fails.
func launch(t *testing.T, opts Options) *Browser {
	t.Helper()
	b, err := Launch(opts)
	var unavailable *UnavailableError
	if errors.As(err, &unavailable) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %v", err)
		}
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// TestPageRunsOnTheMappedOrigin: the page keeps the allowed origin's name
// while the page server listens elsewhere, its cross-origin requests carry
// that Origin, and the CDP offline switch takes the page off the network
// and back.
func TestPageRunsOnTheMappedOrigin(t *testing.T) {
	b := launch(t, Options{Origin: "http://allowed.socketlab.test"})
	origins := make(chan string, 8)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origins <- r.Header.Get("Origin")
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		_, _ = w.Write([]byte("pong"))
	}))
	defer api.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log := wirelog.New()
	tab, err := b.NewTab(ctx, log)
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	st, err := tab.State(ctx)
	if err != nil || st.Origin != "http://allowed.socketlab.test" || !st.Online {
		t.Fatalf("state %+v, %v", st, err)
	}
	if ok, err := Eval[bool](ctx, tab, `typeof io === "function" && typeof io.Manager === "function"`); err != nil || !ok {
		t.Fatalf("the official client is not loaded in the page: %v, %v", ok, err)
	}
	fetch := `fetch(` + "`" + api.URL + "/ping`" + `).then(r => r.text(), e => "failed: " + e.message)`
	if got, err := Eval[string](ctx, tab, fetch); err != nil || got != "pong" {
		t.Fatalf("fetch from the page: %q, %v", got, err)
	}
	if o := <-origins; o != "http://allowed.socketlab.test" {
		t.Fatalf("the request's Origin is %q", o)
	}

	if err := tab.SetOffline(ctx, true); err != nil {
		t.Fatal(err)
	}
	if got, err := Eval[string](ctx, tab, fetch); err != nil || !strings.HasPrefix(got, "failed") {
		t.Fatalf("fetch offline: %q, %v", got, err)
	}
	if st, _ := tab.State(ctx); st.Online {
		t.Fatal("navigator.onLine is still true offline")
	}
	if err := tab.SetOffline(ctx, false); err != nil {
		t.Fatal(err)
	}
	if got, err := Eval[string](ctx, tab, fetch); err != nil || got != "pong" {
		t.Fatalf("fetch online again: %q, %v", got, err)
	}
}

// TestNoOtherNameResolves: the browser reaches no host but the page's.
func TestNoOtherNameResolves(t *testing.T) {
	b := launch(t, Options{Origin: "http://allowed.socketlab.test"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tab, err := b.NewTab(ctx, wirelog.New())
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	got, err := Eval[string](ctx, tab, `fetch("http://example.com/").then(() => "reached", e => "failed")`)
	if err != nil || got != "failed" {
		t.Fatalf("fetch of another name: %q, %v", got, err)
	}
}

// TestTargetByNameIsReachable: a target addressed by name (here
// localhost) stays reachable when it is in Options.Reach, and only then.
func TestTargetByNameIsReachable(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		_, _ = w.Write([]byte("pong"))
	}))
	defer api.Close()
	byName := strings.Replace(api.URL, "127.0.0.1", "localhost", 1)
	for _, reach := range []bool{false, true} {
		opts := Options{Origin: "http://allowed.socketlab.test"}
		if reach {
			opts.Reach = []string{byName}
		}
		b := launch(t, opts)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		tab, err := b.NewTab(ctx, wirelog.New())
		if err != nil {
			t.Fatal(err)
		}
		got, err := Eval[string](ctx, tab, `fetch("`+byName+`/ping").then(r => r.text(), e => "failed")`)
		tab.Close()
		cancel()
		b.Close()
		want := map[bool]string{false: "failed", true: "pong"}[reach]
		if err != nil || got != want {
			t.Errorf("reach %v: fetch %s = %q, %v; want %q", reach, byName, got, err, want)
		}
	}
}
