package contract

import (
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/suite"
)

const reqAUTH9 = `"Every /api/ request except preflights (SEC-3) and signed media requests (STREAM-1) MUST authenticate with Authorization: Bearer <token> (scheme case-insensitive) under AUTH-3 to AUTH-7. No header, another scheme or empty credentials → 401 {"error":"Authentication required"}; any other failure → 401 {"error":"Invalid token"}. Tokens in the query string or in cookies are ignored."`

const reqAUTH10 = `"401 responses SHOULD carry WWW-Authenticate: Bearer (RFC 6750), with error="invalid_token" when a token was present but refused."`

// restAuthCase is one request of AUTH-9 and the answer it must get.
type restAuthCase struct {
	id, title, how string
	// request builds the request from a valid token of a fresh member.
	request func(m *jwtmint.Minter, valid string) rest.Request
	want    int    // expected status
	msg     string // expected error message ("" for a 200)
}

func authRESTSpecs() []spec {
	get := func(path string, header ...string) func(*jwtmint.Minter, string) rest.Request {
		return func(_ *jwtmint.Minter, valid string) rest.Request {
			h := http.Header{}
			for i := 0; i+1 < len(header); i += 2 {
				h.Set(header[i], strings.ReplaceAll(header[i+1], "<valid>", valid))
			}
			return rest.Request{Method: http.MethodGet, Path: strings.ReplaceAll(path, "<valid>", valid), Header: h}
		}
	}
	bearer := func(make func(*jwtmint.Minter) string) func(*jwtmint.Minter, string) rest.Request {
		return func(m *jwtmint.Minter, _ string) rest.Request {
			return rest.Request{Method: http.MethodGet, Path: "/api/videos", Header: http.Header{"Authorization": {"Bearer " + make(m)}}}
		}
	}
	noAuth := func(method, path string) func(*jwtmint.Minter, string) rest.Request {
		return func(*jwtmint.Minter, string) rest.Request {
			if method == http.MethodGet {
				return rest.Request{Method: method, Path: path}
			}
			return rest.Request{Method: method, Path: path, Header: http.Header{"Content-Type": {"application/json"}}, Body: strings.NewReader(`{"message":"x"}`)}
		}
	}
	cases := []restAuthCase{
		{"AUTH-9.1", "No Authorization header", "GET /api/videos", get("/api/videos"), 401, msgAuthRequired},
		{"AUTH-9.2", "Token in the query string", "GET /api/videos?token=<valid>&access_token=<valid>", get("/api/videos?token=<valid>&access_token=<valid>"), 401, msgAuthRequired},
		{"AUTH-9.3", "Token in cookies", "GET /api/videos, Cookie: token=<valid>; access_token=<valid>; jwt=<valid>",
			get("/api/videos", "Cookie", "token=<valid>; access_token=<valid>; jwt=<valid>"), 401, msgAuthRequired},
		{"AUTH-9.4", "Basic scheme", "Authorization: Basic <base64 of user:<valid>>", get("/api/videos", "Authorization", "Basic "+stdB64("user:pass")), 401, msgAuthRequired},
		{"AUTH-9.5", "Another scheme carrying a valid token", "Authorization: Token <valid>", get("/api/videos", "Authorization", "Token <valid>"), 401, msgAuthRequired},
		{"AUTH-9.6", "Bearer with empty credentials", "Authorization: Bearer", get("/api/videos", "Authorization", "Bearer"), 401, msgAuthRequired},
		{"AUTH-9.7", "Lower-case scheme", "Authorization: bearer <valid>", get("/api/videos", "Authorization", "bearer <valid>"), 200, ""},
		{"AUTH-9.8", "Upper-case scheme", "Authorization: BEARER <valid>", get("/api/videos", "Authorization", "BEARER <valid>"), 200, ""},
		{"AUTH-9.9", "Expired token", "Bearer <exp = now − 60 s>", bearer(func(m *jwtmint.Minter) string {
			return m.Token(newTenant("x").Member, -time.Minute)
		}), 401, msgInvalidToken},
		{"AUTH-9.10", `alg "none"`, `Bearer <{"alg":"none"}, unsigned>`, bearer(func(*jwtmint.Minter) string {
			return jwtmint.Forge(map[string]any{"alg": "none", "typ": "JWT"}, memberClaims(), "")
		}), 401, msgInvalidToken},
		{"AUTH-9.11", "HS512 under the shared secret", "Bearer <HS512>", bearer(func(m *jwtmint.Minter) string {
			return jwtmint.SignWith(jwt.SigningMethodHS512, m.Secret, memberClaims(), nil)
		}), 401, msgInvalidToken},
		{"AUTH-9.12", "Two segments", `Bearer abc.def`, bearer(func(*jwtmint.Minter) string { return "abc.def" }), 401, msgInvalidToken},
		{"AUTH-9.13", `role "owner"`, `Bearer <valid HS256, "role":"owner">`, bearer(signedClaims(map[string]any{"role": "owner"})), 401, msgInvalidToken},
		{"AUTH-9.14", "8193 bytes", "Bearer <valid HS256 padded to 8193 bytes>", bearer(func(m *jwtmint.Minter) string {
			tok, _ := m.PadTo(memberClaims(), 8193)
			return tok
		}), 401, msgInvalidToken},
		{"AUTH-9.15", "8192 bytes", "Bearer <valid HS256 padded to 8192 bytes>", bearer(func(m *jwtmint.Minter) string {
			tok, _ := m.PadTo(memberClaims(), 8192)
			return tok
		}), 200, ""},
		{"AUTH-9.16", "Upload without a token", "POST /api/videos, no Authorization", noAuth(http.MethodPost, "/api/videos"), 401, msgAuthRequired},
		{"AUTH-9.17", "Announcement without a token", "POST /api/announcements, no Authorization", noAuth(http.MethodPost, "/api/announcements"), 401, msgAuthRequired},
		{"AUTH-9.18", "One video without a token", "GET /api/videos/<random id>, no Authorization", noAuth(http.MethodGet, "/api/videos/"+jwtmint.RandomID("v")), 401, msgAuthRequired},
		{"AUTH-9.19", "Thumbnail without a token", "GET /api/videos/<random id>/thumbnail, no Authorization", noAuth(http.MethodGet, "/api/videos/"+jwtmint.RandomID("v")+"/thumbnail"), 401, msgAuthRequired},
	}
	var out []spec
	for _, rc := range cases {
		want := "200"
		if rc.want != 200 {
			want = `401 {"error":"` + rc.msg + `"}`
		}
		out = append(out, spec{id: rc.id, clause: "AUTH-9", level: suite.LevelAuth, strength: suite.Must, title: rc.title, req: reqAUTH9,
			steps: []string{"→ " + rc.how, "← " + want},
			run: func(c *suite.C) error {
				e := newEnv(c)
				ctx, cancel := e.within()
				defer cancel()
				resp, err := e.api.Do(ctx, rc.request(e.mint, e.token(newTenant("auth9").Member)))
				if err != nil {
					return err
				}
				if resp.Status != rc.want {
					return suite.Violationf(want, "%s", resp.Summary())
				}
				if rc.msg != "" {
					if msg, ok := resp.ErrorBody(); !ok || msg != rc.msg {
						return suite.Violationf(want, "%s", resp.Summary())
					}
				}
				return nil
			}})
	}
	out = append(out,
		spec{id: "AUTH-10.1", clause: "AUTH-10", level: suite.LevelAuth, strength: suite.Should, title: "WWW-Authenticate: Bearer without a token", req: reqAUTH10,
			steps: []string{"→ GET /api/videos (no Authorization)", "← 401 WWW-Authenticate: Bearer …"},
			run: func(c *suite.C) error {
				resp, err := newEnv(c).get("/api/videos", "")
				if err != nil {
					return err
				}
				if h := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(strings.ToLower(h), "bearer") {
					return suite.Violationf("WWW-Authenticate: Bearer", "%q", h)
				}
				return nil
			}},
		spec{id: "AUTH-10.2", clause: "AUTH-10", level: suite.LevelAuth, strength: suite.Should, title: `WWW-Authenticate with error="invalid_token"`, req: reqAUTH10,
			steps: []string{"→ GET /api/videos, Authorization: Bearer <expired>", `← 401 WWW-Authenticate: Bearer error="invalid_token"`},
			run: func(c *suite.C) error {
				e := newEnv(c)
				resp, err := e.get("/api/videos", e.mint.Token(newTenant("x").Member, -time.Minute))
				if err != nil {
					return err
				}
				h := resp.Header.Get("WWW-Authenticate")
				if !strings.HasPrefix(strings.ToLower(h), "bearer") || !strings.Contains(h, `error="invalid_token"`) {
					return suite.Violationf(`WWW-Authenticate: Bearer error="invalid_token"`, "%q", h)
				}
				return nil
			}},
	)
	return out
}
