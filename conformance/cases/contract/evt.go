package contract

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

const (
	reqEVT1 = `"Every server event MUST be an EVENT packet holding the event name (as in §1, case-sensitive) and one JSON object, followed by nothing but the offset string Socket.IO appends when recovery is on (§13)."`
	reqEVT2 = `"Server events MUST NOT request an acknowledgement."`
	reqEVT3 = `"An event name the app does not define MUST have no effect and MUST NOT disconnect the socket; an ack id on it is left unanswered or answered {"ok":false,"error":…}."`
	reqEVT4 = `"A defined client event whose arguments do not validate MUST be answered {"ok":false,"error":"<non-empty string>"} when it has an ack id, and ignored otherwise; it MUST NOT disconnect the socket. video:subscribe always answers as ROOM-4 says. Extra arguments are ignored."`
	reqEVT5 = `"A client event named like a server event (video:progress, video:processed, video:failed, notification:personal, server:announcement, session:expired) MUST NOT reach any socket or change any state."`
)

func evtSpecs() []spec {
	return []spec{
		{id: "EVT-1", clause: "EVT-1", level: suite.LevelEvents, strength: suite.Must, title: "Every server event: a name of §1 and one object", req: reqEVT1, world: true,
			steps: []string{"shared run: every packet every socket received", "each EVENT: type 2, namespace /, a §1 name, one JSON object (and an offset string when the CONNECT reply had a pid)"},
			run:   runEVT1},
		{id: "EVT-2", clause: "EVT-2", level: suite.LevelEvents, strength: suite.Must, title: "Server events never request an ack", req: reqEVT2, world: true,
			steps: []string{"shared run: every EVENT every socket received", "none carries an ack id"},
			run:   runEVT2},
		{id: "EVT-3.1", clause: "EVT-3", level: suite.LevelEvents, strength: suite.Must, title: "video:delete is unknown: no effect, no disconnection", req: reqEVT3, world: true,
			steps: []string{"→ 42N[\"video:delete\",<A's video>] as A's admin", "no ack, or {\"ok\":false,\"error\":…}", "the video still answers 200 with the same state", "video:subscribe still answers"},
			run:   runEVT31},
		{id: "EVT-3.2", clause: "EVT-3", level: suite.LevelEvents, strength: suite.Must, title: "Odd unknown names: no effect, no disconnection", req: reqEVT3, hostile: true,
			steps: []string{"emit __proto__, constructor, toString, hasOwnProperty, valueOf, \"video:subscribe \", VIDEO:SUBSCRIBE, a 1000-character name, 💥, with and without ack ids",
				"each ack absent or {\"ok\":false,\"error\":…}", "the socket is still connected: video:unsubscribe answers {\"ok\":true}"},
			run: runEVT32},
		{id: "EVT-4.1", clause: "EVT-4", level: suite.LevelEvents, strength: suite.Must, title: "video:unsubscribe with a non-string argument", req: reqEVT4,
			steps: []string{"→ video:unsubscribe with 42, null, {}, [], true and no argument, each with an ack id", `each ← {"ok":false,"error":"<non-empty string>"}`, "still connected"},
			run:   runEVT41},
		{id: "EVT-4.2", clause: "EVT-4", level: suite.LevelEvents, strength: suite.Must, title: "Invalid arguments without an ack id are ignored", req: reqEVT4,
			steps: []string{"→ video:unsubscribe(42), video:subscribe({}) without ack ids", "nothing comes back, the socket stays connected"},
			run:   runEVT42},
		{id: "EVT-4.3", clause: "EVT-4", level: suite.LevelEvents, strength: suite.Must, title: "Extra arguments are ignored", req: reqEVT4, world: true,
			steps: []string{"→ video:subscribe(<own video>, \"extra\", 1)", `← {"ok":true,"video":…}`, "→ video:unsubscribe(<own video>, {})", `← {"ok":true}`},
			run:   runEVT43},
		{id: "EVT-5", clause: "EVT-5", level: suite.LevelEvents, strength: suite.Must, title: "Clients cannot forge server events", req: reqEVT5, world: true,
			steps: []string{"A's admin emits video:progress, video:processed, video:failed, notification:personal, server:announcement and session:expired about A's video",
				"no socket (the sender, a member of A, a member of B) receives any of them", "the video's state is unchanged"},
			run: runEVT5},
	}
}

// allWorldSockets returns every raw socket of the shared run.
func (w *world) allWorldSockets() []*sioclient.Socket {
	var out []*sioclient.Socket
	for _, s := range w.socks {
		out = append(out, s.s)
	}
	if w.recov.after != nil {
		out = append(out, w.recov.after)
	}
	if w.shortS != nil {
		out = append(out, w.shortS)
	}
	return out
}

