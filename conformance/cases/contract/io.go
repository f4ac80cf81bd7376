package contract

import (
	"errors"
	"fmt"
	"slices"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/setcheck"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

// io2Spec is registered after the other auth cases: it waits for the
// shared run, which processes its uploads meanwhile.
func io2Spec() []spec {
	return []spec{
		{id: "IO-2", clause: "IO-2", level: suite.LevelAuth, strength: suite.Must, title: "The official client works over every transport", world: true,
			req: `"The official socket.io-client 4.x MUST connect, authenticate, emit with acks and receive every event of §1 with no option but auth (and transports to pin one): over polling only, WebSocket only, and the default (polling, then upgrade)."`,
			steps: []string{"shared run: socket.io-client 4.8.4 (interop/node) connects as the uploader with transports [polling], [websocket] and the default, plus one with a token about to expire",
				"each emits video:subscribe with an ack for the first upload: {ok:true, video}",
				"each must receive the same video events, notifications and announcements as the harness's own socket of the same user",
				"the expiring one must receive session:expired whenever the harness's expiring socket does"},
			run: runIO2},
	}
}

// Contract §2, transport (IO).
func ioSpecs() []spec {
	return []spec{
		{id: "IO-1", clause: "IO-1", level: suite.LevelAuth, strength: suite.Must, title: "REST and Socket.IO under one base URL",
			req:   `"The REST API (/api/…) and Socket.IO MUST be served under one base URL (scheme, host, port), Socket.IO at the path /socket.io/."`,
			steps: []string{"GET /socket.io/?EIO=4&transport=polling: 200 and an open packet", "GET /api/videos without a token: 401 {\"error\":\"Authentication required\"}"},
			run:   runIO1},
		{id: "IO-3", clause: "IO-3", level: suite.LevelAuth, strength: suite.Must, title: "Main namespace only",
			req:   `"A CONNECT to any other namespace MUST be refused with socket.io's {"message":"Invalid namespace"}, deliver no app event and leave the connection open."`,
			steps: []string{"open an Engine.IO session", "→ 40/admin,{\"token\":<valid>} and → 40/videos,: each ← 44/<ns>,{\"message\":\"Invalid namespace\"}", "→ 40{\"token\":<valid>} on the same connection: connected"},
			run:   runIO3},
	}
}

func runIO1(c *suite.C) error {
	e := newEnv(c)
	resp, err := e.get("/socket.io/?EIO=4&transport=polling", "")
	if err != nil {
		return err
	}
	if resp.Status != 200 {
		return suite.Violationf("200 and an Engine.IO open packet at /socket.io/", "%s", resp.Summary())
	}
	packets, err := codec.DecodePayload(resp.Body)
	if err == nil && packets[0].Type == codec.EIOOpen {
		_, err = codec.DecodeOpen(packets[0].Data)
	} else if err == nil {
		err = fmt.Errorf("first packet is %s", packets[0].Type)
	}
	if err != nil {
		return suite.Violationf("an Engine.IO v4 open packet at /socket.io/", "%v in %s", err, resp.Summary())
	}
	api, err := e.get("/api/videos", "")
	if err != nil {
		return err
	}
	if msg, ok := api.ErrorBody(); api.Status != 401 || !ok || msg != "Authentication required" {
		return suite.Violationf(`GET /api/videos on the same base URL: 401 {"error":"Authentication required"}`, "%s", api.Summary())
	}
	return nil
}

func runIO3(c *suite.C) error {
	e := newEnv(c)
	t := newTenant("io3")
	s, err := e.dial("io3", nil, func(o *sioclient.Options) { o.NoConnect = true })
	if err != nil {
		return err
	}
	for _, ns := range []struct {
		name string
		auth any
	}{{"/admin", auth(e.token(t.Admin))}, {"/videos", nil}, {"/ADMIN", auth(e.token(t.Admin))}} {
		ctx, cancel := e.within()
		_, err := s.Connect(ctx, ns.name, ns.auth)
		cancel()
		var refused *sioclient.ConnectError
		switch {
		case err == nil:
			return suite.Violationf("CONNECT_ERROR {\"message\":\"Invalid namespace\"} for "+ns.name, "the namespace %s accepted the CONNECT", ns.name)
		case !errors.As(err, &refused):
			var closed *sioclient.ClosedError
			if errors.As(err, &closed) {
				return suite.Violationf("CONNECT_ERROR for "+ns.name+" and the connection left open", "the connection closed")
			}
			return err
		case !refused.HasMessage || refused.Message != "Invalid namespace":
			return suite.Violationf(`{"message":"Invalid namespace"} for `+ns.name, "%s", refused.Raw)
		}
	}
	ctx, cancel := e.within()
	defer cancel()
	if _, err := s.Connect(ctx, "/", auth(e.token(t.Admin))); err != nil {
		return suite.Violationf("the connection still open and usable after the refusals: CONNECT to / accepted", "%v", err)
	}
	if err := e.barrier(s); err != nil {
		return err
	}
	for _, r := range s.Packets() {
		if r.Err == nil && r.Packet.Namespace != "/" && r.Packet.Type != codec.SIOConnectError {
			return suite.Violationf("no app packet on a refused namespace", "%s", r.Frame)
		}
	}
	return nil
}

func runIO2(c *suite.C) error {
	w, err := getWorld(c, "official", "A-admin/ws", "A-member/expiring")
	if err != nil {
		return err
	}
	if w.officialErr != nil {
		if errors.Is(w.officialErr, errNoOfficialClient) {
			return suite.Skip("%v", w.officialErr)
		}
		return fmt.Errorf("starting the official client: %w", w.officialErr)
	}
	lines := w.official.snapshot()
	ref := w.sock("A-admin/ws").s
	first := w.video("pattern.mp4")
	// What the harness's socket of the same user received about the world.
	want := trackedKeys(ref.Events())
	for _, r := range ref.Events() {
		if r.Event == "server:announcement" {
			if m, _ := objectArg(r); m != nil {
				if msg, _ := str(m, "message"); msg == w.prelude || msg == w.barrier {
					want = append(want, eventKey(r))
				}
			}
		}
	}
	var failures []string
	for req, name := range []string{"polling", "websocket", "default"} {
		var connected, acked bool
		var got []string
		var transports []string
		for _, l := range lines {
			if l.Client != name {
				continue
			}
			switch l.Type {
			case "connect":
				connected = true
				transports = append(transports, "connect:"+l.Transport)
			case "upgrade":
				transports = append(transports, "upgrade:"+l.Transport)
			case "connect_error":
				failures = append(failures, fmt.Sprintf("%s: connect_error %q", name, l.Message))
			case "ack":
				if l.Req == req+1 && len(l.Res) > 0 {
					if v, ok := ackVideo(l.Res); ok && first != nil && v.ID == first.id {
						acked = true
					} else {
						failures = append(failures, fmt.Sprintf("%s: video:subscribe ack %s", name, clip(rawArgs(l.Res), 200)))
					}
				}
			case "event":
				if slices.Contains(tracked, l.Event) {
					got = append(got, lineKey(l))
				} else if l.Event == "server:announcement" && (lineMember(l, "message") == w.prelude || lineMember(l, "message") == w.barrier) {
					got = append(got, lineKey(l))
				}
			}
		}
		c.Measure(name+" transports", fmt.Sprint(transports))
		if !connected {
			failures = append(failures, name+": never connected")
			continue
		}
		if !acked {
			failures = append(failures, name+": no {ok:true, video} ack for video:subscribe")
		}
		if name == "polling" && slices.Contains(transports, "upgrade:websocket") {
			failures = append(failures, "polling: upgraded although pinned to polling")
		}
		if rep := setcheck.Compare(want, got); !rep.Clean() {
			failures = append(failures, fmt.Sprintf("%s: events differ from the harness's socket of the same user: %s", name, rep))
		}
	}
	// session:expired: what the harness's expiring socket got, the
	// official expiring client must get too.
	if w.shortS != nil && len(eventsNamed(w.shortS, "session:expired")) > 0 {
		ok := false
		for _, l := range lines {
			if l.Client == "expiring" && l.Type == "event" && l.Event == "session:expired" {
				ok = true
			}
		}
		if !ok {
			failures = append(failures, "expiring: no session:expired, which the harness's expiring socket received")
		}
	}
	if len(failures) > 0 {
		return suite.Violationf("the official client connects, acks and receives what a raw client receives", "%s", clip(fmt.Sprint(failures), 1500))
	}
	c.Measure("events compared per client", len(want))
	return nil
}
