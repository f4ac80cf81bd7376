package contract

import (
	"fmt"
	"strings"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/setcheck"
	"socketlab/conformance/internal/suite"
)

const (
	reqROOM1 = `"On connect the socket MUST join <organizationId>, so that every socket of an organization receives the processing events (§6) of all its videos without subscribing."`
	reqROOM2 = `"On connect the socket MUST join user:<userId>, so that each of a user's sockets (tabs, devices) receives that user's notifications (§7)."`
	reqROOM3 = `"When the video exists and belongs to the socket's organization, the server MUST join the socket to video:<id> and acknowledge {"ok":true,"video":<video JSON>} (§10) with the state at the time of the ack. Subscribing twice is harmless (one membership, no duplicate delivery)."`
	reqROOM4 = `"For another organization's video, an id naming no video, and a malformed argument (missing, not a string, empty, absurdly long, an object), the ack MUST be exactly {"ok":false,"error":"Video not found"}, identical in every case, and the socket joins nothing. Without an ack id, the same decision is taken silently."`
	reqROOM5 = `"With a string id, the server MUST leave video:<id> and acknowledge {"ok":true}, subscribed or not (so the answer reveals nothing). A non-string argument is a validation failure (EVT-4). The organization and user rooms stay."`
	reqROOM6 = `"No client event may put a socket in a room the client names; a socket only ever joins the rooms listed above."`
	reqROOM7 = `"Whatever the client sends, a socket MUST NOT receive video:progress, video:processed, video:failed or notification:personal about another organization's video. Only server:announcement (ANN-4) crosses organizations."`
)

const notFoundAck = `[{"ok":false,"error":"Video not found"}]`

func roomSpecs() []spec {
	return []spec{
		{id: "ROOM-1", clause: "ROOM-1", level: suite.LevelRooms, strength: suite.Must, title: "Members receive their organization's processing events", req: reqROOM1, world: true,
			steps: []string{"shared run: a member of A and a member of B connect and never subscribe", "A and B upload videos",
				"each member receives every video event of its organization's videos, once"},
			run: runROOM1},
		{id: "ROOM-2", clause: "ROOM-2", level: suite.LevelRooms, strength: suite.Must, title: "Every socket of the uploader gets its notifications", req: reqROOM2, world: true,
			steps: []string{"shared run: A's admin has a WebSocket and a polling socket (and three official clients)", "A's admin uploads four videos",
				"each of the admin's sockets receives one notification:personal per video"},
			run: runROOM2},
		{id: "ROOM-3", clause: "ROOM-3", level: suite.LevelRooms, strength: suite.Must, title: "video:subscribe acknowledges the video's current state", req: reqROOM3, world: true,
			steps: []string{"shared run: a member of A subscribes to each of A's videos right after its 201, and again after every event it receives",
				`each ack is {"ok":true,"video":<video JSON of that video>}`, "the member receives each event once despite the repeated subscriptions"},
			run: runROOM3},
		{id: "ROOM-4.1", clause: "ROOM-4", level: suite.LevelRooms, strength: suite.Must, title: "Another organization's video, during processing", req: reqROOM4, world: true,
			steps: []string{"shared run: a member of B subscribes to each of A's videos right after its 201 (with and without an ack), and to room names",
				`every ack is exactly {"ok":false,"error":"Video not found"}`},
			run: runROOM41},
		{id: "ROOM-4.2", clause: "ROOM-4", level: suite.LevelRooms, strength: suite.Must, title: "Foreign, unknown and malformed ids: one identical answer", req: reqROOM4, world: true,
			steps: []string{"a member of A subscribes to: B's video, an unknown id, no argument, 42, \"\", a 10 000-character string, {\"$ne\":null}, [id], null, true",
				`every ack is byte-identical: [{"ok":false,"error":"Video not found"}]`},
			run: runROOM42},
		{id: "ROOM-4.3", clause: "ROOM-4", level: suite.LevelRooms, strength: suite.Must, title: "Refused subscriptions without an ack join nothing", req: reqROOM4, world: true,
			steps: []string{"shared run: B's attacker emits video:subscribe for A's videos without an ack id", "it receives no packet but the acks it asked for, and nothing about A's videos"},
			run:   runROOM43},
		{id: "ROOM-5.1", clause: "ROOM-5", level: suite.LevelRooms, strength: suite.Must, title: "Unsubscribing never leaves the organization or user room", req: reqROOM5, world: true,
			steps: []string{"shared run: A's admin (polling) emits video:unsubscribe with its organization id, user:<its id>, then each video id",
				`every ack is {"ok":true}`, "it still receives every event and notification"},
			run: runROOM51},
		{id: "ROOM-5.2", clause: "ROOM-5", level: suite.LevelRooms, strength: suite.Must, title: "The unsubscribe answer reveals nothing", req: reqROOM5, world: true,
			steps: []string{"a member of A unsubscribes from: its own video (subscribed), its own video again (not subscribed), B's video, an unknown id",
				`every ack is byte-identical: [{"ok":true}]`},
			run: runROOM52},
		{id: "ROOM-6", clause: "ROOM-6", level: suite.LevelRooms, strength: suite.Must, title: "No room is joined by name", req: reqROOM6, world: true,
			steps: []string{"shared run: B's attacker emits join, room:join, joinRoom, subscribe, rooms:join with A's organization id, user:<A's admin>, video:<id>, video:*",
				"a member of A does the same with user:<A's admin>", "video:subscribe with those names is refused",
				"neither receives what those rooms receive"},
			run: runROOM6},
		{id: "ROOM-7.1", clause: "ROOM-7", level: suite.LevelRooms, strength: suite.Must, title: "Two-tenant adversarial run: lost, unexpected, duplicated all 0", req: reqROOM7, world: true,
			steps: []string{"shared run: two organizations, eight sockets and three official clients recording everything, uploads in both, attacks from B",
				"for each socket: expected = every video event of its organization's videos + the notifications of the videos its user uploaded",
				"received vs expected as multisets: lost, unexpected and duplicated must all be 0"},
			run: runROOM71},
		{id: "ROOM-7.2", clause: "ROOM-7", level: suite.LevelRooms, strength: suite.Must, title: "No packet names another organization's video", req: reqROOM7, world: true,
			steps: []string{"shared run: search every packet each socket received for the other organization's video ids", "no match"},
			run:   runROOM72},
	}
}

