package browser

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	chrome "socketlab/conformance/internal/browser"
	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wirelog"
)

const io2 = `"The official socket.io-client 4.x MUST connect, authenticate, emit with acks and receive every event of §1 with no option but auth (and transports to pin one): over polling only, WebSocket only, and the default (polling, then upgrade)."`

var transportCases = []suite.Case{
	{
		ID: "BROWSER-IO-1", Level: suite.LevelBrowser, On: suite.App, Strength: suite.Must,
		Title:       "The official client in Chromium connects and upgrades to WebSocket",
		Requirement: io2 + ` With the default transports the client opens a polling session, then probes a WebSocket ("2probe" → "3probe" → "5", engine.io-protocol v4 "Upgrade") and moves to it.`,
		Source:      "contract IO-2; engine.io-protocol v4 §Upgrade",
		Steps: []string{
			"serve the harness page from the allowed origin; in Chromium, io(target, {auth: {token}}) with the default transports",
			"expect connect, then the client's upgrade to websocket",
			"in CDP's Network.webSocketFrameSent/Received of that WebSocket: sent 2probe, received 3probe, sent 5, in order",
			"emit video:subscribe with an ack from the page; expect the ack, received over the WebSocket",
		},
		Timeout: 2 * time.Minute,
		Run:     defaultTransportsUpgrade,
	},
	{
		ID: "BROWSER-IO-2", Level: suite.LevelBrowser, On: suite.App, Strength: suite.Must,
		Title:       "The official client in Chromium connects over WebSocket only",
		Requirement: io2,
		Source:      "contract IO-2",
		Steps: []string{
			`in Chromium, io(target, {auth: {token}, transports: ["websocket"]})`,
			"expect connect over websocket, no polling request, and the open packet as the WebSocket's first frame",
			"emit video:subscribe with an ack from the page; expect the ack",
		},
		Timeout: 2 * time.Minute,
		Run:     websocketOnly,
	},
	{
		ID: "BROWSER-IO-3", Level: suite.LevelBrowser, On: suite.App, Strength: suite.Must,
		Title:       "The official client in Chromium connects over polling with credentials, cross-origin",
		Requirement: io2 + ` And contract SEC-1: "A request to /api/ or /socket.io/ from an allowed Origin MUST get Access-Control-Allow-Origin equal to that origin (never *) and Vary: Origin; Access-Control-Allow-Credentials: true MUST appear only with such an echoed allowed origin" — a browser in credentials mode (withCredentials) accepts nothing less.`,
		Source:      "contract IO-2, SEC-1; Fetch standard, CORS protocol (credentialed requests)",
		Steps: []string{
			`in Chromium on the allowed origin, io(target, {auth: {token}, transports: ["polling"], withCredentials: true})`,
			"expect connect over polling and no WebSocket",
			"every /socket.io/ request carried the page's Origin and every answer Access-Control-Allow-Origin = that origin with Access-Control-Allow-Credentials: true",
			"an admin of the organization posts an announcement: the page receives it; an emit with an ack from the page gets its ack",
		},
		Timeout: 2 * time.Minute,
		Run:     pollingWithCredentials,
	},
}

