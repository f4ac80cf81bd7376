package contract

import (
	"encoding/json"
	"net/http"
	"net/url"

	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

const reqAUTH1 = `"The client sends the token as the string member token of the CONNECT auth payload, and the server MUST take it from there only: query parameters (token, access_token, …), headers and cookies of the Engine.IO requests are ignored, and the other members of the payload (pid, offset, §13) play no part in authentication."`

const reqAUTH2 = `"No CONNECT payload, no token member, or a token that is null or "" MUST be refused with Authentication required."`

// Contract §3, AUTH-1 and AUTH-2: where the token travels, and when it is
// missing.
func authConnectSpecs() []spec {
	misplaced := func(id, title, step string, opts func(tok string) func(*sioclient.Options)) spec {
		return spec{id: id, clause: "AUTH-1", level: suite.LevelAuth, strength: suite.Must, title: title, req: reqAUTH1,
			steps: []string{step, "→ 40 (no payload)", "← 44{\"message\":\"Authentication required\"}, not connected, no event"},
			run: func(c *suite.C) error {
				e := newEnv(c)
				tok := e.token(newTenant("auth1").Admin)
				return e.expectRefused(id, nil, msgAuthRequired, opts(tok))
			}}
	}
	missing := func(id, title string, payload any) spec {
		frame := "40"
		if payload != nil {
			b, _ := json.Marshal(payload)
			if raw, ok := payload.(json.RawMessage); ok {
				b = raw
			}
			frame += string(b)
		}
		return spec{id: id, clause: "AUTH-2", level: suite.LevelAuth, strength: suite.Must, title: title, req: reqAUTH2,
			steps: []string{"→ " + frame, "← 44{\"message\":\"Authentication required\"}, not connected, no event"},
			run: func(c *suite.C) error {
				return newEnv(c).expectRefused(id, payload, msgAuthRequired)
			}}
	}
	return []spec{
		misplaced("AUTH-1.1", "Token in the query string is ignored (WebSocket)", "GET /socket.io/?EIO=4&transport=websocket&token=<valid>&access_token=<valid>",
			func(tok string) func(*sioclient.Options) {
				return func(o *sioclient.Options) { o.Query = url.Values{"token": {tok}, "access_token": {tok}, "jwt": {tok}} }
			}),
		misplaced("AUTH-1.2", "Token in the query string is ignored (polling)", "GET /socket.io/?EIO=4&transport=polling&token=<valid>&access_token=<valid>",
			func(tok string) func(*sioclient.Options) {
				return func(o *sioclient.Options) {
					o.Transport = sioclient.Polling
					o.Query = url.Values{"token": {tok}, "access_token": {tok}, "jwt": {tok}}
				}
			}),
		misplaced("AUTH-1.3", "Token in headers and cookies is ignored", "Engine.IO requests with Authorization: Bearer <valid> and Cookie: token=<valid>; access_token=<valid>",
			func(tok string) func(*sioclient.Options) {
				return func(o *sioclient.Options) {
					o.Header = http.Header{"Authorization": {"Bearer " + tok}, "Cookie": {"token=" + tok + "; access_token=" + tok + "; jwt=" + tok}}
				}
			}),
		{id: "AUTH-1.4", clause: "AUTH-1", level: suite.LevelAuth, strength: suite.Must, title: "The token member of the CONNECT payload authenticates", req: reqAUTH1,
			steps: []string{"→ 40{\"token\":<valid>}: ← 40{\"sid\":…}", "→ 40{\"token\":<valid>,\"pid\":\"bogus\",\"offset\":\"bogus\"}: accepted too (pid and offset play no part)"},
			run: func(c *suite.C) error {
				e := newEnv(c)
				tok := e.token(newTenant("auth1").Member)
				if _, err := e.expectAccepted("plain", auth(tok), "a valid token in the payload"); err != nil {
					return err
				}
				_, err := e.expectAccepted("with-pid", map[string]any{"token": tok, "pid": "bogus-pid", "offset": "bogus-offset"}, "pid and offset play no part")
				return err
			}},
		{id: "AUTH-1.5", clause: "AUTH-1", level: suite.LevelAuth, strength: suite.Must, title: "pid and offset do not authenticate", req: reqAUTH1,
			steps: []string{"connect a valid socket and read its pid (when recovery is on)", "→ 40{\"pid\":<its pid>,\"offset\":\"x\"} (no token)", "← 44{\"message\":\"Authentication required\"}"},
			run: func(c *suite.C) error {
				e := newEnv(c)
				s, err := e.connect("valid", newTenant("auth1").Member)
				if err != nil {
					return err
				}
				pid := s.PID()
				if pid == "" {
					pid = "no-pid-offered"
				}
				return e.expectRefused("pid-only", map[string]any{"pid": pid, "offset": "x"}, msgAuthRequired)
			}},
		missing("AUTH-2.1", "No CONNECT payload", nil),
		missing("AUTH-2.2", "Empty CONNECT payload", map[string]any{}),
		missing("AUTH-2.3", "Empty token", map[string]any{"token": ""}),
		missing("AUTH-2.4", "Null token", json.RawMessage(`{"token":null}`)),
		{id: "AUTH-2.5", clause: "AUTH-2", level: suite.LevelAuth, strength: suite.Must, title: "Member names are case-sensitive: Token is no token", req: reqAUTH2,
			steps: []string{"→ 40{\"Token\":<valid>,\"access_token\":<valid>}", "← 44{\"message\":\"Authentication required\"}"},
			run: func(c *suite.C) error {
				e := newEnv(c)
				tok := e.token(newTenant("auth2").Member)
				return e.expectRefused("no-token-member", map[string]any{"Token": tok, "access_token": tok, "jwt": tok}, msgAuthRequired)
			}},
	}
}