// sameKeys compares what a socket received about its videos with the
// expected keys: each once.
func sameKeys(expected, received []string) setcheck.Report {
	return setcheck.Compare(expected, received)
}

func runROOM1(c *suite.C) error {
	w, err := getWorld(c, "A-member/ws", "B-member/polling")
	if err != nil {
		return err
	}
	for _, s := range []*worldSocket{w.sock("A-member/ws"), w.sock("B-member/polling")} {
		var want, got []string
		for _, v := range w.videosOf(s.tenant) {
			want = append(want, w.keysAbout(s.tenant, v.id, false, "")...)
			got = append(got, sequence(s.s.Events(), v.id)...)
		}
		if len(want) == 0 {
			return suite.Violationf("video events for the organization's uploads", "no socket of %s received any", s.tenant)
		}
		if rep := sameKeys(want, got); !rep.Clean() {
			return suite.Violationf("every video event of the organization, once, without subscribing", "%s: %s", s.name, rep)
		}
	}
	return nil
}

func runROOM2(c *suite.C) error {
	w, err := getWorld(c, "A-admin", "B-admin")
	if err != nil {
		return err
	}
	for _, s := range w.live() {
		if s.id != w.A.Admin && s.id != w.B.Admin {
			continue
		}
		var want, got []string
		for _, v := range w.videosOf(s.tenant) {
			want = append(want, w.keysAbout(s.tenant, v.id, true, s.id.UserID)...)
		}
		for _, k := range w.receivedBy(s) {
			if strings.HasPrefix(k, "notification:personal ") {
				got = append(got, k)
			}
		}
		if len(want) == 0 {
			return suite.Violationf("notification:personal for the uploader's videos", "none received by any socket of %s", s.id.UserID)
		}
		if rep := sameKeys(want, got); !rep.Clean() {
			return suite.Violationf("each of the uploader's sockets gets each notification once", "%s: %s", s.name, rep)
		}
	}
	if w.official != nil {
		for _, name := range []string{"polling", "websocket", "default"} {
			var want, got []string
			for _, v := range w.videosOf("A") {
				want = append(want, w.keysAbout("A", v.id, true, w.A.Admin.UserID)...)
			}
			for _, k := range w.officialKeys(name) {
				if strings.HasPrefix(k, "notification:personal ") {
					got = append(got, k)
				}
			}
			if rep := sameKeys(want, got); !rep.Clean() {
				return suite.Violationf("each of the uploader's sockets gets each notification once", "official client %s: %s", name, rep)
			}
		}
	}
	return nil
}