func defaultTransportsUpgrade(c *suite.C) error {
	t := newTenant(c)
	tab, err := openTab(c)
	if err != nil {
		return err
	}
	c.Expect("connect, then an upgrade to websocket with 2probe/3probe/5, then an ack over the WebSocket")
	if _, err := connected(c, tab, c.Cfg.Target, chrome.ConnectOptions{Auth: auth(t.token(t.Member))}); err != nil {
		return err
	}
	ctx, cancel := c.Within(replyWait(c))
	defer cancel()
	up, err := tab.Wait(ctx, 0, "upgrade", chrome.Kind("upgrade"))
	var timeout *chrome.TimeoutError
	if errors.As(err, &timeout) {
		return suite.Violationf("the client upgrades to websocket (IO-2: polling, then upgrade)", "no upgrade within %v; the page saw: %s", replyWait(c), chrome.Kinds(timeout.Seen))
	} else if err != nil {
		return err
	}
	if up.Transport != "websocket" {
		return suite.Violationf("an upgrade to websocket", "an upgrade to %q", up.Transport)
	}
	open, _ := tab.Wait(ctx, 0, "open", chrome.Kind("open"))
	if err := ack(c, tab); err != nil {
		return err
	}
	// The probe's frames and the ACK's, as CDP reports them.
	var socket string
	var probeErr error
	fctx, fcancel := c.Within(replyWait(c))
	defer fcancel()
	_, err = tab.WaitFrames(fctx, "the upgrade's probe and the ACK in the WebSocket frames", func(frames []chrome.Frame) bool {
		socket, probeErr = probeSequence(frames, open.SID)
		return probeErr == nil && ackOn(frames, socket)
	})
	if errors.As(err, &timeout) {
		if probeErr != nil {
			return probeErr
		}
		return suite.Violationf("the ACK packet on the upgraded WebSocket", "the page got its ack, but not over that WebSocket")
	} else if err != nil {
		return err
	}
	st, err := tab.State(c.Ctx)
	if err != nil {
		return err
	}
	if st.Transport != "websocket" || !st.Connected {
		return suite.Violationf("connected over websocket after the upgrade", "connected %v, transport %q", st.Connected, st.Transport)
	}
	c.Observed("connected over polling (sid %s), upgraded with 2probe/3probe/5, ack received over the WebSocket", open.SID)
	return nil
}

// probeSequence finds the WebSocket of session sid and checks its first
// frames are the upgrade's probe: → 2probe, ← 3probe, → 5. It returns the
// socket's CDP id.
func probeSequence(frames []chrome.Frame, sid string) (string, error) {
	want := []struct{ dir, data string }{{wirelog.Out, "2probe"}, {wirelog.In, "3probe"}, {wirelog.Out, "5"}}
	var seen []string
	for _, socket := range socketsOf(frames) {
		if sid != "" && !strings.Contains(socket.url, "sid="+sid) {
			continue
		}
		seen = seen[:0]
		for _, f := range socket.frames {
			seen = append(seen, f.Dir+" "+string(f.Data))
		}
		if len(socket.frames) < len(want) {
			continue
		}
		ok := true
		for i, w := range want {
			f := socket.frames[i]
			if f.Dir != w.dir || !f.Text || string(f.Data) != w.data {
				ok = false
			}
		}
		if ok {
			return socket.id, nil
		}
	}
	return "", suite.Violationf("the upgrade WebSocket's first frames: → 2probe, ← 3probe, → 5 (engine.io-protocol v4 §Upgrade)",
		"WebSocket frames for sid %q: %s", sid, strings.Join(seen, " | "))
}

type wsFrames struct {
	id, url string
	frames  []chrome.Frame
}

// socketsOf groups frames by WebSocket, in the order each first appears.
func socketsOf(frames []chrome.Frame) []wsFrames {
	var out []wsFrames
	index := map[string]int{}
	for _, f := range frames {
		i, ok := index[f.Socket]
		if !ok {
			i = len(out)
			index[f.Socket] = i
			out = append(out, wsFrames{id: f.Socket, url: f.URL})
		}
		out[i].frames = append(out[i].frames, f)
	}
	return out
}

// ack emits video:subscribe with an ack from the page and expects the
// ack (for a video that does not exist: the answer is not judged here).
func ack(c *suite.C, tab *chrome.Tab) error {
	wait := replyWait(c)
	reply, timedOut, err := tab.EmitWithAck(c.Ctx, "video:subscribe", []any{jwtmint.RandomID("no-such-video-")}, wait)
	if err != nil {
		return err
	}
	if timedOut {
		return suite.Violationf("an ack to video:subscribe (IO-2: emit with acks)", "no ack within %v", wait)
	}
	c.Logf("ack: %s", joinRaw(reply))
	return nil
}

// ackOn reports whether a Socket.IO ACK arrived on WebSocket socket.
func ackOn(frames []chrome.Frame, socket string) bool {
	for _, f := range frames {
		if f.Socket != socket || f.Dir != wirelog.In || !f.Text {
			continue
		}
		if p, err := codec.DecodeText(f.Data); err == nil && p.Type == codec.EIOMessage {
			if sp, err := codec.DecodeSIO(p.Data); err == nil && sp.Type == codec.SIOAck {
				return true
			}
		}
	}
	return false
}

