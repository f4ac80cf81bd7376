package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wirelog"
)

// The shared processing run ("the world"): two fresh organizations, a
// dozen sockets that record everything from their CONNECT on, uploads in
// both organizations, the official client beside them. It is started once
// per run, in the background, by the first case of these levels; the cases
// that need it wait for it and judge their clause on its recordings.

// Socket roles in the world.
const (
	roleUploader   = "uploader"   // the uploading admin's WebSocket (the reference view)
	roleUploader2  = "uploader2"  // the same user over polling (ROOM-2, NOTIF-2)
	roleMember     = "member"     // a plain member: organization room only
	roleSubscriber = "subscriber" // a member subscribing to every video (PROG-6, ROOM-3, VID-3)
	roleAttacker   = "attacker"   // a member of B trying to reach A (ROOM-4, ROOM-6, ROOM-7)
	roleRecovery   = "recovery"   // the uploading admin, cut and recovered (RECOV-1, RECOV-2)
)

type worldSocket struct {
	name   string
	id     jwtmint.Identity
	tenant string // "A" or "B"
	role   string
	s      *sioclient.Socket
}

type worldVideo struct {
	tenant   string
	uploader jwtmint.Identity
	fixture  string
	fileName string
	facts    fixtureFacts
	created  video
	resp     *rest.Response
	id       string
	final    video
	finalRaw *rest.Response
}

// ackObs is an acknowledgement the world asked for and what came back.
type ackObs struct {
	socket, label string
	args          []json.RawMessage
	err           error
}

// readObs is a read made right after an event was received (VID-3).
type readObs struct {
	video, via, event string
	after             state // the state the event produced
	read              state
	err               string
}

// pollObs is a state read by polling during processing (VID-4).
type pollObs struct {
	video string
	st    state
}

type world struct {
	log      *wirelog.Log
	started  time.Time
	finished time.Time
	err      error

	A, B    tenant
	socks   []*worldSocket
	videos  []*worldVideo
	shortS  *sioclient.Socket // AUTH-11: a socket whose token expires while connected
	shortAt time.Time         // its token's exp

	official      *official
	officialErr   error
	officialShort time.Time // exp of the official short client's token

	recov struct {
		supported bool
		before    *sioclient.Socket
		after     *sioclient.Socket
		err       error
	}
	prelude, barrier string // announcement messages the world posted
	barrierResp      *rest.Response

	// actions are the per-upload goroutines of afterUploadA.
	actions sync.WaitGroup

	mu         sync.Mutex
	attackAcks []ackObs // B's attacker: subscribe attempts on A's ids and room names
	unsubAcks  []ackObs // A's admin: unsubscribe from ids and room names (ROOM-5)
	subAcks    []ackObs // A's subscriber: video:subscribe acks (ROOM-3)
	reads      []readObs
	polls      []pollObs
	lists      map[string]*rest.Response
	problems   []string // target faults met while running, for the cases concerned
}

// worldRun is one shared run and its completion.
type worldRun struct {
	w    *world
	done chan struct{}
}

// worlds holds one shared run per configuration: a run is judged on one
// target, and the harness's own tests run the cases again behind a
// mutating proxy, with another configuration.
var worlds struct {
	mu   sync.Mutex
	runs map[*suite.Config]*worldRun
}

// startWorld starts the shared run of cfg unless it has started already.
func startWorld(cfg *suite.Config) *worldRun {
	worlds.mu.Lock()
	defer worlds.mu.Unlock()
	if r, ok := worlds.runs[cfg]; ok {
		return r
	}
	if worlds.runs == nil {
		worlds.runs = map[*suite.Config]*worldRun{}
	}
	r := &worldRun{done: make(chan struct{}),
		w: &world{log: wirelog.New(), started: time.Now(), lists: map[string]*rest.Response{}}}
	worlds.runs[cfg] = r
	go func() {
		defer close(r.done)
		w := r.w
		ctx, cancel := context.WithTimeout(context.Background(), cfg.ProcessTimeout+45*time.Second)
		defer cancel()
		w.err = w.run(ctx, cfg)
		w.finished = time.Now()
		w.log.Notef("shared run finished after %v (err: %v)", w.finished.Sub(w.started).Round(time.Millisecond), w.err)
	}()
	return r
}