func runROOM3(c *suite.C) error {
	w, err := getWorld(c, "A-member/subscriber")
	if err != nil {
		return err
	}
	w.mu.Lock()
	acks := append([]ackObs(nil), w.subAcks...)
	w.mu.Unlock()
	if len(acks) == 0 {
		return fmt.Errorf("the shared run made no subscription")
	}
	for _, a := range acks {
		if a.err != nil {
			return suite.Violationf("an ack for video:subscribe", "%s: %v", a.label, a.err)
		}
		v, ok := ackVideo(a.args)
		if !ok || len(a.args) != 1 {
			return suite.Violationf(`{"ok":true,"video":<video JSON>}`, "subscribe %s: %s", a.label, clip(rawArgs(a.args), 300))
		}
		if v.ID != a.label {
			return suite.Violationf("the video JSON of the subscribed video", "subscribe %s acked video %q", a.label, v.ID)
		}
		if err := checkVideoShape(v); err != nil {
			return suite.Violationf("a video JSON (VID-1) in the ack", "%v", err)
		}
	}
	// Repeated subscriptions (one per event received) must not duplicate.
	sub := w.sock("A-member/subscriber")
	rep := sameKeys(w.expectedFor("A", sub.id.UserID), w.receivedBy(sub))
	if !rep.Clean() {
		return suite.Violationf("each event once although subscribed repeatedly", "%s", rep)
	}
	c.Measure("subscriptions", len(acks))
	return nil
}

func runROOM41(c *suite.C) error {
	w, err := getWorld(c, "B-member/attacker", "A-member/ws")
	if err != nil {
		return err
	}
	w.mu.Lock()
	acks := append([]ackObs(nil), w.attackAcks...)
	w.mu.Unlock()
	for _, a := range acks {
		if a.err != nil {
			return suite.Violationf("an ack for every video:subscribe with an ack id", "%s %s: %v", a.socket, a.label, a.err)
		}
		if got := rawArgs(a.args); got != notFoundAck && !isNotFound(a.args) {
			return suite.Violationf(notFoundAck, "%s subscribing to %s: %s", a.socket, a.label, clip(got, 300))
		}
	}
	if err := identicalAcks(acks); err != nil {
		return err
	}
	c.Measure("refusals", len(acks))
	return nil
}

// identicalAcks checks that refusals are byte-identical.
func identicalAcks(acks []ackObs) error {
	for _, a := range acks[1:] {
		if rawArgs(a.args) != rawArgs(acks[0].args) {
			return suite.Violationf("byte-identical refusals", "%s: %s but %s: %s", acks[0].label, rawArgs(acks[0].args), a.label, rawArgs(a.args))
		}
	}
	return nil
}

func runROOM42(c *suite.C) error {
	w, e, s, err := memberOfA(c)
	if err != nil {
		return err
	}
	probes := []struct {
		label string
		args  []any
	}{
		{"B's video", []any{w.videosOf("B")[0].id}},
		{"an unknown id", []any{jwtmint.RandomID("66a1f0c2e4b0")}},
		{"no argument", nil},
		{"42", []any{42}},
		{`""`, []any{""}},
		{"a 10000-character string", []any{strings.Repeat("a", 10000)}},
		{`{"$ne":null}`, []any{map[string]any{"$ne": nil}}},
		{"[id]", []any{[]any{w.videosOf("A")[0].id}}},
		{"null", []any{nil}},
		{"true", []any{true}},
		{"user:<A's admin>", []any{"user:" + w.A.Admin.UserID}},
	}
	var acks []ackObs
	for _, p := range probes {
		args, err := e.ack(s, "video:subscribe", p.args...)
		if err != nil {
			return suite.Violationf("an ack for video:subscribe("+p.label+")", "%v", err)
		}
		if got := rawArgs(args); got != notFoundAck && !isNotFound(args) {
			return suite.Violationf(notFoundAck, "subscribe %s: %s", p.label, clip(got, 300))
		}
		acks = append(acks, ackObs{label: p.label, args: args})
	}
	return identicalAcks(acks)
}

func runROOM43(c *suite.C) error {
	w, err := getWorld(c, "B-member/attacker")
	if err != nil {
		return err
	}
	a := w.attacker()
	asked := 0
	w.mu.Lock()
	for _, x := range w.attackAcks {
		if x.socket == a.name {
			asked++
		}
	}
	w.mu.Unlock()
	acks := 0
	ids := w.worldIDs()
	for _, r := range a.s.Packets() {
		if r.Err == nil && r.Packet.ID != nil && r.Event == "" {
			acks++
		}
		if r.IsEvent() && ids[videoIDOf(r)] == "A" {
			return suite.Violationf("nothing about A's videos", "%s", clip(r.Frame, 300))
		}
	}
	if acks != asked {
		return suite.Violationf(fmt.Sprintf("%d acks (one per ack id, none for the silent attempts)", asked), "%d acks", acks)
	}
	return nil
}

