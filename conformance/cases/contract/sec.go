package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

const (
	reqSEC1 = `"Allowed origins MUST be configurable. A request to /api/ or /socket.io/ from an allowed Origin MUST get Access-Control-Allow-Origin equal to that origin (never *) and Vary: Origin; Access-Control-Allow-Credentials: true MUST appear only with such an echoed allowed origin. Requests without Origin are served as usual."`
	reqSEC2 = `"An origin not allowed — null, another scheme or port, https://app.example.evil.test, https://evil.test — MUST get neither Access-Control-Allow-Origin nor Access-Control-Allow-Credentials."`
	reqSEC3 = `"An OPTIONS preflight from an allowed origin MUST succeed (2xx, 204 recommended) without authentication, allowing at least GET and POST and the headers Authorization, Content-Type, Range and If-Range."`
	reqSEC4 = `"Answers to allowed origins SHOULD carry Access-Control-Expose-Headers with at least Content-Range, Accept-Ranges and Location."`
	reqSEC6 = `"The client's filename MUST NOT be used to build a storage path; only its last path segment (after / or \) may become the title."`
	reqSEC7 = `"Outside title, a string in the video JSON, an event payload or an error body MUST NOT start with / unless it starts with /api/, and MUST NOT start with a drive letter such as C:\."`
	reqSEC8 = `"Error strings (error bodies, ack errors, video:failed) SHOULD be one line of at most 500 characters, with no stack trace."`
	reqSEC9 = `"The server MUST NOT answer a 5xx to, or stop on, any request or packet — hostile ids, invalid JSON, truncated multipart, odd Range headers, every probe of this contract; after each probe, GET /api/videos still answers."`
)