// getWorld waits for the shared run and attaches its wire log entries of
// the sockets named (all when none) to the case's log.
func getWorld(c *suite.C, conns ...string) (*world, error) {
	run := startWorld(c.Cfg)
	select {
	case <-run.done:
	case <-c.Ctx.Done():
		return nil, fmt.Errorf("the shared processing run did not finish within the case's timeout: %w", c.Ctx.Err())
	}
	w := run.w
	w.attach(c, conns...)
	if w.err != nil {
		var v *suite.Violation
		if errors.As(w.err, &v) {
			return nil, w.err
		}
		return nil, fmt.Errorf("shared processing run: %w", w.err)
	}
	return w, nil
}

// memberOfA waits for the shared run (none of its sockets' entries
// attached) and connects a fresh socket "A-member" of A's member.
func memberOfA(c *suite.C) (*world, *env, *sioclient.Socket, error) {
	w, err := getWorld(c, "none")
	if err != nil {
		return nil, nil, nil, err
	}
	e := newEnv(c)
	s, err := e.connect("A-member", w.A.Member)
	return w, e, s, err
}

// maxAttached bounds the world entries copied into one case's log.
const maxAttached = 600

func (w *world) attach(c *suite.C, conns ...string) {
	entries := w.log.Entries()
	var picked []wirelog.Entry
	for _, e := range entries {
		if len(conns) == 0 || matchConn(e.Conn, conns) {
			picked = append(picked, e)
		}
	}
	if len(picked) == 0 {
		c.Logf("judged on the shared processing run started %s (%d wire entries; the cases reading its sockets show them, ROOM-7.1 most)",
			w.started.Format(time.RFC3339Nano), len(entries))
		return
	}
	c.Logf("the entries below (conn world/…) were recorded by the shared processing run started %s: %d of its %d entries, times as [+since its start]",
		w.started.Format(time.RFC3339Nano), min(len(picked), maxAttached), len(entries))
	for i, e := range picked {
		if i == maxAttached {
			c.Logf("… %d more entries of the shared run left out", len(picked)-maxAttached)
			return
		}
		c.Log.Add(e.Dir, e.Kind, "world/"+e.Conn, []byte(fmt.Sprintf("[+%v] %s", e.At.Round(time.Millisecond), e.Data)))
	}
}

// matchConn matches a connection label or a family of them: "A-admin"
// matches "A-admin/ws" and "A-admin/polling", "rest" matches only "rest".
func matchConn(conn string, want []string) bool {
	for _, w := range want {
		if conn == w || strings.HasPrefix(conn, w+"/") || strings.HasPrefix(conn, w+"+") {
			return true
		}
	}
	return false
}

func (w *world) problem(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.problems = append(w.problems, fmt.Sprintf(format, args...))
	w.log.Notef("problem: "+format, args...)
}

// worldUploads are the files the world uploads: the §14 fixtures in A, a
// success and a failure in B.
var worldUploads = []struct{ tenant, fixture, name, ctype string }{
	{"A", "pattern.mp4", "pattern.mp4", "video/mp4"},
	{"A", "pattern-silent.mp4", "pattern-silent.mp4", "video/mp4"},
	{"A", "flashing.mp4", "flashing.mp4", "video/mp4"},
	{"A", "noise.bin", "noise.mp4", "video/mp4"},
	{"B", "calm.mp4", "calm.mp4", "video/mp4"},
	{"B", "corrupt.mp4", "corrupt.mp4", "video/mp4"},
}

