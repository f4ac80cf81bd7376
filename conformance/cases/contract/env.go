package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wirelog"
)

// env is what a contract case works with: the minter of the run's secret,
// a REST client and socket dialling, all recording into the case's log.
type env struct {
	c    *suite.C
	mint *jwtmint.Minter
	api  *rest.Client
	log  *wirelog.Log
	base string
}

func newEnv(c *suite.C) *env {
	return &env{c: c, mint: jwtmint.New(c.Cfg.Secret), api: rest.New(c.Cfg.Target, c.Log), log: c.Log, base: c.Cfg.Target}
}

// tenant is one fresh organization with an admin and a member.
type tenant struct {
	Org    string
	Admin  jwtmint.Identity
	Member jwtmint.Identity
}

// newTenant makes a fresh organization: the contract (AUTH-8) requires
// the app to accept identities it has never seen.
func newTenant(label string) tenant {
	org := jwtmint.RandomID("org-" + label + "-")
	return tenant{Org: org,
		Admin:  jwtmint.Identity{UserID: jwtmint.RandomID("u-admin-"), OrgID: org, Role: jwtmint.Admin},
		Member: jwtmint.Identity{UserID: jwtmint.RandomID("u-member-"), OrgID: org, Role: jwtmint.Member}}
}

// tokenTTL is the life of the harness's ordinary tokens: long enough for
// any case, far from every boundary.
const tokenTTL = time.Hour

func (e *env) token(id jwtmint.Identity) string { return e.mint.Token(id, tokenTTL) }

// auth is the CONNECT payload carrying tok.
func auth(tok string) map[string]any { return map[string]any{"token": tok} }

// dial connects a socket with auth and closes it when the case ends.
func (e *env) dial(name string, authPayload any, opts ...func(*sioclient.Options)) (*sioclient.Socket, error) {
	o := sioclient.Options{Log: e.log, Name: name}
	for _, f := range opts {
		f(&o)
	}
	ctx, cancel := e.c.Within(e.replyWait())
	defer cancel()
	s, err := sioclient.Dial(ctx, e.base, authPayload, o)
	if s != nil {
		e.c.Cleanup(s.Close)
	}
	return s, err
}

// connect dials a socket that the case expects to be accepted: a refusal
// is the target's fault (a violation of AUTH-8, the contract's premise),
// anything else the harness's.
func (e *env) connect(name string, id jwtmint.Identity, opts ...func(*sioclient.Options)) (*sioclient.Socket, error) {
	s, err := e.dial(name, auth(e.token(id)), opts...)
	var refused *sioclient.ConnectError
	if errors.As(err, &refused) {
		return nil, suite.Violationf("a valid token of a fresh identity accepted (AUTH-8)", "%s refused: %s", name, refused.Raw)
	}
	return s, err
}

func polling(o *sioclient.Options) { o.Transport = sioclient.Polling }

// pollingIf pins polling when on, else leaves the default (WebSocket).
func pollingIf(on bool) func(*sioclient.Options) {
	return func(o *sioclient.Options) {
		if on {
			o.Transport = sioclient.Polling
		}
	}
}

// replyWait bounds the wait for one answer of the app (a CONNECT reply, an
// ack, an HTTP answer): a heartbeat of the app, the longest a healthy
// peer stays silent.
func (e *env) replyWait() time.Duration {
	if hb := e.c.Heartbeat(); hb > 0 {
		return hb
	}
	return 45 * time.Second
}

// within returns a context for one answer.
func (e *env) within() (context.Context, context.CancelFunc) { return e.c.Within(e.replyWait()) }

// ack emits event with args and an ack id and returns the ack's arguments.
func (e *env) ack(s *sioclient.Socket, event string, args ...any) ([]json.RawMessage, error) {
	ctx, cancel := e.within()
	defer cancel()
	return s.EmitWithAck(ctx, event, args...)
}

// barrier waits until s has received everything the server sent it before
// reading the barrier's CONNECT (see sioclient.Socket.Barrier).
func (e *env) barrier(s ...*sioclient.Socket) error {
	ctx, cancel := e.within()
	defer cancel()
	for _, x := range s {
		if err := x.Barrier(ctx); err != nil {
			return fmt.Errorf("barrier on %s: %w", x.Name(), err)
		}
	}
	return nil
}

// fixture is the path of a testdata file.
func (e *env) fixture(name string) string { return filepath.Join(e.c.Cfg.Fixtures, name) }

// upload posts a fixture (or data) for id and decodes the 201's video.
func (e *env) upload(id jwtmint.Identity, u rest.Upload) (*rest.Response, video, error) {
	ctx, cancel := e.within()
	defer cancel()
	resp, err := e.api.Upload(ctx, e.token(id), u)
	if err != nil {
		return nil, video{}, err
	}
	if resp.Status != 201 {
		return resp, video{}, suite.Violationf("201 for a valid upload (REST-3)", "%s", resp.Summary())
	}
	v, err := parseVideo(resp.Body)
	if err != nil {
		return resp, v, suite.Violationf("the video JSON in the 201 (REST-3)", "%v: %s", err, resp.Summary())
	}
	return resp, v, nil
}

// get is an authenticated GET.
func (e *env) get(path, tok string, header ...string) (*rest.Response, error) {
	ctx, cancel := e.within()
	defer cancel()
	return e.api.Get(ctx, path, tok, header...)
}

// eventsNamed returns the events of s called one of names.
func eventsNamed(s *sioclient.Socket, names ...string) []sioclient.Received {
	var out []sioclient.Received
	for _, r := range s.Events() {
		for _, n := range names {
			if r.Event == n {
				out = append(out, r)
			}
		}
	}
	return out
}

// appEvents are the server events of contract §1.
var appEvents = []string{"video:progress", "video:processed", "video:failed", "notification:personal", "server:announcement", "session:expired"}

// videoEvents are the events of §6.
var videoEvents = []string{"video:progress", "video:processed", "video:failed"}

// isConnectReply reports whether r answers a CONNECT to "/".
func isConnectReply(r sioclient.Received) bool {
	return r.Err == nil && r.Packet.Namespace == "/" && (r.Packet.Type == codec.SIOConnect || r.Packet.Type == codec.SIOConnectError)
}

// objectArg decodes a received event's first argument as a JSON object.
func objectArg(r sioclient.Received) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if len(r.Args) == 0 || json.Unmarshal(r.Args[0], &m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

// str decodes a JSON string member; ok is false when absent or not a string.
func str(m map[string]json.RawMessage, key string) (string, bool) {
	var s string
	raw, present := m[key]
	if !present || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// videoIDOf returns the videoId of a received app event.
func videoIDOf(r sioclient.Received) string {
	m, _ := objectArg(r)
	id, _ := str(m, "videoId")
	return id
}

// clip shortens a text for a verdict.
func clip(s string, n int) string {
	s = wirelog.Redact(s)
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