func secSpecs() []spec {
	return []spec{
		{id: "SEC-1", clause: "SEC-1", level: suite.LevelREST, strength: suite.Must, title: "CORS: the allowed origin is echoed", req: reqSEC1,
			steps: []string{"GET /api/videos and GET /socket.io/?EIO=4&transport=polling with Origin: <-origin>", "Access-Control-Allow-Origin = the origin, Vary: Origin, credentials only with it",
				"the same without Origin: served"},
			run: runSEC1},
		{id: "SEC-2", clause: "SEC-2", level: suite.LevelREST, strength: suite.Must, title: "CORS: exact origin match", req: reqSEC2,
			steps: []string{"Origin: null, the other scheme, another port, <origin>.evil.test, https://evil.test, a prefix of the origin", "no Access-Control-Allow-Origin, no Access-Control-Allow-Credentials, on /api/ and /socket.io/"},
			run:   runSEC2},
		{id: "SEC-3", clause: "SEC-3", level: suite.LevelREST, strength: suite.Must, title: "CORS preflight without authentication", req: reqSEC3,
			steps: []string{"OPTIONS /api/videos, /api/announcements and a stream URL with Origin, Access-Control-Request-Method: POST, Access-Control-Request-Headers: authorization,content-type,range,if-range",
				"2xx, the origin echoed, GET and POST allowed, the four headers allowed"},
			run: runSEC3},
		{id: "SEC-4", clause: "SEC-4", level: suite.LevelREST, strength: suite.Should, title: "CORS: exposed headers", req: reqSEC4, world: true,
			steps: []string{"GET /api/videos and a ranged stream request with the allowed Origin", "Access-Control-Expose-Headers has Content-Range, Accept-Ranges, Location"},
			run:   runSEC4},
		{id: "SEC-6", clause: "SEC-6", level: suite.LevelREST, strength: suite.Must, title: "Client filenames are data", req: reqSEC6, timeout: 60 * time.Second,
			steps: []string{`→ POST /api/videos with filename="../../../../../../../../tmp/<random>.mp4" and filename="..\..\<random>.mp4"`,
				"← 201 with the last segment as title", "no file appears at /tmp/<random>.mp4 (loopback targets)", "each upload reaches its terminal event"},
			run: runSEC6},
		{id: "SEC-7", clause: "SEC-7", level: suite.LevelREST, strength: suite.Must, title: "No server paths in output", req: reqSEC7, world: true,
			steps: []string{"shared run: every video JSON, event payload and error body, plus error answers of this case", "no string but title starts with / (outside /api/) or a drive letter"},
			run:   runSEC7},
		{id: "SEC-8", clause: "SEC-8", level: suite.LevelREST, strength: suite.Should, title: "Quiet errors", req: reqSEC8, world: true,
			steps: []string{"shared run: video:failed errors; error bodies of 400, 401, 403, 404, 413, 416; ack errors", "one line, at most 500 characters, no stack trace"},
			run:   runSEC8},
		{id: "SEC-9.1", clause: "SEC-9", level: suite.LevelREST, strength: suite.Must, title: "Hostile ids", req: reqSEC9, hostile: true,
			steps: []string{"GET /api/videos/<id>, /thumbnail and /stream with %00, %ff%fe, ../, 10 000 characters, $where, a JSON object, CON", "never 5xx; GET /api/videos still answers"},
			run:   runSEC91},
		{id: "SEC-9.2", clause: "SEC-9", level: suite.LevelREST, strength: suite.Must, title: "Hostile JSON bodies", req: reqSEC9, hostile: true,
			steps: []string{"POST /api/announcements with NUL bytes, 100 000 nested arrays, a huge number, invalid UTF-8, duplicate keys, a __proto__ member, an empty body", "never 5xx; GET /api/videos still answers"},
			run:   runSEC92},
		{id: "SEC-9.3", clause: "SEC-9", level: suite.LevelREST, strength: suite.Must, title: "Hostile multipart", req: reqSEC9, hostile: true,
			steps: []string{"POST /api/videos: a body cut in the middle of the video part, no boundary parameter, a wrong boundary, a 10 000-character boundary, headers without end",
				"never 5xx (400 expected); GET /api/videos still answers"},
			run: runSEC93},
		{id: "SEC-9.4", clause: "SEC-9", level: suite.LevelREST, strength: suite.Must, title: "Hostile Range headers", req: reqSEC9, hostile: true, world: true,
			steps: []string{"stream requests with bytes=99999999999999999999-, bytes=-99999999999999999999, 1000 ranges, bytes=0-0 repeated 200 times, a 10 000-character Range", "never 5xx; GET /api/videos still answers"},
			run:   runSEC94},
	}
}

// corsOrigin returns the allowed origin, or a Skip when none is known.
func corsOrigin(c *suite.C) (string, error) {
	if c.Cfg.Origin == "" {
		return "", suite.Skip("no allowed origin known (-origin)")
	}
	return c.Cfg.Origin, nil
}

// varyHas reports whether Vary names name or is "*".
func varyHas(h http.Header, name string) bool {
	vary := strings.Join(h.Values("Vary"), ",")
	return listHas(vary, name) || listHas(vary, "*")
}

func runSEC1(c *suite.C) error {
	origin, err := corsOrigin(c)
	if err != nil {
		return err
	}
	e := newEnv(c)
	tok := e.token(newTenant("sec1").Member)
	for _, path := range []string{"/api/videos", "/socket.io/?EIO=4&transport=polling"} {
		resp, err := e.get(path, tok, "Origin", origin)
		if err != nil {
			return err
		}
		acao, acac := resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Allow-Credentials")
		switch {
		case resp.Status != 200:
			return suite.Violationf("200 for "+path+" from the allowed origin", "%s", resp.Summary())
		case acao != origin:
			return suite.Violationf("Access-Control-Allow-Origin: "+origin+" on "+path, "%q", acao)
		case !varyHas(resp.Header, "Origin"):
			return suite.Violationf("Vary: Origin on "+path, "%q", resp.Header.Values("Vary"))
		case acac != "" && acac != "true":
			return suite.Violationf("Access-Control-Allow-Credentials: true or absent", "%q", acac)
		}
		plain, err := e.get(path, tok)
		if err != nil {
			return err
		}
		if plain.Status != 200 {
			return suite.Violationf("requests without Origin served as usual", "%s: %s", path, plain.Summary())
		}
	}
	return nil
}