func (w *world) run(ctx context.Context, cfg *suite.Config) error {
	mint := jwtmint.New(cfg.Secret)
	api := rest.New(cfg.Target, w.log)
	api.Conn = "rest"
	w.A, w.B = newTenant("a"), newTenant("b")
	tok := func(id jwtmint.Identity) string { return mint.Token(id, tokenTTL) }
	tenantOf := map[string]tenant{"A": w.A, "B": w.B}
	admin := func(t string) jwtmint.Identity { return tenantOf[t].Admin }

	// Sockets first: they must record every event of every upload.
	specs := []struct {
		name, tenant, role string
		id                 jwtmint.Identity
		transport          string
	}{
		{"A-admin/ws", "A", roleUploader, w.A.Admin, sioclient.WebSocket},
		{"A-admin/polling", "A", roleUploader2, w.A.Admin, sioclient.Polling},
		{"A-member/ws", "A", roleMember, w.A.Member, sioclient.WebSocket},
		{"A-member/subscriber", "A", roleSubscriber, w.A.Member, sioclient.WebSocket},
		{"A-admin/recovery", "A", roleRecovery, w.A.Admin, sioclient.WebSocket},
		{"B-admin/ws", "B", roleUploader, w.B.Admin, sioclient.WebSocket},
		{"B-member/polling", "B", roleMember, w.B.Member, sioclient.Polling},
		{"B-member/attacker", "B", roleAttacker, w.B.Member, sioclient.WebSocket},
	}
	for _, sp := range specs {
		dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		s, err := sioclient.Dial(dctx, cfg.Target, auth(tok(sp.id)), sioclient.Options{Log: w.log, Name: sp.name, Transport: sp.transport})
		cancel()
		if err != nil {
			var refused *sioclient.ConnectError
			if errors.As(err, &refused) {
				return suite.Violationf("a valid token of a fresh identity accepted (AUTH-8)", "%s refused: %s", sp.name, refused.Raw)
			}
			return fmt.Errorf("%s: %w", sp.name, err)
		}
		w.socks = append(w.socks, &worldSocket{name: sp.name, id: sp.id, tenant: sp.tenant, role: sp.role, s: s})
	}
	defer w.closeSockets()

	// AUTH-11: exp 2 to 3 s ago (whole seconds), so accepted for 2 to 3 s
	// more: the harness keeps 2 s from the boundary.
	w.shortAt = time.Unix(secondsFromNow(-2*time.Second), 0)
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	short, err := sioclient.Dial(dctx, cfg.Target, auth(mint.Sign(jwtmint.Claims(w.A.Member, w.shortAt))),
		sioclient.Options{Log: w.log, Name: "A-member/expiring"})
	cancel()
	if err != nil {
		w.problem("the expiring socket (exp = now − 3 s) was not accepted: %v", err)
		if short != nil {
			short.Close()
		}
	} else {
		w.shortS = short
		time.AfterFunc(time.Until(w.shortAt.Add(12*time.Second)), short.Close)
	}

	// IO-2: the official client, three transports as the uploader, and one
	// whose token expires (exp = now − 1 s: 4 s of validity left).
	w.officialShort = time.Unix(secondsFromNow(-time.Second), 0)
	octx, ocancel := context.WithTimeout(ctx, 20*time.Second)
	w.official, w.officialErr = startOfficial(octx, cfg.Target, []officialSpec{
		{Name: "polling", Token: tok(w.A.Admin), Transports: []string{"polling"}},
		{Name: "websocket", Token: tok(w.A.Admin), Transports: []string{"websocket"}},
		{Name: "default", Token: tok(w.A.Admin)},
		{Name: "expiring", Token: mint.Sign(jwtmint.Claims(w.A.Member, w.officialShort)), Transports: []string{"websocket"}},
	}, w.log)
	if w.official != nil {
		for _, name := range []string{"polling", "websocket", "default"} {
			if _, err := w.official.wait(octx, func(l officialLine) bool {
				return l.Client == name && (l.Type == "connect" || l.Type == "connect_error")
			}); err != nil {
				w.problem("official client %s: no connect within 20 s", name)
			}
		}
		defer w.official.quit()
	}
	ocancel()

	// The attacker tries to name its way into A's rooms before any upload,
	// and a member of A into its admin's user room.
	w.attack(ctx, w.attacker(), "", []any{w.A.Org, "user:" + w.A.Admin.UserID, "video:*"})
	w.attack(ctx, w.sock("A-member/ws"), "", []any{"user:" + w.A.Admin.UserID})
	// The uploader's polling socket tries to leave its own organization and
	// user rooms by name (ROOM-5: they stay).
	for _, name := range []string{w.A.Org, "user:" + w.A.Admin.UserID} {
		w.unsubscribe(ctx, w.sock("A-admin/polling"), name, "room name "+name)
	}

	// A prelude announcement: every socket receives it before any upload
	// (so all are live), and the recovery socket gets an offset from it.
	w.prelude = "harness prelude " + jwtmint.RandomID("")
	if err := w.announce(ctx, api, tok(w.A.Admin), w.prelude); err != nil {
		return err
	}
	rec := w.sock("A-admin/recovery")
	if pid := rec.s.PID(); pid != "" && rec.s.Offset() != "" {
		w.recov.supported = true
		w.recov.before = rec.s
		rec.s.Cut()
	} else if pid != "" {
		w.problem("recovery: the CONNECT reply has a pid but the prelude announcement carried no offset")
	}

	// Watchers for VID-3 and VID-4, for A's videos.
	wctx, stopWatch := context.WithCancel(ctx)
	var watchers sync.WaitGroup
	watchers.Add(2)
	watchAPI, pollAPI := rest.New(cfg.Target, w.log), rest.New(cfg.Target, w.log)
	watchAPI.Conn, pollAPI.Conn = "rest/after-event", "rest/poll"
	go func() { defer watchers.Done(); w.watchByGET(wctx, watchAPI, tok(w.A.Admin), w.sock("A-admin/ws").s) }()
	go func() { defer watchers.Done(); w.watchBySubscribe(wctx, w.sock("A-member/subscriber").s) }()
	pollIDs := make(chan string, len(worldUploads))
	watchers.Add(1)
	go func() { defer watchers.Done(); w.poll(wctx, pollAPI, tok(w.A.Admin), pollIDs) }()

	// The uploads.
	for _, up := range worldUploads {
		f, err := factsOf(cfg.Fixtures, up.fixture)
		if err != nil {
			stopWatch()
			return err
		}
		v := &worldVideo{tenant: up.tenant, uploader: admin(up.tenant), fixture: up.fixture, fileName: up.name, facts: f}
		uctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		v.resp, err = api.Upload(uctx, tok(v.uploader), rest.Upload{File: filepath.Join(cfg.Fixtures, up.fixture), FileName: up.name, ContentType: up.ctype})
		cancel()
		if err != nil {
			stopWatch()
			return fmt.Errorf("upload %s: %w", up.name, err)
		}
		if v.resp.Status != 201 {
			stopWatch()
			return suite.Violationf("201 for a valid upload (REST-3)", "upload of %s: %s", up.name, v.resp.Summary())
		}
		if v.created, err = parseVideo(v.resp.Body); err != nil || v.created.ID == "" {
			stopWatch()
			return suite.Violationf("the video JSON with an _id in the 201 (REST-3)", "upload of %s: %s", up.name, v.resp.Summary())
		}
		v.id = v.created.ID
		w.mu.Lock()
		w.videos = append(w.videos, v)
		w.mu.Unlock()
		if up.tenant == "A" {
			pollIDs <- v.id
			w.afterUploadA(ctx, v)
		}
	}
	close(pollIDs)

	// Every video's terminal event at its uploader's socket, then the
	// notification (bounded by -process-timeout from now).
	pctx, pcancel := context.WithTimeout(ctx, cfg.ProcessTimeout)
	for _, v := range w.videos {
		s := w.uploaderSocket(v)
		if _, err := s.Wait(pctx, func(r sioclient.Received) bool {
			return (r.Event == "video:processed" || r.Event == "video:failed") && videoIDOf(r) == v.id
		}); err != nil {
			w.problem("no terminal event for %s (%s) at %s within -process-timeout %v", v.id, v.fileName, s.Name(), cfg.ProcessTimeout)
			continue
		}
		if _, err := s.Wait(pctx, func(r sioclient.Received) bool {
			return r.Event == "notification:personal" && videoIDOf(r) == v.id
		}); err != nil {
			w.problem("no notification:personal for %s (%s) at %s", v.id, v.fileName, s.Name())
		}
	}
	pcancel()
	stopWatch()
	watchers.Wait()
	w.actions.Wait()

	// RECOV-1: the recovery socket comes back with its pid and offset.
	if w.recov.supported {
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		w.recov.after, w.recov.err = w.recov.before.Reconnect(rctx, auth(tok(w.A.Admin)))
		cancel()
	}

	// The barrier: an announcement every live socket must receive; once it
	// has, everything sent to that socket before it has arrived.
	w.barrier = "harness barrier " + jwtmint.RandomID("")
	if err := w.announce(ctx, api, tok(w.A.Admin), w.barrier); err != nil {
		return err
	}

	// The states after the terminal events, and the lists.
	for _, v := range w.videos {
		gctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		v.finalRaw, err = api.Get(gctx, "/api/videos/"+v.id, tok(v.uploader))
		cancel()
		if err == nil && v.finalRaw.Status == 200 {
			v.final, _ = parseVideo(v.finalRaw.Body)
		}
	}
	for _, t := range []string{"A", "B"} {
		gctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		resp, err := api.Get(gctx, "/api/videos", tok(tenantOf[t].Member))
		cancel()
		if err == nil {
			w.lists[t] = resp
		}
	}

	// The official short client's outcome (session:expired, AUTH-11) must
	// be in before the process is told to quit.
	if w.official != nil {
		sctx, cancel := context.WithDeadline(ctx, w.officialShort.Add(10*time.Second+500*time.Millisecond))
		_, _ = w.official.wait(sctx, func(l officialLine) bool { return l.Client == "expiring" && l.Type == "disconnect" })
		cancel()
	}
	return nil
}