func joinRaw(args []json.RawMessage) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = string(a)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func websocketOnly(c *suite.C) error {
	t := newTenant(c)
	tab, err := openTab(c)
	if err != nil {
		return err
	}
	c.Expect("connect over websocket with no polling request; ack received")
	r, err := connected(c, tab, c.Cfg.Target, chrome.ConnectOptions{Auth: auth(t.token(t.Member)), Transports: []string{"websocket"}})
	if err != nil {
		return err
	}
	if r.Transport != "websocket" {
		return suite.Violationf("connected over websocket", "connected over %q", r.Transport)
	}
	if reqs := tab.Requests(); len(reqs) > 0 {
		return suite.Violationf("no polling request with transports [websocket]", "%d requests, the first %s %s", len(reqs), reqs[0].Method, reqs[0].URL)
	}
	if err := ack(c, tab); err != nil {
		return err
	}
	ctx, cancel := c.Within(replyWait(c))
	defer cancel()
	frames, err := tab.WaitFrames(ctx, "the ACK in the WebSocket frames", func(frames []chrome.Frame) bool {
		s := socketsOf(frames)
		return len(s) > 0 && ackOn(frames, s[0].id)
	})
	var timeout *chrome.TimeoutError
	if errors.As(err, &timeout) {
		return suite.Violationf("the ACK packet on the WebSocket", "CDP reported these frames: %d", len(frames))
	} else if err != nil {
		return err
	}
	first := socketsOf(frames)[0].frames[0]
	p, err := codec.DecodeText(first.Data)
	if first.Dir != wirelog.In || err != nil || p.Type != codec.EIOOpen {
		return suite.Violationf("the open packet as the first frame of the WebSocket", "%s %q", first.Dir, first.Data)
	}
	c.Observed("connected over websocket (socket.id %s); ack received", r.ID)
	return nil
}

func pollingWithCredentials(c *suite.C) error {
	t := newTenant(c)
	tab, err := openTab(c)
	if err != nil {
		return err
	}
	origin := pageOrigin(c)
	c.Expect("connect over polling in credentials mode from %s; every answer echoes the origin with credentials; events and acks flow", origin)
	r, err := connected(c, tab, c.Cfg.Target, chrome.ConnectOptions{Auth: auth(t.token(t.Member)), Transports: []string{"polling"}, WithCredentials: true})
	if err != nil {
		return err
	}
	if r.Transport != "polling" {
		return suite.Violationf("connected over polling", "connected over %q", r.Transport)
	}
	text := jwtmint.RandomID("browser polling ")
	if err := announce(c, t, text); err != nil {
		return err
	}
	ctx, cancel := c.Within(replyWait(c))
	defer cancel()
	if _, err := tab.Wait(ctx, 0, "server:announcement", chrome.Event("server:announcement", member("message", text))); err != nil {
		var timeout *chrome.TimeoutError
		if errors.As(err, &timeout) {
			return suite.Violationf("the announcement reaches the page over polling (IO-2, ANN-4)", "not within %v; the page saw: %s", replyWait(c), chrome.Kinds(timeout.Seen))
		}
		return err
	}
	if err := ack(c, tab); err != nil {
		return err
	}
	if ws := tab.WebSockets(); len(ws) > 0 {
		return suite.Violationf("no WebSocket with transports [polling]", "the page opened %s", ws[0])
	}
	reqs := tab.Requests()
	answered := 0
	for _, q := range reqs {
		if q.Sent && q.Origin != origin {
			return fmt.Errorf("the browser sent Origin %q, the page runs on %s", q.Origin, origin)
		}
		if q.Status == 0 || !q.Sent { // a long-poll still open, or its headers not reported yet
			continue
		}
		answered++
		acao, acac := q.Header["access-control-allow-origin"], q.Header["access-control-allow-credentials"]
		if acao != origin || acac != "true" {
			return suite.Violationf("Access-Control-Allow-Origin: "+origin+" and Access-Control-Allow-Credentials: true on every /socket.io/ answer (SEC-1)",
				"%s %s → %d with ACAO %q, ACAC %q", q.Method, q.URL, q.Status, acao, acac)
		}
	}
	if answered == 0 {
		return fmt.Errorf("CDP reported no answered polling request although the page connected")
	}
	c.Measure("polling_requests", answered)
	c.Observed("connected over polling with credentials; %d answers echoed %s with credentials; announcement and ack received", answered, origin)
	return nil
}