// otherOrigins are variants of origin that must not be allowed.
func otherOrigins(origin string) []string {
	out := []string{"null", "https://evil.test", origin + ".evil.test", strings.TrimSuffix(origin, origin[len(origin)-1:])}
	if u, err := url.Parse(origin); err == nil {
		other := *u
		if u.Scheme == "https" {
			other.Scheme = "http"
		} else {
			other.Scheme = "https"
		}
		out = append(out, other.String())
		port := *u
		port.Host = u.Hostname() + ":8443"
		out = append(out, port.String())
		evil := *u
		evil.Host = "evil-" + u.Host
		out = append(out, evil.String())
	}
	return out
}

func runSEC2(c *suite.C) error {
	origin, err := corsOrigin(c)
	if err != nil {
		return err
	}
	e := newEnv(c)
	tok := e.token(newTenant("sec2").Member)
	for _, o := range otherOrigins(origin) {
		for _, path := range []string{"/api/videos", "/socket.io/?EIO=4&transport=polling"} {
			resp, err := e.get(path, tok, "Origin", o)
			if err != nil {
				return err
			}
			if a, cr := resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Allow-Credentials"); a != "" || cr != "" {
				return suite.Violationf("no Access-Control-Allow-* for Origin "+o, "%s: Allow-Origin %q, Allow-Credentials %q", path, a, cr)
			}
		}
	}
	return nil
}

// listHas reports whether a comma-separated header lists every name.
func listHas(h string, names ...string) bool {
	have := map[string]bool{}
	for _, f := range strings.Split(h, ",") {
		have[strings.ToLower(strings.TrimSpace(f))] = true
	}
	for _, n := range names {
		if !have[strings.ToLower(n)] {
			return false
		}
	}
	return true
}

func runSEC3(c *suite.C) error {
	origin, err := corsOrigin(c)
	if err != nil {
		return err
	}
	e := newEnv(c)
	for _, path := range []string{"/api/videos", "/api/announcements", "/api/videos/" + jwtmint.RandomID("v") + "/stream?exp=1&sig=x"} {
		ctx, cancel := e.within()
		resp, err := e.api.Do(ctx, rest.Request{Method: http.MethodOptions, Path: path, Header: http.Header{
			"Origin": {origin}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"authorization,content-type,range,if-range"}}})
		cancel()
		if err != nil {
			return err
		}
		methods := strings.Join(resp.Header.Values("Access-Control-Allow-Methods"), ",")
		headers := strings.Join(resp.Header.Values("Access-Control-Allow-Headers"), ",")
		switch {
		case resp.Status < 200 || resp.Status > 299:
			return suite.Violationf("2xx for the preflight of "+path, "%s", resp.Summary())
		case resp.Header.Get("Access-Control-Allow-Origin") != origin:
			return suite.Violationf("Access-Control-Allow-Origin: "+origin, "%q", resp.Header.Get("Access-Control-Allow-Origin"))
		case !listHas(methods, "GET", "POST"):
			return suite.Violationf("Access-Control-Allow-Methods with GET and POST", "%q", methods)
		case !listHas(headers, "Authorization", "Content-Type", "Range", "If-Range"):
			return suite.Violationf("Access-Control-Allow-Headers with Authorization, Content-Type, Range, If-Range", "%q", headers)
		}
	}
	return nil
}