func runROOM51(c *suite.C) error {
	w, err := getWorld(c, "A-admin/polling")
	if err != nil {
		return err
	}
	w.mu.Lock()
	acks := append([]ackObs(nil), w.unsubAcks...)
	w.mu.Unlock()
	for _, a := range acks {
		if a.err != nil || rawArgs(a.args) != `[{"ok":true}]` {
			return suite.Violationf(`[{"ok":true}] for video:unsubscribe with a string`, "%s: %s %v", a.label, rawArgs(a.args), a.err)
		}
	}
	s := w.sock("A-admin/polling")
	if rep := sameKeys(w.expectedFor("A", s.id.UserID), w.receivedBy(s)); !rep.Clean() {
		return suite.Violationf("the organization and user rooms stay: every event and notification still received", "%s", rep)
	}
	return nil
}

func runROOM52(c *suite.C) error {
	w, e, s, err := memberOfA(c)
	if err != nil {
		return err
	}
	own := w.videosOf("A")[0].id
	if args, err := e.ack(s, "video:subscribe", own); err != nil {
		return err
	} else if _, ok := ackVideo(args); !ok {
		return suite.Violationf(`{"ok":true,…} for the socket's own video (ROOM-3)`, "%s", clip(rawArgs(args), 300))
	}
	var acks []ackObs
	for _, p := range []struct{ label, id string }{{"own video, subscribed", own}, {"own video, not subscribed", own},
		{"B's video", w.videosOf("B")[0].id}, {"an unknown id", jwtmint.RandomID("66a1f0c2e4b0")}} {
		args, err := e.ack(s, "video:unsubscribe", p.id)
		if err != nil {
			return suite.Violationf("an ack for video:unsubscribe", "%s: %v", p.label, err)
		}
		if rawArgs(args) != `[{"ok":true}]` {
			return suite.Violationf(`[{"ok":true}]`, "%s: %s", p.label, rawArgs(args))
		}
		acks = append(acks, ackObs{label: p.label, args: args})
	}
	return identicalAcks(acks)
}

func runROOM6(c *suite.C) error {
	w, err := getWorld(c, "B-member/attacker", "A-member/ws")
	if err != nil {
		return err
	}
	ids := w.worldIDs()
	for _, s := range []*worldSocket{w.attacker(), w.sock("A-member/ws")} {
		for _, r := range s.s.Events() {
			switch {
			case isVideoEvent(r) && ids[videoIDOf(r)] != s.tenant:
				return suite.Violationf("no event of a room joined by name", "%s received %s", s.name, clip(r.Frame, 300))
			case r.Event == "notification:personal":
				return suite.Violationf("no notification of user:<A's admin> after joining it by name", "%s received %s", s.name, clip(r.Frame, 300))
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, a := range w.attackAcks {
		if !isNotFound(a.args) {
			return suite.Violationf(notFoundAck+" for a room name", "%s subscribing to %s: %s", a.socket, a.label, rawArgs(a.args))
		}
	}
	return nil
}

func runROOM71(c *suite.C) error {
	w, err := getWorld(c, "A-admin", "A-member", "B-admin", "B-member", "official")
	if err != nil {
		return err
	}
	var total setcheck.Report
	var bad []string
	for _, s := range w.live() {
		rep := setcheck.Compare(w.expectedFor(s.tenant, s.id.UserID), w.receivedBy(s))
		c.Measure(s.name, rep.String())
		total = total.Add(rep)
		if !rep.Clean() {
			bad = append(bad, s.name+": "+rep.String())
		}
	}
	if w.official != nil {
		for _, name := range []string{"polling", "websocket", "default"} {
			rep := setcheck.Compare(w.expectedFor("A", w.A.Admin.UserID), w.officialKeys(name))
			c.Measure("official "+name, rep.String())
			total = total.Add(rep)
			if !rep.Clean() {
				bad = append(bad, "official "+name+": "+rep.String())
			}
		}
	}
	c.Measure("total", total.String())
	if len(bad) > 0 {
		return suite.Violationf("lost 0, unexpected 0, duplicated 0 on every socket", "%s", clip(strings.Join(bad, " | "), 2000))
	}
	if total.Expected == 0 {
		return fmt.Errorf("the shared run expected no event at all")
	}
	return nil
}

func runROOM72(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	foreign := map[string][]string{}
	for _, v := range w.videos {
		other := map[string]string{"A": "B", "B": "A"}[v.tenant]
		foreign[other] = append(foreign[other], v.id)
	}
	sockets := append(w.live(), w.socks...)
	for _, s := range sockets {
		for _, r := range s.s.Packets() {
			for _, id := range foreign[s.tenant] {
				if strings.Contains(r.Frame, id) {
					return suite.Violationf("no packet naming another organization's video", "%s received %s", s.name, clip(r.Frame, 300))
				}
			}
		}
	}
	return nil
}