func (w *world) sock(name string) *worldSocket {
	for _, s := range w.socks {
		if s.name == name {
			return s
		}
	}
	panic("world: no socket " + name)
}

func (w *world) attacker() *worldSocket { return w.sock("B-member/attacker") }

// uploaderSocket is the socket of v's uploader that the world keeps on
// WebSocket to the end.
func (w *world) uploaderSocket(v *worldVideo) *sioclient.Socket {
	return w.sock(map[string]string{"A": "A-admin/ws", "B": "B-admin/ws"}[v.tenant]).s
}

// live returns the world's sockets that are connected to the end: all but
// the cut recovery socket, plus its recovered successor.
func (w *world) live() []*worldSocket {
	var out []*worldSocket
	for _, s := range w.socks {
		if s.role == roleRecovery {
			if w.recov.supported {
				if w.recov.after != nil && w.recov.err == nil {
					out = append(out, &worldSocket{name: s.name + "+", id: s.id, tenant: s.tenant, role: s.role, s: w.recov.after})
				}
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

func (w *world) closeSockets() {
	for _, s := range w.socks {
		if s.s != w.recov.before {
			s.s.Close()
		}
	}
	if w.recov.after != nil {
		w.recov.after.Close()
	}
}

// announce posts message as A's admin and waits until every live socket
// and the official clients have it.
func (w *world) announce(ctx context.Context, api *rest.Client, token, message string) error {
	actx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, err := api.PostJSON(actx, "/api/announcements", token, map[string]any{"message": message})
	if err != nil {
		return err
	}
	if message == w.barrier {
		w.barrierResp = resp
	}
	if resp.Status != 202 {
		return suite.Violationf("202 for an admin's announcement (ANN-3)", "%s", resp.Summary())
	}
	for _, s := range w.live() {
		if s.s == w.recov.before && message != w.prelude {
			continue
		}
		if _, err := s.s.Wait(actx, sioclient.EventNamed("server:announcement", sioclient.Member("message", message))); err != nil {
			w.problem("%s did not receive the announcement %q: %v", s.name, message, err)
		}
	}
	if w.official != nil {
		for _, name := range []string{"polling", "websocket", "default"} {
			if _, err := w.official.wait(actx, func(l officialLine) bool {
				return l.Client == name && l.Type == "event" && l.Event == "server:announcement" && lineMember(l, "message") == message
			}); err != nil {
				w.problem("official client %s did not receive the announcement %q", name, message)
			}
		}
	}
	return nil
}

// afterUploadA runs the per-video actions of the sockets of A and the
// attacker of B, right after A's 201 (so during processing).
func (w *world) afterUploadA(ctx context.Context, v *worldVideo) {
	w.actions.Add(3)
	go func() {
		defer w.actions.Done()
		sub := w.sock("A-member/subscriber").s
		actx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		args, err := sub.EmitWithAck(actx, "video:subscribe", v.id)
		w.mu.Lock()
		w.subAcks = append(w.subAcks, ackObs{socket: sub.Name(), label: v.id, args: args, err: err})
		w.mu.Unlock()
	}()
	go func() {
		defer w.actions.Done()
		w.unsubscribe(ctx, w.sock("A-admin/polling"), v.id, "video "+v.id)
	}()
	go func() {
		defer w.actions.Done()
		w.attack(ctx, w.attacker(), v.id, []any{v.id, "video:" + v.id})
	}()
	if w.official != nil && v.fileName == "pattern.mp4" {
		for i, name := range []string{"polling", "websocket", "default"} {
			_ = w.official.send(map[string]any{"cmd": "emit", "client": name, "req": i + 1, "event": "video:subscribe", "args": []any{v.id}})
		}
	}
}

// attack makes the attacker try to reach A: subscribe to each target with
// and without an ack, and emit room-joining events of common names.
func (w *world) attack(ctx context.Context, a *worldSocket, videoID string, targets []any) {
	actx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	for _, t := range targets {
		for _, name := range []string{"join", "room:join", "joinRoom", "subscribe", "rooms:join"} {
			_ = a.s.Emit(name, t)
		}
		_ = a.s.Emit("video:subscribe", t)
		args, err := a.s.EmitWithAck(actx, "video:subscribe", t)
		label := fmt.Sprint(t)
		if videoID != "" && t == videoID {
			label = "A's video " + videoID
		}
		w.mu.Lock()
		w.attackAcks = append(w.attackAcks, ackObs{socket: a.name, label: label, args: args, err: err})
		w.mu.Unlock()
	}
}

func (w *world) unsubscribe(ctx context.Context, s *worldSocket, arg, label string) {
	actx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	args, err := s.s.EmitWithAck(actx, "video:unsubscribe", arg)
	w.mu.Lock()
	w.unsubAcks = append(w.unsubAcks, ackObs{socket: s.name, label: label, args: args, err: err})
	w.mu.Unlock()
}

// watchByGET reads GET /api/videos/{id} right after each video event the
// uploader's socket receives (VID-3).
func (w *world) watchByGET(ctx context.Context, api *rest.Client, token string, s *sioclient.Socket) {
	w.watch(ctx, s, "GET /api/videos/{id}", func(id string) (state, string) {
		gctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := api.Get(gctx, "/api/videos/"+id, token)
		switch {
		case err != nil:
			return state{}, err.Error()
		case resp.Status != 200:
			return state{}, resp.Summary()
		}
		v, _ := parseVideo(resp.Body)
		return stateOf(v), ""
	})
}

// watchBySubscribe subscribes again right after each video event the
// subscriber receives (VID-3 through the ROOM-3 snapshot; subscribing
// twice must be harmless).
func (w *world) watchBySubscribe(ctx context.Context, s *sioclient.Socket) {
	w.watch(ctx, s, "video:subscribe ack", func(id string) (state, string) {
		actx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		args, err := s.EmitWithAck(actx, "video:subscribe", id)
		if err != nil {
			return state{}, err.Error()
		}
		if v, ok := ackVideo(args); ok {
			return stateOf(v), ""
		}
		return state{}, "ack " + clip(rawArgs(args), 200)
	})
}

// watch records, right after each video event s receives, what read
// returns for the video (its state, or why there is none) beside the
// state the events so far produced.
func (w *world) watch(ctx context.Context, s *sioclient.Socket, via string, read func(id string) (state, string)) {
	last := map[string]state{}
	for i := 0; ; i++ {
		r, err := s.WaitFrom(ctx, i, isVideoEvent)
		if err != nil {
			return
		}
		i = r.Seq
		id := videoIDOf(r)
		payload, _ := objectArg(r)
		prev, ok := last[id]
		if !ok {
			prev = uploadState
		}
		after := stateAfter(prev, r.Event, payload)
		last[id] = after
		obs := readObs{video: id, via: via, event: r.Event, after: after}
		obs.read, obs.err = read(id)
		w.mu.Lock()
		w.reads = append(w.reads, obs)
		w.mu.Unlock()
	}
}

// poll reads every A video's state in a loop during processing (VID-4).
func (w *world) poll(ctx context.Context, api *rest.Client, token string, ids <-chan string) {
	var list []string
	for {
		select {
		case id, ok := <-ids:
			if ok {
				list = append(list, id)
			} else {
				ids = nil
			}
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
		for _, id := range list {
			gctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			resp, err := api.Get(gctx, "/api/videos/"+id, token)
			cancel()
			if err != nil || resp.Status != 200 {
				continue
			}
			v, _ := parseVideo(resp.Body)
			w.mu.Lock()
			w.polls = append(w.polls, pollObs{video: id, st: stateOf(v)})
			w.mu.Unlock()
		}
	}
}

func isVideoEvent(r sioclient.Received) bool {
	return r.IsEvent() && (r.Event == "video:progress" || r.Event == "video:processed" || r.Event == "video:failed")
}

// ackVideo reads {"ok":true,"video":{…}} from a subscribe ack.
func ackVideo(args []json.RawMessage) (video, bool) {
	if len(args) == 0 {
		return video{}, false
	}
	var body struct {
		OK    bool            `json:"ok"`
		Video json.RawMessage `json:"video"`
	}
	if json.Unmarshal(args[0], &body) != nil || !body.OK {
		return video{}, false
	}
	v, err := parseVideo(body.Video)
	return v, err == nil
}

func rawArgs(args []json.RawMessage) string {
	b, _ := json.Marshal(args)
	return string(b)
}

// videosOf returns the world's videos of tenant t.
func (w *world) videosOf(t string) []*worldVideo {
	var out []*worldVideo
	for _, v := range w.videos {
		if v.tenant == t {
			out = append(out, v)
		}
	}
	return out
}

// video returns the world video with fixture name f.
func (w *world) video(f string) *worldVideo {
	for _, v := range w.videos {
		if v.fixture == f {
			return v
		}
	}
	return nil
}