func runSEC4(c *suite.C) error {
	origin, err := corsOrigin(c)
	if err != nil {
		return err
	}
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	e := newEnv(c)
	list, err := e.get("/api/videos", e.token(w.A.Member), "Origin", origin)
	if err != nil {
		return err
	}
	part, err := e.get(w.video("pattern.mp4").final.StreamURL, "", "Origin", origin, "Range", "bytes=0-9")
	if err != nil {
		return err
	}
	for _, r := range []*rest.Response{list, part} {
		if h := strings.Join(r.Header.Values("Access-Control-Expose-Headers"), ","); !listHas(h, "Content-Range", "Accept-Ranges", "Location") {
			return suite.Violationf("Access-Control-Expose-Headers with Content-Range, Accept-Ranges, Location", "%d answer: %q", r.Status, h)
		}
	}
	return nil
}

func runSEC6(c *suite.C) error {
	e := newEnv(c)
	t := newTenant("sec6")
	observer, err := e.connect("admin", t.Admin)
	if err != nil {
		return err
	}
	name := "pwn-" + jwtmint.RandomID("")
	u, _ := url.Parse(c.Cfg.Target)
	local := u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1"
	for _, f := range []struct{ filename, title string }{
		{strings.Repeat("../", 8) + "tmp/" + name + ".mp4", name + ".mp4"},
		{`..\..\..\` + name + "-win.mp4", name + "-win.mp4"},
		{"/tmp/" + name + "-abs.mp4", name + "-abs.mp4"},
	} {
		_, v, err := e.upload(t.Admin, rest.Upload{Data: junk(256), FileName: f.filename, ContentType: "video/mp4"})
		if err != nil {
			return err
		}
		if v.Title != f.title {
			return suite.Violationf(fmt.Sprintf("title %q (the last segment)", f.title), "title %q for filename %q", v.Title, f.filename)
		}
		ctx, cancel := c.Within(c.Cfg.ProcessTimeout)
		_, err = observer.Wait(ctx, func(r sioclient.Received) bool {
			return (r.Event == "video:failed" || r.Event == "video:processed") && videoIDOf(r) == v.ID
		})
		cancel()
		if err != nil {
			return suite.Violationf("the upload processed normally (a terminal event)", "none for %s", v.ID)
		}
	}
	if local {
		for _, p := range []string{"/tmp/" + name + ".mp4", "/tmp/" + name + "-abs.mp4"} {
			if _, err := os.Stat(p); err == nil {
				_ = os.Remove(p)
				return suite.Violationf("no file written where the client's filename points", "%s exists", p)
			}
		}
	}
	return nil
}

var (
	drivePath = regexp.MustCompile(`^[A-Za-z]:[\\/]`)
)

// pathLeak returns the first string in a JSON value (outside a "title"
// member) that looks like a server path.
func pathLeak(raw []byte) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return walkStrings(v, "")
}

func walkStrings(v any, key string) string {
	switch x := v.(type) {
	case string:
		if key == "title" {
			return ""
		}
		if (strings.HasPrefix(x, "/") && !strings.HasPrefix(x, "/api/")) || drivePath.MatchString(x) {
			return x
		}
	case []any:
		for _, e := range x {
			if s := walkStrings(e, key); s != "" {
				return s
			}
		}
	case map[string]any:
		for k, e := range x {
			if s := walkStrings(e, k); s != "" {
				return s
			}
		}
	}
	return ""
}

// errorSamples gathers error bodies of the common failures.
func (e *env) errorSamples(w *world) ([]*rest.Response, error) {
	v := w.video("pattern.mp4")
	reqs := []rest.Request{
		{Path: "/api/videos"},
		{Path: "/api/videos", Token: "abc.def"},
		jsonPost("/api/announcements", e.token(w.A.Member), `{"message":"x"}`),
		jsonPost("/api/announcements", e.token(w.A.Admin), `{"message":`),
		jsonPost("/api/videos", e.token(w.A.Admin), `{}`),
		{Path: "/api/videos/" + jwtmint.RandomID("v"), Token: e.token(w.A.Member)},
		{Path: "/api/videos/" + w.video("noise.bin").id + "/thumbnail", Token: e.token(w.A.Member)},
		{Path: tamperSig(v.final.StreamURL)},
		{Path: v.final.StreamURL, Header: http.Header{"Range": {"bytes=999999-"}}},
		{Path: "/api/nope", Token: e.token(w.A.Member)},
	}
	var out []*rest.Response
	for _, r := range reqs {
		ctx, cancel := e.within()
		resp, err := e.api.Do(ctx, r)
		cancel()
		if err != nil {
			return nil, err
		}
		out = append(out, resp)
	}
	return out, nil
}

func runSEC7(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	e := newEnv(c)
	samples, err := e.errorSamples(w)
	if err != nil {
		return err
	}
	check := func(where string, raw []byte) error {
		if s := pathLeak(raw); s != "" {
			return suite.Violationf("no string starting with / (outside /api/) or a drive letter", "%s: %q", where, s)
		}
		return nil
	}
	for _, v := range w.videos {
		for where, r := range map[string]*rest.Response{"201 of " + v.fileName: v.resp, "GET of " + v.fileName: v.finalRaw} {
			if r != nil {
				if err := check(where, r.Body); err != nil {
					return err
				}
			}
		}
	}
	for _, s := range w.allWorldSockets() {
		for _, r := range s.Packets() {
			if r.Err == nil && len(r.Packet.Data) > 0 {
				if err := check(s.Name()+" packet "+clip(r.Frame, 80), r.Packet.Data); err != nil {
					return err
				}
			}
		}
	}
	for _, r := range samples {
		if err := check(fmt.Sprintf("%d body", r.Status), r.Body); err != nil {
			return err
		}
	}
	return nil
}

var stackTrace = regexp.MustCompile(`(?m)(^\s+at .+\(.+:\d+:\d+\)|goroutine \d+ \[|\.go:\d+|Traceback \(most recent call last\)|\.js:\d+:\d+)`)

func quietError(msg string) error {
	switch {
	case strings.ContainsAny(msg, "\r\n"):
		return fmt.Errorf("more than one line: %q", clip(msg, 200))
	case len([]rune(msg)) > 500:
		return fmt.Errorf("%d characters", len([]rune(msg)))
	case stackTrace.MatchString(msg):
		return fmt.Errorf("a stack trace: %q", clip(msg, 200))
	}
	return nil
}

func runSEC8(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	e := newEnv(c)
	samples, err := e.errorSamples(w)
	if err != nil {
		return err
	}
	var msgs []string
	for _, r := range samples {
		if m, ok := r.ErrorBody(); ok {
			msgs = append(msgs, m)
		}
	}
	for _, s := range w.allWorldSockets() {
		for _, r := range eventsNamed(s, "video:failed") {
			m, _ := objectArg(r)
			if msg, ok := str(m, "error"); ok {
				msgs = append(msgs, msg)
			}
		}
	}
	sock, err := e.connect("member", w.A.Member)
	if err != nil {
		return err
	}
	if args, err := e.ack(sock, "video:unsubscribe", 42); err == nil && len(args) > 0 {
		var body map[string]json.RawMessage
		if json.Unmarshal(args[0], &body) == nil {
			if msg, ok := str(body, "error"); ok {
				msgs = append(msgs, msg)
			}
		}
	}
	for _, m := range msgs {
		if err := quietError(m); err != nil {
			return suite.Violationf("one line, at most 500 characters, no stack trace", "%v", err)
		}
	}
	c.Measure("error strings checked", len(msgs))
	return nil
}

// hostile sends each request and requires no 5xx, then checks liveness.
func (e *env) hostile(reqs []rest.Request) error {
	for _, r := range reqs {
		ctx, cancel := e.within()
		resp, err := e.api.Do(ctx, r)
		cancel()
		if err != nil {
			return suite.Violationf("an answer (never a dropped connection) to "+clip(r.Method+" "+r.Path, 80), "%v", err)
		}
		if resp.Status >= 500 {
			return suite.Violationf("never a 5xx", "%s %s: %s", r.Method, clip(r.Path, 80), resp.Summary())
		}
	}
	alive, err := e.get("/api/videos", e.token(newTenant("alive").Member))
	if err != nil || alive.Status != 200 {
		return suite.Violationf("GET /api/videos still answers 200", "%s %v", summary(alive), err)
	}
	return nil
}

func runSEC91(c *suite.C) error {
	e := newEnv(c)
	tok := e.token(newTenant("sec9").Member)
	var reqs []rest.Request
	for _, id := range []string{"%00", "%ff%fe", "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e", strings.Repeat("a", 10000), "$where", url.PathEscape(`{"$gt":""}`), "CON", "0x41", "-1", "1e309"} {
		for _, suffix := range []string{"", "/thumbnail", "/stream", "/stream?exp=1&sig=" + id} {
			reqs = append(reqs, rest.Request{Path: "/api/videos/" + id + suffix, Token: tok})
		}
	}
	return e.hostile(reqs)
}

func runSEC92(c *suite.C) error {
	e := newEnv(c)
	tok := e.token(newTenant("sec9").Admin)
	bodies := []string{"\x00\x00\x00", strings.Repeat("[", 100000), `{"message":1e99999}`, "{\"message\":\"\xff\xfe\"}", `{"message":"a","message":""}`,
		`{"__proto__":{"admin":true},"message":"proto"}`, "", `{"message":"` + strings.Repeat("\\u0000", 1000) + `"}`, `{"constructor":{"prototype":{"x":1}}}`}
	var reqs []rest.Request
	for _, b := range bodies {
		reqs = append(reqs, jsonPost("/api/announcements", tok, b))
		reqs = append(reqs, rest.Request{Method: http.MethodPost, Path: "/api/announcements", Token: tok, Header: http.Header{"Content-Type": {"text/plain"}}, Body: strings.NewReader(b)})
	}
	return e.hostile(reqs)
}

func runSEC93(c *suite.C) error {
	e := newEnv(c)
	tok := e.token(newTenant("sec9").Admin)
	const b = "harnessboundary"
	head := "--" + b + "\r\nContent-Disposition: form-data; name=\"video\"; filename=\"cut.mp4\"\r\nContent-Type: video/mp4\r\n\r\n"
	mp := func(ctype, body string) rest.Request {
		return rest.Request{Method: http.MethodPost, Path: "/api/videos", Token: tok, Header: http.Header{"Content-Type": {ctype}}, Body: strings.NewReader(body)}
	}
	return e.hostile([]rest.Request{
		mp("multipart/form-data; boundary="+b, head+strings.Repeat("x", 4096)),
		mp("multipart/form-data", head+"data\r\n--"+b+"--\r\n"),
		mp("multipart/form-data; boundary=other", head+"data\r\n--"+b+"--\r\n"),
		mp("multipart/form-data; boundary="+strings.Repeat("b", 10000), head),
		mp("multipart/form-data; boundary="+b, "--"+b+"\r\nContent-Disposition: form-data; name=\"video\"; filename=\"x\"\r\n"+strings.Repeat("X-Junk: y\r\n", 2000)),
		mp("multipart/form-data; boundary="+b, "--"+b+"--\r\n"),
		mp("multipart/mixed; boundary="+b, head+"data\r\n--"+b+"--\r\n"),
	})
}

func runSEC94(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	e := newEnv(c)
	path := w.video("pattern.mp4").final.StreamURL
	many := make([]string, 1000)
	for i := range many {
		many[i] = fmt.Sprintf("%d-%d", i, i)
	}
	var reqs []rest.Request
	for _, r := range []string{"bytes=99999999999999999999-", "bytes=-99999999999999999999", "bytes=" + strings.Join(many, ","),
		"bytes=" + strings.Repeat("0-0,", 199) + "0-0", strings.Repeat("bytes=0-1", 1000), "bytes=0-18446744073709551616"} {
		reqs = append(reqs, rest.Request{Path: path, Header: http.Header{"Range": {r}}})
	}
	return e.hostile(reqs)
}
