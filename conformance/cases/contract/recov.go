package contract

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/setcheck"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

const (
	reqRECOV1 = `"A recovered socket MUST keep its organization, user and video rooms and receive what it missed, in order."`
	reqRECOV2 = `"A replay MUST hold only what the socket's own rooms would have received: never another organization's video events, never another user's notifications."`
	reqRECOV3 = `"Recovery MUST run the token check again: a token now invalid or expired is refused as in §3, and nothing is replayed."`
	reqRECOV4 = `"A pid presented with another user's valid token MUST NOT be restored: the server starts a fresh session (new sid, no replay, the new token's rooms) or refuses the CONNECT; either way the socket gets none of the old session's rooms or missed events."`
)

func recovSpecs() []spec {
	return []spec{
		{id: "RECOV-1", clause: "RECOV-1", level: suite.LevelRooms, strength: suite.Optional, title: "A recovered socket gets what it missed, in order", req: reqRECOV1, world: true,
			steps: []string{"shared run: A's admin connects a third socket (pid in the CONNECT reply) and receives the prelude announcement (an offset)",
				"the harness cuts its TCP connection; all uploads are processed meanwhile",
				"→ 40{\"token\":…,\"pid\":…,\"offset\":…}: the same sid, then every missed video event and notification, once, in each video's order"},
			run: runRECOV1},
		{id: "RECOV-2", clause: "RECOV-2", level: suite.LevelRooms, strength: suite.Optional, title: "A replay holds nothing of another tenant or user", req: reqRECOV2, world: true,
			steps: []string{"shared run: B's videos are processed while A's admin's socket is cut", "the replayed packets mention none of B's videos and no other user's notification"},
			run:   runRECOV2},
		recov3("RECOV-3.1", "An expired token is refused on recovery", "the same user's token, expired 60 s ago", func(m *jwtmint.Minter, id jwtmint.Identity) string {
			return m.Token(id, -time.Minute)
		}),
		recov3("RECOV-3.2", "A forged token is refused on recovery", `the same user's claims with {"alg":"none"}`, func(m *jwtmint.Minter, id jwtmint.Identity) string {
			return jwtmint.Forge(map[string]any{"alg": "none", "typ": "JWT"}, jwtmint.Claims(id, time.Now().Add(time.Hour)), "")
		}),
		{id: "RECOV-4", clause: "RECOV-4", level: suite.LevelRooms, strength: suite.Optional, title: "A session is not restored for another user", req: reqRECOV4, timeout: 60 * time.Second,
			steps: []string{"Bob (member of X) connects with recovery, receives an announcement, is cut", "a video of X fails meanwhile",
				"→ 40{\"token\":<Carol of Y>,\"pid\":<Bob's>,\"offset\":<Bob's>}",
				"refused, or a new sid with no replayed packet", "another video of X fails: Carol's socket receives nothing about X"},
			run: runRECOV4},
	}
}

// replayed returns the events a reconnected socket received before its
// CONNECT reply.
func replayed(s *sioclient.Socket) []sioclient.Received {
	var out []sioclient.Received
	for _, r := range s.Packets() {
		if isConnectReply(r) {
			break
		}
		if r.IsEvent() {
			out = append(out, r)
		}
	}
	return out
}

func recovWorld(c *suite.C) (*world, error) {
	w, err := getWorld(c, "A-admin/recovery")
	if err != nil {
		return nil, err
	}
	if !w.recov.supported {
		return nil, suite.Unimplemented("the CONNECT reply carries no pid: connection state recovery is off")
	}
	var refused *sioclient.ConnectError
	switch {
	case errors.As(w.recov.err, &refused):
		return nil, suite.Violationf("the recovery CONNECT accepted", "refused: %s", refused.Raw)
	case w.recov.err != nil:
		return nil, fmt.Errorf("reconnecting: %w", w.recov.err)
	}
	return w, nil
}

