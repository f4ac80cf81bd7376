package contract

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/setcheck"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

const (
	reqANN1 = `"POST /api/announcements by a member MUST get 403 {"error":…}, and nothing is broadcast."`
	reqANN2 = `"The body MUST be a JSON object whose message is a string of 1 to 1000 Unicode code points (not UTF-16 units, not bytes; not trimmed). Invalid JSON, no message, a non-string, "" or 1001 code points MUST get 400 {"error":…}, and nothing is broadcast."`
	reqANN3 = `"A valid request MUST be answered 202 with the announcement exactly as emitted."`
	reqANN4 = `"server:announcement {"message","from","at"} MUST reach every socket connected to / when the request is handled, in every organization, once each (the poster's included): message verbatim, from the poster's userId, at the request time (the harness allows 10 s against its clock). It is not kept for later connections."`
)

func annSpecs() []spec {
	return []spec{
		{id: "ANN-1", clause: "ANN-1", level: suite.LevelEvents, strength: suite.Must, title: "Members cannot announce", req: reqANN1,
			steps: []string{"sockets: the member, an admin of the same organization, a member of another", `→ POST /api/announcements as the member {"message":…}: ← 403 {"error":…}`,
				"the admin then posts a valid one (a barrier): every socket receives the admin's and not the member's"},
			run: runANN1},
		{id: "ANN-2.1", clause: "ANN-2", level: suite.LevelEvents, strength: suite.Must, title: "Invalid bodies: 400, nothing broadcast", req: reqANN2,
			steps: []string{"as an admin: invalid JSON, {}, message 42, null, \"\", 1001 emoji, 1001 ASCII characters, a JSON array, a JSON string",
				`each ← 400 {"error":…}`, "a valid announcement afterwards (a barrier): it is the only one received"},
			run: runANN21},
		{id: "ANN-2.2", clause: "ANN-2", level: suite.LevelEvents, strength: suite.Must, title: "1 to 1000 code points, verbatim", req: reqANN2,
			steps: []string{"as an admin: \"x\", 1000 ASCII characters, 1000 emoji (2000 UTF-16 units, 4000 bytes), \"  padded  \", a line break and quotes",
				"each ← 202 and received verbatim (not trimmed)"},
			run: runANN22},
		{id: "ANN-3", clause: "ANN-3", level: suite.LevelEvents, strength: suite.Must, title: "202 with the announcement exactly as emitted", req: reqANN3,
			steps: []string{`→ POST /api/announcements {"message":"Maintenance at 22:00 UTC …"}, 100 times`, `← 202 {"message","from","at"}`, "each body equals the server:announcement payload received, member for member"},
			run:   runANN3},
		{id: "ANN-4", clause: "ANN-4", level: suite.LevelEvents, strength: suite.Must, title: "Every connected socket, once, in every organization", req: reqANN4,
			steps: []string{"sockets: the poster (WebSocket and polling), a member, two members of another organization",
				"the admin posts one announcement", "each socket receives it once: message verbatim, from = the poster, at within 10 s of the harness clock",
				"a socket connecting afterwards does not receive it"},
			run: runANN4},
	}
}

// annSockets connects the usual audience: the admin, a member of the same
// organization and a member of another.
func annSockets(e *env) (tenant, []*sioclient.Socket, error) {
	t, o := newTenant("ann"), newTenant("ann-other")
	var out []*sioclient.Socket
	for _, x := range []struct {
		name string
		id   jwtmint.Identity
	}{{"admin", t.Admin}, {"member", t.Member}, {"other-org", o.Member}} {
		s, err := e.connect(x.name, x.id)
		if err != nil {
			return t, nil, err
		}
		out = append(out, s)
	}
	return t, out, nil
}

// announcementsOn returns the messages of the announcements s received.
func announcementsOn(s *sioclient.Socket) []string {
	var out []string
	for _, r := range eventsNamed(s, "server:announcement") {
		if m, ok := objectArg(r); ok {
			msg, _ := str(m, "message")
			out = append(out, msg)
		}
	}
	return out
}

// postAndWait posts message as poster and waits until every socket has it.
func (e *env) postAndWait(poster jwtmint.Identity, message string, socks []*sioclient.Socket) (*rest.Response, error) {
	ctx, cancel := e.within()
	defer cancel()
	resp, err := e.api.PostJSON(ctx, "/api/announcements", e.token(poster), map[string]any{"message": message})
	if err != nil {
		return nil, err
	}
	if resp.Status != 202 {
		return resp, suite.Violationf("202 for a valid announcement", "%s", resp.Summary())
	}
	for _, s := range socks {
		if _, err := s.Wait(ctx, sioclient.EventNamed("server:announcement", sioclient.Member("message", message))); err != nil {
			return resp, suite.Violationf("every connected socket receives the announcement", "%s did not: %v", s.Name(), err)
		}
	}
	return resp, nil
}

func runANN1(c *suite.C) error {
	e := newEnv(c)
	t, socks, err := annSockets(e)
	if err != nil {
		return err
	}
	ctx, cancel := e.within()
	defer cancel()
	bad := "from a member " + jwtmint.RandomID("")
	resp, err := e.api.PostJSON(ctx, "/api/announcements", e.token(t.Member), map[string]any{"message": bad})
	if err != nil {
		return err
	}
	if _, ok := resp.ErrorBody(); resp.Status != 403 || !ok {
		return suite.Violationf(`403 {"error":…}`, "%s", resp.Summary())
	}
	if _, err := e.postAndWait(t.Admin, "barrier "+jwtmint.RandomID(""), socks); err != nil {
		return err
	}
	for _, s := range socks {
		for _, m := range announcementsOn(s) {
			if m == bad {
				return suite.Violationf("nothing broadcast for a member", "%s received the member's announcement", s.Name())
			}
		}
	}
	return nil
}