func runEVT1(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	n := 0
	for _, s := range w.allWorldSockets() {
		recovery := s.PID() != "" || s == w.recov.after
		for _, r := range s.Packets() {
			if r.Err != nil {
				return suite.Violationf("valid Socket.IO packets", "%s received %s: %v", s.Name(), clip(r.Frame, 200), r.Err)
			}
			if r.Packet.Type != codec.SIOEvent && r.Packet.Type != codec.SIOBinaryEvent {
				continue
			}
			n++
			if err := checkEventShape(r, recovery); err != nil {
				return suite.Violationf("an EVENT with a §1 name and one JSON object", "%s received %s: %v", s.Name(), clip(r.Frame, 300), err)
			}
		}
	}
	c.Measure("events checked", n)
	return nil
}

func checkEventShape(r sioclient.Received, recovery bool) error {
	switch {
	case r.Packet.Type != codec.SIOEvent:
		return fmt.Errorf("a BINARY_EVENT")
	case r.Packet.Namespace != "/":
		return fmt.Errorf("namespace %s", r.Packet.Namespace)
	case !slices.Contains(appEvents, r.Event):
		return fmt.Errorf("%q is not an event of §1", r.Event)
	}
	if _, ok := objectArg(r); !ok {
		return fmt.Errorf("the first argument is not a JSON object")
	}
	switch len(r.Args) {
	case 1:
		return nil
	case 2:
		var off string
		if recovery && json.Unmarshal(r.Args[1], &off) == nil {
			return nil
		}
	}
	return fmt.Errorf("%d arguments", len(r.Args))
}

func runEVT2(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	for _, s := range w.allWorldSockets() {
		for _, r := range s.Events() {
			if r.Packet.ID != nil {
				return suite.Violationf("no ack id on server events", "%s received %s", s.Name(), clip(r.Frame, 300))
			}
		}
	}
	return nil
}

// unknownAnswer judges the answer to an unknown event: none, or
// {"ok":false,"error":<string>}.
func unknownAnswer(s *sioclient.Socket, id uint64) error {
	for _, r := range s.Packets() {
		if r.Err == nil && r.Packet.Type == codec.SIOAck && r.Packet.ID != nil && *r.Packet.ID == id {
			var body struct {
				OK    *bool   `json:"ok"`
				Error *string `json:"error"`
			}
			if len(r.Args) == 0 || json.Unmarshal(r.Args[0], &body) != nil || body.OK == nil || *body.OK || body.Error == nil {
				return suite.Violationf(`no answer or {"ok":false,"error":…}`, "%s", clip(r.Frame, 300))
			}
		}
	}
	return nil
}

// emitRaw sends event with args and an ack id, not waiting for the ack.
func emitRaw(s *sioclient.Socket, event string, args ...any) (uint64, error) {
	id := s.NextAckID()
	data, _, err := codec.EncodeArgs(append([]any{event}, args...)...)
	if err != nil {
		return 0, err
	}
	return id, s.SendPacket(codec.SIOPacket{Type: codec.SIOEvent, Namespace: "/", ID: &id, Data: data})
}

// stillConnected checks that s answers a defined event.
func (e *env) stillConnected(s *sioclient.Socket) error {
	args, err := e.ack(s, "video:unsubscribe", "harness-probe")
	if err != nil || s.Disconnected() {
		return suite.Violationf("the socket still connected", "%s: %v", s.Name(), err)
	}
	if rawArgs(args) != `[{"ok":true}]` {
		return suite.Violationf(`[{"ok":true}] for video:unsubscribe (ROOM-5)`, "%s", rawArgs(args))
	}
	return nil
}

func runEVT31(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	e := newEnv(c)
	s, err := e.connect("A-admin", w.A.Admin)
	if err != nil {
		return err
	}
	v := w.video("pattern.mp4")
	id, err := emitRaw(s, "video:delete", v.id)
	if err != nil {
		return err
	}
	if err := e.barrier(s); err != nil {
		return suite.Violationf("the socket still connected after an unknown event", "%v", err)
	}
	if err := unknownAnswer(s, id); err != nil {
		return err
	}
	if err := e.stillConnected(s); err != nil {
		return err
	}
	resp, err := e.get("/api/videos/"+v.id, e.token(w.A.Admin))
	if err != nil {
		return err
	}
	after, _ := parseVideo(resp.Body)
	if resp.Status != 200 || withoutStreamURL(after) != withoutStreamURL(v.final) {
		return suite.Violationf("the video unchanged after video:delete", "%s", resp.Summary())
	}
	return nil
}