func runRECOV1(c *suite.C) error {
	w, err := recovWorld(c)
	if err != nil {
		return err
	}
	before, after := w.recov.before, w.recov.after
	if after.SID() != before.SID() {
		return suite.Violationf("the session recovered: the same sid "+before.SID(), "a new sid %s (nothing missed was replayed)", after.SID())
	}
	s := w.sock("A-admin/recovery")
	rs := &worldSocket{name: s.name + "+", id: s.id, tenant: s.tenant, role: roleRecovery, s: after}
	rep := setcheck.Compare(w.expectedFor("A", w.A.Admin.UserID), w.receivedBy(rs))
	if !rep.Clean() {
		return suite.Violationf("every missed event and notification, once", "%s", rep)
	}
	for _, v := range w.videosOf("A") {
		want := w.keysAbout("A", v.id, false, "")
		got := sequence(after.Events(), v.id)
		if strings.Join(want, "\n") != strings.Join(got, "\n") {
			return suite.Violationf("video "+v.id+"'s events in order", "got %v, want %v", got, want)
		}
	}
	prelude := 0
	for _, x := range []*sioclient.Socket{before, after} {
		prelude += len(eventsWith(x, "server:announcement", "message", w.prelude))
	}
	if prelude != 1 {
		return suite.Violationf("the prelude announcement (received before the cut) not replayed", "received %d times", prelude)
	}
	c.Measure("replayed before the CONNECT reply", len(replayed(after)))
	return nil
}

// eventsWith returns s's events called name whose first argument has a
// string member key equal to value.
func eventsWith(s *sioclient.Socket, name, key, value string) []sioclient.Received {
	var out []sioclient.Received
	for _, r := range eventsNamed(s, name) {
		if m, ok := objectArg(r); ok {
			if v, _ := str(m, key); v == value {
				out = append(out, r)
			}
		}
	}
	return out
}

func runRECOV2(c *suite.C) error {
	w, err := recovWorld(c)
	if err != nil {
		return err
	}
	ids := w.worldIDs()
	for _, r := range w.recov.after.Events() {
		id := videoIDOf(r)
		if id == "" {
			continue
		}
		if ids[id] != "A" {
			return suite.Violationf("nothing about another organization's videos", "%s", clip(r.Frame, 300))
		}
		if r.Event == "notification:personal" {
			for _, v := range w.videos {
				if v.id == id && v.uploader != w.A.Admin {
					return suite.Violationf("no other user's notification", "%s", clip(r.Frame, 300))
				}
			}
		}
	}
	for _, r := range w.recov.after.Packets() {
		for id, t := range ids {
			if t == "B" && strings.Contains(r.Frame, id) {
				return suite.Violationf("no packet naming B's videos", "%s", clip(r.Frame, 300))
			}
		}
	}
	return nil
}

// recovSetup connects id with recovery, gives it an offset with an
// announcement and cuts it; it returns the cut socket. An absent pid is
// UNIMPLEMENTED.
func recovSetup(e *env, name string, id, poster jwtmint.Identity) (*sioclient.Socket, error) {
	s, err := e.connect(name, id)
	if err != nil {
		return nil, err
	}
	if s.PID() == "" {
		return nil, suite.Unimplemented("the CONNECT reply carries no pid: connection state recovery is off")
	}
	first := "before the cut " + jwtmint.RandomID("")
	if err := e.announce(poster, first); err != nil {
		return nil, err
	}
	ctx, cancel := e.within()
	defer cancel()
	if _, err := s.Wait(ctx, sioclient.EventNamed("server:announcement", sioclient.Member("message", first))); err != nil {
		return nil, fmt.Errorf("the announcement before the cut: %w", err)
	}
	if s.Offset() == "" {
		return nil, suite.Violationf("an offset appended to events when the CONNECT reply has a pid (§13)", "none on %s", clip(s.Events()[0].Frame, 200))
	}
	s.Cut()
	return s, nil
}

// announce posts an announcement as poster (an admin) and expects 202.
func (e *env) announce(poster jwtmint.Identity, message string) error {
	ctx, cancel := e.within()
	defer cancel()
	resp, err := e.api.PostJSON(ctx, "/api/announcements", e.token(poster), map[string]any{"message": message})
	if err != nil {
		return err
	}
	if resp.Status != 202 {
		return suite.Violationf("202 for an admin's announcement (ANN-3)", "%s", resp.Summary())
	}
	return nil
}

