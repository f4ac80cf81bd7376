package security

import (
	"net/http"
	"strings"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/suite"
)

func init() {
	suite.Register(
		suite.Case{
			ID: "SECURITY-CORS-1", Level: suite.LevelSecurity, On: suite.App, Strength: suite.Must,
			Title:       "No wildcard origin together with credentials",
			Requirement: `"Access-Control-Allow-Credentials: true MUST appear only with such an echoed allowed origin" — never with "Access-Control-Allow-Origin: *", on /api/ and /socket.io/ alike.`,
			Source:      "contract SEC-1; Fetch standard, CORS protocol (credentialed requests)",
			Steps: []string{
				"send a polling handshake, a preflight to /socket.io/ and GET /api/videos with Origin set to the allowed origin, a foreign origin and null",
				"every answer: Access-Control-Allow-Origin is absent or equals the request's Origin; never * with Allow-Credentials true",
			},
			Run: noWildcardWithCredentials,
		},
		suite.Case{
			ID: "SECURITY-CORS-2", Level: suite.LevelSecurity, On: suite.App, Strength: suite.Must,
			Title:       "Socket.IO polling echoes only allowed origins",
			Requirement: `"A request to /api/ or /socket.io/ from an allowed Origin MUST get Access-Control-Allow-Origin equal to that origin (never *) and Vary: Origin"; an origin not allowed "MUST get neither Access-Control-Allow-Origin nor Access-Control-Allow-Credentials".`,
			Source:      "contract SEC-1, SEC-2",
			Steps: []string{
				"GET /socket.io/?EIO=4&transport=polling with the allowed Origin → ACAO equals it, Vary names Origin",
				"the same with foreign origins → no ACAO, no ACAC",
			},
			Run: pollingEchoesAllowedOnly,
		},
	)
}

// corsProbes are the requests the CORS cases send.
func corsProbes(token string) []rest.Request {
	return []rest.Request{
		{Method: http.MethodGet, Path: "/socket.io/?EIO=4&transport=polling"},
		{Method: http.MethodOptions, Path: "/socket.io/?EIO=4&transport=polling", Header: http.Header{
			"Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type"}}},
		{Method: http.MethodGet, Path: "/api/videos", Token: token},
		{Method: http.MethodOptions, Path: "/api/videos", Header: http.Header{
			"Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"authorization,content-type"}}},
	}
}

func noWildcardWithCredentials(c *suite.C) error {
	token := newToken(c, jwtmint.Member)
	client := rest.New(c.URL(), c.Log)
	origins := append([]string{c.Cfg.Origin}, foreignOrigins...)
	for _, origin := range origins {
		if origin == "" {
			continue
		}
		for _, probe := range corsProbes(token) {
			probe.Header = cloneWith(probe.Header, "Origin", origin)
			resp, err := client.Do(c.Ctx, probe)
			if err != nil {
				return err
			}
			acao := resp.Header.Get("Access-Control-Allow-Origin")
			creds := strings.EqualFold(resp.Header.Get("Access-Control-Allow-Credentials"), "true")
			switch {
			case acao == "*" && creds:
				return suite.Violationf("never Access-Control-Allow-Origin: * with credentials",
					"%s %s from %s: ACAO * and ACAC true", probe.Method, probe.Path, origin)
			case acao != "" && acao != origin:
				return suite.Violationf("Access-Control-Allow-Origin absent or equal to the request Origin",
					"%s %s from %s: ACAO %q", probe.Method, probe.Path, origin, acao)
			}
		}
	}
	c.Observed("no wildcard, no mismatched origin in %d answers", len(origins)*len(corsProbes(token)))
	return nil
}

func pollingEchoesAllowedOnly(c *suite.C) error {
	if c.Cfg.Origin == "" {
		return suite.Skip("no allowed origin given (-origin)")
	}
	client := rest.New(c.URL(), c.Log)
	probe := corsProbes("")[0]
	probe.Header = cloneWith(nil, "Origin", c.Cfg.Origin)
	resp, err := client.Do(c.Ctx, probe)
	if err != nil {
		return err
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != c.Cfg.Origin {
		return suite.Violationf("Access-Control-Allow-Origin: "+c.Cfg.Origin, "%q", got)
	}
	if !varyNamesOrigin(resp.Header) {
		return suite.Violationf("Vary: Origin", "Vary %q", resp.Header.Values("Vary"))
	}
	for _, origin := range foreignOrigins {
		probe.Header = cloneWith(nil, "Origin", origin)
		resp, err := client.Do(c.Ctx, probe)
		if err != nil {
			return err
		}
		if acao, acac := resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Allow-Credentials"); acao != "" || acac != "" {
			return suite.Violationf("no Access-Control-Allow-* header for "+origin, "ACAO %q, ACAC %q", acao, acac)
		}
	}
	return nil
}

func varyNamesOrigin(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Origin") {
				return true
			}
		}
	}
	return false
}

func cloneWith(h http.Header, key, value string) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	out.Set(key, value)
	return out
}