func runANN21(c *suite.C) error {
	e := newEnv(c)
	t, socks, err := annSockets(e)
	if err != nil {
		return err
	}
	bodies := []struct{ label, body string }{
		{"invalid JSON", `{"message":`},
		{"no message", `{}`},
		{"message 42", `{"message":42}`},
		{"message null", `{"message":null}`},
		{"message \"\"", `{"message":""}`},
		{"1001 emoji", `{"message":"` + strings.Repeat("😀", 1001) + `"}`},
		{"1001 ASCII characters", `{"message":"` + strings.Repeat("a", 1001) + `"}`},
		{"a JSON array", `["hello"]`},
		{"a JSON string", `"hello"`},
		{"message as an object", `{"message":{"text":"hello"}}`},
	}
	ctx, cancel := e.within()
	defer cancel()
	for _, b := range bodies {
		resp, err := e.api.PostJSON(ctx, "/api/announcements", e.token(t.Admin), b.body)
		if err != nil {
			return err
		}
		if _, ok := resp.ErrorBody(); resp.Status != 400 || !ok {
			return suite.Violationf(`400 {"error":…} for `+b.label, "%s", resp.Summary())
		}
	}
	barrier := "barrier " + jwtmint.RandomID("")
	if _, err := e.postAndWait(t.Admin, barrier, socks); err != nil {
		return err
	}
	for _, s := range socks {
		if got := announcementsOn(s); len(got) != 1 {
			return suite.Violationf("only the valid announcement broadcast", "%s received %d: %q", s.Name(), len(got), clip(fmt.Sprint(got), 300))
		}
	}
	return nil
}

func runANN22(c *suite.C) error {
	e := newEnv(c)
	t, socks, err := annSockets(e)
	if err != nil {
		return err
	}
	for _, m := range []struct{ label, msg string }{
		{"one character", "x"},
		{"1000 ASCII characters", strings.Repeat("a", 999) + "z"},
		{"1000 emoji", strings.Repeat("😀", 1000)},
		{"surrounding spaces", "  padded " + jwtmint.RandomID("") + "  "},
		{"a line break and quotes", "line one\nline \"two\" " + jwtmint.RandomID("")},
	} {
		if _, err := e.postAndWait(t.Admin, m.msg, socks); err != nil {
			return fmt.Errorf("%s: %w", m.label, err)
		}
	}
	return nil
}

func runANN3(c *suite.C) error {
	e := newEnv(c)
	t, socks, err := annSockets(e)
	if err != nil {
		return err
	}
	// Several posts: "exactly as emitted" must hold for every request time,
	// including those whose milliseconds end in zeros.
	const posts = 100
	for i := range posts {
		msg := fmt.Sprintf("Maintenance at 22:00 UTC (%d) %s", i, jwtmint.RandomID(""))
		resp, err := e.postAndWait(t.Admin, msg, socks)
		if err != nil {
			return err
		}
		var body map[string]json.RawMessage
		if !resp.IsJSON() || resp.JSON(&body) != nil || body == nil {
			return suite.Violationf(`202 application/json {"message","from","at"}`, "%s", resp.Summary())
		}
		ev := eventsWith(socks[0], "server:announcement", "message", msg)
		if setcheck.Canonical(resp.Body) != setcheck.Canonical(ev[0].Args[0]) {
			return suite.Violationf("the 202 body exactly as emitted", "202 %s, emitted %s", resp.Body, ev[0].Args[0])
		}
	}
	c.Measure("announcements compared", posts)
	return nil
}

func runANN4(c *suite.C) error {
	e := newEnv(c)
	t, o := newTenant("ann4"), newTenant("ann4-other")
	var socks []*sioclient.Socket
	for _, x := range []struct {
		name string
		id   jwtmint.Identity
		poll bool
	}{{"poster/ws", t.Admin, false}, {"poster/polling", t.Admin, true}, {"member", t.Member, false}, {"other/ws", o.Member, false}, {"other/polling", o.Admin, true}} {
		s, err := e.connect(x.name, x.id, pollingIf(x.poll))
		if err != nil {
			return err
		}
		socks = append(socks, s)
	}
	msg := "to everyone " + jwtmint.RandomID("")
	posted := time.Now()
	if _, err := e.postAndWait(t.Admin, msg, socks); err != nil {
		return err
	}
	late, err := e.connect("late", o.Member)
	if err != nil {
		return err
	}
	if err := e.barrier(append(socks, late)...); err != nil {
		return err
	}
	for _, s := range socks {
		got := eventsWith(s, "server:announcement", "message", msg)
		if len(got) != 1 {
			return suite.Violationf("once on every socket", "%s received it %d times", s.Name(), len(got))
		}
		m, _ := objectArg(got[0])
		from, _ := str(m, "from")
		at, _ := str(m, "at")
		when, perr := time.Parse(time.RFC3339Nano, at)
		switch {
		case from != t.Admin.UserID:
			return suite.Violationf("from = the poster's userId "+t.Admin.UserID, "%s: from %q", s.Name(), from)
		case perr != nil || !strings.HasSuffix(at, "Z"):
			return suite.Violationf("at an RFC 3339 UTC time with Z", "%s: at %q", s.Name(), at)
		case when.Sub(posted).Abs() > 10*time.Second:
			return suite.Violationf("at within 10 s of the request", "%s: at %s, posted %s", s.Name(), at, posted.UTC().Format(time.RFC3339Nano))
		}
	}
	if got := announcementsOn(late); len(got) > 0 {
		return suite.Violationf("not kept for later connections", "a socket connected afterwards received %q", got)
	}
	return nil
}