func recov3(id, title, how string, bad func(*jwtmint.Minter, jwtmint.Identity) string) spec {
	return spec{id: id, clause: "RECOV-3", level: suite.LevelRooms, strength: suite.Optional, title: title, req: reqRECOV3,
		steps: []string{"a member connects with recovery, receives an announcement (an offset), is cut", "another announcement is posted meanwhile",
			"→ 40{\"token\":<" + how + ">,\"pid\":…,\"offset\":…}", "← 44{\"message\":\"Invalid token\"} with no 42 before it"},
		run: func(c *suite.C) error {
			e := newEnv(c)
			t := newTenant("recov3")
			s, err := recovSetup(e, "member", t.Member, t.Admin)
			if err != nil {
				return err
			}
			if err := e.announce(t.Admin, "missed "+jwtmint.RandomID("")); err != nil {
				return err
			}
			ctx, cancel := e.within()
			defer cancel()
			back, err := s.Reconnect(ctx, auth(bad(e.mint, t.Member)))
			if back != nil {
				c.Cleanup(back.Close)
			}
			var refused *sioclient.ConnectError
			switch {
			case err == nil:
				return suite.Violationf(`44{"message":"Invalid token"}`, "recovered with sid %s (same as before: %v)", back.SID(), back.SID() == s.SID())
			case !errors.As(err, &refused):
				return err
			case refused.Message != msgInvalidToken:
				return suite.Violationf(`44{"message":"Invalid token"}`, "%s", refused.Raw)
			}
			if r := replayed(back); len(r) > 0 {
				return suite.Violationf("nothing replayed before the refusal", "%s", clip(r[0].Frame, 300))
			}
			return nil
		}}
}

func runRECOV4(c *suite.C) error {
	e := newEnv(c)
	x, y := newTenant("recov4x"), newTenant("recov4y")
	observer, err := e.connect("X-admin", x.Admin)
	if err != nil {
		return err
	}
	bob, err := recovSetup(e, "bob", x.Member, x.Admin)
	if err != nil {
		return err
	}
	fail := func() (string, error) {
		_, v, err := e.upload(x.Admin, rest.Upload{Data: []byte("not a video, harness RECOV-4 " + jwtmint.RandomID("")), FileName: "noise.mp4", ContentType: "video/mp4"})
		if err != nil {
			return "", err
		}
		ctx, cancel := c.Within(c.Cfg.ProcessTimeout)
		defer cancel()
		if _, err := observer.Wait(ctx, func(r sioclient.Received) bool {
			return (r.Event == "video:failed" || r.Event == "video:processed") && videoIDOf(r) == v.ID
		}); err != nil {
			return "", suite.Violationf("a terminal event for every upload (PROG-7)", "none for %s at the uploader's socket", v.ID)
		}
		return v.ID, nil
	}
	missed, err := fail()
	if err != nil {
		return err
	}
	ctx, cancel := e.within()
	defer cancel()
	carol, err := bob.Reconnect(ctx, auth(e.token(y.Member)))
	if carol != nil {
		c.Cleanup(carol.Close)
	}
	var refused *sioclient.ConnectError
	if errors.As(err, &refused) {
		if r := replayed(carol); len(r) > 0 {
			return suite.Violationf("no replay before the refusal", "%s", clip(r[0].Frame, 300))
		}
		return nil
	}
	if err != nil {
		return err
	}
	if carol.SID() == bob.SID() {
		return suite.Violationf("a fresh session (new sid) for another user's token", "Bob's session %s was restored", bob.SID())
	}
	if r := replayed(carol); len(r) > 0 {
		return suite.Violationf("no replay for another user's token", "%s", clip(r[0].Frame, 300))
	}
	later, err := fail()
	if err != nil {
		return err
	}
	if err := e.barrier(carol); err != nil {
		return err
	}
	for _, r := range carol.Packets() {
		if r.Err == nil && r.Packet.Type == codec.SIOEvent && (strings.Contains(r.Frame, missed) || strings.Contains(r.Frame, later)) {
			return suite.Violationf("nothing about Bob's organization on Carol's socket", "%s", clip(r.Frame, 300))
		}
	}
	return nil
}