func runEVT32(c *suite.C) error {
	e := newEnv(c)
	s, err := e.connect("member", newTenant("evt3").Member)
	if err != nil {
		return err
	}
	names := []string{"__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "video:subscribe ", "VIDEO:SUBSCRIBE",
		strings.Repeat("x", 1000), "💥", "video:", ":"}
	var ids []uint64
	for _, n := range names {
		_ = s.Emit(n, map[string]any{"videoId": "x"})
		id, err := emitRaw(s, n, "x")
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	if err := e.barrier(s); err != nil {
		return suite.Violationf("the socket still connected after unknown events", "%v", err)
	}
	for _, id := range ids {
		if err := unknownAnswer(s, id); err != nil {
			return err
		}
	}
	return e.stillConnected(s)
}

// failedAck checks {"ok":false,"error":<non-empty string>}.
func failedAck(args []json.RawMessage) bool {
	if len(args) == 0 {
		return false
	}
	var body map[string]json.RawMessage
	if json.Unmarshal(args[0], &body) != nil {
		return false
	}
	var ok bool
	msg, isStr := str(body, "error")
	return json.Unmarshal(body["ok"], &ok) == nil && !ok && isStr && msg != ""
}

func runEVT41(c *suite.C) error {
	e := newEnv(c)
	s, err := e.connect("member", newTenant("evt4").Member)
	if err != nil {
		return err
	}
	for _, p := range []struct {
		label string
		args  []any
	}{{"42", []any{42}}, {"null", []any{nil}}, {"{}", []any{map[string]any{}}}, {"[]", []any{[]any{}}}, {"true", []any{true}}, {"no argument", nil}} {
		args, err := e.ack(s, "video:unsubscribe", p.args...)
		if err != nil {
			return suite.Violationf(`{"ok":false,"error":…} for video:unsubscribe(`+p.label+`)`, "%v", err)
		}
		if !failedAck(args) {
			return suite.Violationf(`{"ok":false,"error":"<non-empty string>"}`, "video:unsubscribe(%s): %s", p.label, rawArgs(args))
		}
	}
	return e.stillConnected(s)
}

func runEVT42(c *suite.C) error {
	e := newEnv(c)
	s, err := e.connect("member", newTenant("evt4").Member)
	if err != nil {
		return err
	}
	_ = s.Emit("video:unsubscribe", 42)
	_ = s.Emit("video:subscribe", map[string]any{})
	_ = s.Emit("video:subscribe")
	if err := e.barrier(s); err != nil {
		return suite.Violationf("the socket still connected", "%v", err)
	}
	for _, r := range s.Packets() {
		if r.Err == nil && (r.Packet.Type == codec.SIOAck || r.IsEvent()) {
			return suite.Violationf("nothing in answer to events without ack ids", "%s", clip(r.Frame, 200))
		}
	}
	return e.stillConnected(s)
}

func runEVT43(c *suite.C) error {
	w, e, s, err := memberOfA(c)
	if err != nil {
		return err
	}
	own := w.videosOf("A")[0].id
	args, err := e.ack(s, "video:subscribe", own, "extra", 1)
	if err != nil {
		return err
	}
	if v, ok := ackVideo(args); !ok || v.ID != own {
		return suite.Violationf(`{"ok":true,"video":…} despite extra arguments`, "%s", clip(rawArgs(args), 300))
	}
	args, err = e.ack(s, "video:unsubscribe", own, map[string]any{})
	if err != nil {
		return err
	}
	if rawArgs(args) != `[{"ok":true}]` {
		return suite.Violationf(`{"ok":true} despite extra arguments`, "%s", rawArgs(args))
	}
	return nil
}

func runEVT5(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	e := newEnv(c)
	sender, err := e.connect("A-admin", w.A.Admin)
	if err != nil {
		return err
	}
	peer, err := e.connect("A-member", w.A.Member, polling)
	if err != nil {
		return err
	}
	other, err := e.connect("B-member", w.B.Member)
	if err != nil {
		return err
	}
	v := w.video("pattern.mp4")
	mark := "forged by the harness " + jwtmint.RandomID("")
	now := time.Now().UTC().Format(time.RFC3339)
	forged := map[string]map[string]any{
		"video:progress":        {"videoId": v.id, "progress": 40, "stage": "thumbnail", "note": mark},
		"video:processed":       {"videoId": v.id, "status": "completed", "metadata": nil, "thumbnail": nil, "sensitivity": nil, "note": mark},
		"video:failed":          {"videoId": v.id, "error": mark},
		"notification:personal": {"kind": "video:ready", "videoId": v.id, "message": mark},
		"server:announcement":   {"message": "Free pizza, " + mark, "from": w.A.Admin.UserID, "at": now},
		"session:expired":       {"message": "Token expired", "note": mark},
	}
	for name, payload := range forged {
		_ = sender.Emit(name, payload)
		_, _ = emitRaw(sender, name, payload)
	}
	if err := e.barrier(sender, peer, other); err != nil {
		return err
	}
	for _, s := range []*sioclient.Socket{sender, peer, other} {
		if ev := s.Events(); len(ev) > 0 {
			return suite.Violationf("no socket receives a client's forged server event", "%s received %s", s.Name(), clip(ev[0].Frame, 300))
		}
	}
	resp, err := e.get("/api/videos/"+v.id, e.token(w.A.Admin))
	if err != nil {
		return err
	}
	after, _ := parseVideo(resp.Body)
	if resp.Status != 200 || withoutStreamURL(after) != withoutStreamURL(v.final) {
		return suite.Violationf("the video's state unchanged", "%s", resp.Summary())
	}
	return nil
}
