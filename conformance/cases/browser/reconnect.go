package browser

import (
	"errors"
	"fmt"
	"time"

	chrome "socketlab/conformance/internal/browser"
	"socketlab/conformance/internal/faultproxy"
	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

const reconnectRequirement = `The official client MUST "connect, authenticate … and receive every event of §1" (IO-2): when its connection is lost it reconnects on its own with the same auth, ` +
	`the server accepts the new session into the socket's rooms (ROOM-1), and organization events reach it again — an announcement goes to "every socket connected to / when the request is handled" (ANN-4), progress to the organization room (PROG-6).`

var reconnectCases = []suite.Case{
	{
		ID: "BROWSER-RECONNECT-1", Level: suite.LevelBrowser, On: suite.App, Strength: suite.Must,
		Title:       "After its TCP connections are reset, the page reconnects and gets organization events",
		Requirement: reconnectRequirement,
		Source:      "contract IO-2, ROOM-1, ANN-4",
		Steps: []string{
			"start a TCP fault proxy in front of the target; in Chromium, io(proxy, {auth: {token}}) with the default transports; wait for connect and the upgrade",
			"reset every proxied connection (TCP RST both ways)",
			"expect disconnect, then the manager's reconnect and a new connect",
			"an admin of the organization posts an announcement (straight to the target): the page receives it",
		},
		Timeout: 2 * time.Minute,
		Run:     reconnectAfterReset,
	},
	{
		ID: "BROWSER-RECONNECT-2", Level: suite.LevelBrowser, On: suite.App, Strength: suite.Must,
		Title:       "After the browser goes offline and online again, the page reconnects and gets progress",
		Requirement: reconnectRequirement,
		Source:      "contract IO-2, ROOM-1, PROG-2, PROG-6",
		Steps: []string{
			"in Chromium, io(target, {auth: {token}}) with the default transports; wait for connect and the upgrade",
			"take the tab offline with CDP (Network.emulateNetworkConditionsByRule offline, Network.overrideNetworkState offline)",
			"expect disconnect; keep the tab offline until a reconnection attempt has failed (bounded by a heartbeat)",
			"put the tab online again: expect reconnect and a new connect",
			"upload calm.mp4 as the organization's admin: the page receives 10, 40, 70, then video:processed",
		},
		Timeout: 3 * time.Minute,
		Run:     reconnectAfterOffline,
	},
}

// upgraded connects the page to url and waits for the WebSocket upgrade,
// so that a cut hits the long-lived connection, not a handshake.
func upgraded(c *suite.C, tab *chrome.Tab, url string, tok string) error {
	if _, err := connected(c, tab, url, chrome.ConnectOptions{Auth: auth(tok)}); err != nil {
		return err
	}
	ctx, cancel := c.Within(replyWait(c))
	defer cancel()
	if _, err := tab.Wait(ctx, 0, "upgrade", chrome.Kind("upgrade")); err != nil {
		var timeout *chrome.TimeoutError
		if errors.As(err, &timeout) {
			return suite.Violationf("the client upgrades to websocket (IO-2)", "no upgrade within %v; the page saw: %s", replyWait(c), chrome.Kinds(timeout.Seen))
		}
		return err
	}
	return nil
}

// reconnected waits, from record index from on, for a disconnect, then
// the manager's reconnect and the socket's connect, and measures the gap.
func reconnected(c *suite.C, tab *chrome.Tab, from int, within time.Duration) (chrome.Record, error) {
	ctx, cancel := c.Within(within)
	defer cancel()
	down, err := tab.Wait(ctx, from, "disconnect", chrome.Kind("disconnect"))
	if err == nil {
		c.Logf("disconnect reason %q", down.Reason)
		_, err = tab.Wait(ctx, down.Seq, "reconnect", chrome.Kind("reconnect"))
	}
	var up chrome.Record
	if err == nil {
		up, err = tab.Wait(ctx, down.Seq, "connect after reconnect", chrome.Kind("connect"))
	}
	var timeout *chrome.TimeoutError
	if errors.As(err, &timeout) {
		return up, suite.Violationf("disconnect, reconnect, connect", "not within %v; the page saw: %s", within, chrome.Kinds(timeout.Seen))
	} else if err != nil {
		return up, err
	}
	c.Measure("reconnect_ms", up.Time().Sub(down.Time()).Milliseconds())
	return up, nil
}

// reconnectWait bounds a reconnection: the client's backoff (1 s, 2 s,
// 4 s … capped at 5 s, ±50 %) for a few attempts, plus a heartbeat for
// the new session's handshake.
func reconnectWait(c *suite.C) time.Duration { return replyWait(c) + 20*time.Second }

func reconnectAfterReset(c *suite.C) error {
	t := newTenant(c)
	upstream, err := wire.SplitBase(c.Cfg.Target)
	if err != nil {
		return err
	}
	proxy, err := faultproxy.Start(upstream)
	if err != nil {
		return fmt.Errorf("starting the fault proxy: %w", err)
	}
	c.Cleanup(proxy.Close)
	c.Logf("fault proxy %s → %s (the page connects through it)", proxy.Addr, upstream)
	tab, err := openTab(c)
	if err != nil {
		return err
	}
	c.Expect("disconnect, reconnect, connect through the proxy, then the announcement in the page")
	if err := upgraded(c, tab, "http://"+proxy.Addr, t.token(t.Member)); err != nil {
		return err
	}
	mark := len(tab.Seen())
	cut := proxy.ResetPeers()
	c.Logf("fault proxy: reset %d connections", cut)
	if cut == 0 {
		return fmt.Errorf("the fault proxy had no open connection to reset")
	}
	up, err := reconnected(c, tab, mark, reconnectWait(c))
	if err != nil {
		return err
	}
	text := jwtmint.RandomID("browser after reset ")
	if err := announce(c, t, text); err != nil {
		return err
	}
	ctx, cancel := c.Within(replyWait(c))
	defer cancel()
	if _, err := tab.Wait(ctx, up.Seq, "server:announcement", chrome.Event("server:announcement", member("message", text))); err != nil {
		var timeout *chrome.TimeoutError
		if errors.As(err, &timeout) {
			return suite.Violationf("the announcement reaches the reconnected page (ANN-4)", "not within %v; the page saw: %s", replyWait(c), chrome.Kinds(timeout.Seen))
		}
		return err
	}
	c.Observed("reset %d connections; the page reconnected (socket.id %s, %s) and received the announcement", cut, up.ID, up.Transport)
	return nil
}

func reconnectAfterOffline(c *suite.C) error {
	t := newTenant(c)
	tab, err := openTab(c)
	if err != nil {
		return err
	}
	c.Expect("disconnect offline, reconnect online, then the upload's progress in the page")
	if err := upgraded(c, tab, c.Cfg.Target, t.token(t.Member)); err != nil {
		return err
	}
	mark := len(tab.Seen())
	if err := tab.SetOffline(c.Ctx, true); err != nil {
		return fmt.Errorf("CDP offline emulation: %w", err)
	}
	offline := true
	defer func() {
		if offline {
			_ = tab.SetOffline(c.Ctx, false)
		}
	}()
	ctx, cancel := c.Within(replyWait(c))
	down, err := tab.Wait(ctx, mark, "disconnect", chrome.Kind("disconnect"))
	cancel()
	var timeout *chrome.TimeoutError
	if errors.As(err, &timeout) {
		return suite.Violationf("the client notices the lost network and disconnects", "no disconnect within %v offline; the page saw: %s", replyWait(c), chrome.Kinds(timeout.Seen))
	} else if err != nil {
		return err
	}
	c.Logf("offline: disconnect reason %q", down.Reason)
	// Stay offline until the client tried again and failed: the case is
	// then about a reconnection after real failures, not a lucky timer.
	ctx, cancel = c.Within(replyWait(c))
	_, err = tab.Wait(ctx, down.Seq, "reconnect_error", chrome.Kind("reconnect_error"))
	cancel()
	if errors.As(err, &timeout) {
		c.Logf("no failed reconnection attempt within %v offline", replyWait(c))
	} else if err != nil {
		return err
	}
	if err := tab.SetOffline(c.Ctx, false); err != nil {
		return fmt.Errorf("CDP online again: %w", err)
	}
	offline = false
	up, err := reconnected(c, tab, mark, reconnectWait(c))
	if err != nil {
		return err
	}
	id, err := upload(c, t)
	if err != nil {
		return err
	}
	if err := videoEventsInOrder(c, tab, id, up.Seq); err != nil {
		return err
	}
	c.Observed("offline: disconnect %q; online: reconnected (socket.id %s) and received the upload's progress in order", down.Reason, up.ID)
	return nil
}
