package web_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"socketlab/reference/app/apptest"
	"socketlab/reference/app/server"
)

// processing bounds the whole processing of a small clip, race detector
// and busy CI machine included.
const processing = 60 * time.Second

// startApp runs the assembled reference app in dev mode on 127.0.0.1:0,
// its data in a fresh folder, behind a cutProxy. The browser opens the
// proxy's URL, so the server allows that origin (REST and WebSocket). Its
// log is shown if the test fails.
func startApp(t *testing.T) (string, *cutProxy) {
	t.Helper()
	proxy := listenProxy(t)
	logs := &consoleLog{}
	s, err := server.New(server.Config{
		DataDir:        t.TempDir(),
		Secret:         []byte("ui-test-secret"),
		DevMode:        true,
		AllowedOrigins: []string{proxy.URL()},
		Logger:         slog.New(slog.NewTextHandler(logWriter{logs}, nil)),
	})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, s.Open(ln))
	t.Cleanup(func() {
		require.NoError(t, s.Close())
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	proxy.forward(ln.Addr().String())
	return proxy.URL(), proxy
}

type logWriter struct{ log *consoleLog }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.add(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// frames records the text of the WebSocket frames a tab receives, as the
// DevTools protocol reports them (Network.webSocketFrameReceived).
type frames struct {
	mu   sync.Mutex
	text []string
}

func (f *frames) record(ev any) {
	if ev, ok := ev.(*network.EventWebSocketFrameReceived); ok && ev.Response != nil {
		f.mu.Lock()
		f.text = append(f.text, string(ev.Response.PayloadData))
		f.mu.Unlock()
	}
}

func (f *frames) has(prefix string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.text {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// openAs opens the app as a demo user and waits until its socket is
// connected over WebSocket and its library is loaded.
func openAs(t *testing.T, tb context.Context, url, user string) {
	t.Helper()
	run(t, tb, "open the app as "+user, chromedp.Navigate(url+"/?user="+user))
	waitFor(t, tb, user+" connected over websocket",
		`document.querySelector("#connection[data-status=connected][data-transport=websocket]") !== null &&
		 document.querySelector("#library[data-loaded=true]") !== null`, 20*time.Second)
}

// cardReady is true once a card shows the video completed: full progress
// bar, a displayed thumbnail and the sensitivity badge.
func cardReady(id, sensitivity string) string {
	return fmt.Sprintf(`(() => {
		const card = document.querySelector('[data-video-id="%[1]s"]');
		if (!card) return false;
		const bar = card.querySelector("[data-role=progress]");
		const img = card.querySelector("img[data-role=thumbnail]");
		return card.dataset.status === "completed" && bar.dataset.progress === "100" &&
			img.dataset.loaded === "true" && img.naturalWidth > 0 && !img.hidden &&
			card.dataset.sensitivity === %[2]q;
	})()`, id, sensitivity)
}

func screenshot(t *testing.T, tb context.Context, dir, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	require.NoError(t, err)
	path := filepath.Join(dir, name+".png")
	require.NoError(t, os.WriteFile(path, png, 0o644))
	require.True(t, bytes.HasPrefix(png, []byte("\x89PNG")), "PNG signature")
	t.Logf("screenshot: %s", path)
}

// TestUIEndToEnd drives the real UI in three tabs of one browser: Alice
// and Bob (organization acme) and Carol (globex). Alice uploads a clip
// through the page; both acme tabs watch it being processed live, Carol's
// never hears of it.
func TestUIEndToEnd(t *testing.T) {
	apptest.RequireFFmpeg(t)
	browser := startBrowser(t)
	url, proxy := startApp(t)
	clip, err := filepath.Abs("../testdata/calm.mp4")
	require.NoError(t, err)

	alice := tab(t, browser, "alice")
	var aliceFrames frames
	require.NoError(t, chromedp.Listen(alice, aliceFrames.record))
	bob := tab(t, browser, "bob")
	carol := tab(t, browser, "carol")
	openAs(t, alice, url, "alice")
	openAs(t, bob, url, "bob")
	openAs(t, carol, url, "carol")

	// The client probed and upgraded, as seen from the browser itself.
	require.True(t, aliceFrames.has("3probe"), "alice's tab received the probe answer over WebSocket")

	// The network drops and the server stays out of reach for a while: the
	// indicator counts the attempts, then every tab comes back by itself,
	// its session recovered (the server keeps it for two minutes).
	proxy.refuse.Store(true)
	proxy.cut()
	for name, tb := range map[string]context.Context{"alice": alice, "bob": bob} {
		waitFor(t, tb, name+" reconnecting, attempt 2 or later",
			`(() => { const c = document.querySelector("#connection");
			   return c.dataset.status === "reconnecting" && Number(c.dataset.attempt) >= 2 &&
			     c.textContent.includes("reconnecting, attempt " + c.dataset.attempt); })()`, 20*time.Second)
	}
	proxy.refuse.Store(false)
	for name, tb := range map[string]context.Context{"alice": alice, "bob": bob, "carol": carol} {
		waitFor(t, tb, name+" back over websocket",
			`document.querySelector("#connection[data-status=connected][data-transport=websocket][data-recovered=true]") !== null`,
			15*time.Second)
	}

	// Alice uploads through the page's form.
	run(t, alice, "upload",
		chromedp.SetUploadFiles(chromedp.ID("upload-file"), []string{clip}),
		chromedp.SendKeys(chromedp.ID("upload-title"), "Calm clip"),
		chromedp.Click(chromedp.ID("upload-button")),
	)
	waitFor(t, alice, "upload bar at 100%",
		`document.querySelector("#upload-progress").dataset.progress === "100" &&
		 document.querySelector("#upload-status").dataset.state === "done"`, 30*time.Second)
	waitFor(t, alice, "a card", `document.querySelector("#library [data-video-id]") !== null`, 10*time.Second)
	id := eval[string](t, alice, `document.querySelector("#library [data-video-id]").dataset.videoId`)
	require.NotEmpty(t, id)

	// Alice and Bob both watch it complete, each through their own socket.
	waitFor(t, alice, "alice sees it completed", cardReady(id, "safe"), processing)
	waitFor(t, bob, "bob sees it completed", cardReady(id, "safe"), processing)
	for name, tb := range map[string]context.Context{"alice": alice, "bob": bob} {
		title := eval[string](t, tb, fmt.Sprintf(`document.querySelector('[data-video-id="%s"] [data-role=title]').textContent`, id))
		require.Equal(t, "Calm clip", title, name)
	}
	require.True(t, aliceFrames.has(`42["video:progress"`), "progress events arrived over WebSocket")

	// Only the uploader gets the personal notification.
	waitFor(t, alice, "alice's toast",
		fmt.Sprintf(`document.querySelector('#toast[data-kind="video:ready"][data-video-id="%s"]') !== null`, id), 10*time.Second)

	// Playback through the signed streamUrl.
	run(t, alice, "play", chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-video-id="%s"] [data-role=play]`, id))))
	waitFor(t, alice, "video metadata loaded",
		`document.querySelector("video[data-role=player][data-playback=ready]") !== null`, 20*time.Second)

	// Alice (admin) announces: every tab shows it, Carol's included. It
	// also marks the end: every event sent before it has been delivered.
	run(t, alice, "announce",
		chromedp.SendKeys(chromedp.ID("announce-message"), "Maintenance at 22:00 UTC"),
		chromedp.Click(chromedp.ID("announce-button")),
	)
	for name, tb := range map[string]context.Context{"alice": alice, "bob": bob, "carol": carol} {
		waitFor(t, tb, name+" sees the announcement",
			`(() => { const b = document.querySelector("#announcement");
			   return !b.hidden && b.dataset.from === "alice" &&
			     b.querySelector("[data-role=message]").textContent === "Maintenance at 22:00 UTC"; })()`, 10*time.Second)
	}
	require.Equal(t, "", eval[string](t, bob, `document.querySelector("#toast").dataset.count ?? ""`), "bob got no toast")
	require.True(t, eval[bool](t, bob, `document.querySelector("#announce-form").hidden`), "no announcement form for a member")

	// Carol's tab never showed the video.
	require.Equal(t, 0, eval[int](t, carol, `document.querySelectorAll("[data-video-id]").length`))
	require.Equal(t, "0", eval[string](t, carol, `document.querySelector("#library").dataset.count`))
	require.Equal(t, "", eval[string](t, carol, `document.querySelector("#toast").dataset.count ?? ""`), "carol got no toast")

	dir := artifactDir(t)
	screenshot(t, alice, dir, "alice")
	screenshot(t, bob, dir, "bob")
	screenshot(t, carol, dir, "carol")
}
