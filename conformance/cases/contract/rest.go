package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"time"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/suite"
)

const (
	reqREST1  = `"Every /api/ response except media bodies (thumbnail, stream) MUST be Content-Type: application/json (parameters allowed), and every 4xx MUST have the body {"error":"<non-empty string>"}. Three messages are fixed: Authentication required, Invalid token (AUTH-9), Video not found (REST-11)."`
	reqREST2  = `"Requests MUST be judged in this order: authentication (401), then role and tenancy (403; 404 for another organization's video), then input (400, 413, 416)."`
	reqREST10 = `"GET /api/videos MUST answer 200 with a JSON array of the video JSON of every video of the caller's organization, whatever its status, newest createdAt first, and of no other organization."`
	reqREST11 = `"GET /api/videos/{id} MUST answer 200 with the video JSON for a video of the caller's organization, and 404 {"error":"Video not found"} — same status, same body — for another organization's video, an unknown id and a malformed id."`
	reqREST12 = `"GET /api/videos/{id}/thumbnail MUST answer 200 image/jpeg with a JPEG (starting FF D8 FF) while the video JSON's thumbnail is non-null, and 404 {"error":…} while it is null; another organization's or an unknown video gets 404 {"error":"Video not found"} as in REST-11."`
	reqREST13 = `"An unknown path under /api/ SHOULD get 404 {"error":…} once authenticated (REST-2)."`
)

// probe is one request and the answer a case expects.
type probe struct {
	label  string
	req    rest.Request
	status int
	msg    string // the exact error message, "" for any non-empty one
}

// runProbes sends each probe and judges status, JSON and the error body.
func (e *env) runProbes(probes []probe) error {
	for _, p := range probes {
		ctx, cancel := e.within()
		resp, err := e.api.Do(ctx, p.req)
		cancel()
		if err != nil {
			return err
		}
		want := fmt.Sprintf("%d", p.status)
		if p.status >= 400 {
			want += ` {"error":` + map[bool]string{true: `"` + p.msg + `"`, false: "…"}[p.msg != ""] + "}"
		}
		if resp.Status != p.status {
			return suite.Violationf(want+" for "+p.label, "%s", resp.Summary())
		}
		if p.status >= 400 {
			msg, ok := resp.ErrorBody()
			if !ok || (p.msg != "" && msg != p.msg) {
				return suite.Violationf(want+" for "+p.label, "%s", resp.Summary())
			}
			if !resp.IsJSON() {
				return suite.Violationf("Content-Type: application/json for "+p.label, "%s", resp.Summary())
			}
		}
	}
	return nil
}

func restSpecs() []spec {
	return []spec{
		{id: "REST-1.1", clause: "REST-1", level: suite.LevelREST, strength: suite.Must, title: "JSON answers and error bodies on the API routes", req: reqREST1, world: true,
			steps: []string{"200, 201 and 202 answers: application/json", "401, 403, 400, 404 answers (unknown route included): application/json with {\"error\":…}"},
			run:   runREST11},
		{id: "REST-1.2", clause: "REST-1", level: suite.LevelREST, strength: suite.Must, title: "Error bodies on the media routes", req: reqREST1, world: true,
			steps: []string{"stream with a tampered signature (403), stream range past the end (416), thumbnail of a failed video (404)", "each application/json {\"error\":…}"},
			run:   runREST12},
		{id: "REST-2", clause: "REST-2", level: suite.LevelREST, strength: suite.Must, title: "Authentication, then role and tenancy, then input", req: reqREST2, world: true,
			steps: []string{"no token and an invalid body → 401", "an invalid token and an invalid body → 401 Invalid token", "a member and an invalid announcement → 403",
				"no token and no file → 401", "no token, a malformed id → 401", "another organization's stream with an unsatisfiable range → 404 (not 416)"},
			run: runREST2},
		{id: "REST-10", clause: "REST-10", level: suite.LevelREST, strength: suite.Must, title: "The list: every video of the organization, newest first", req: reqREST10, world: true,
			steps: []string{"shared run: GET /api/videos as a member of A and of B after processing", "each: exactly its organization's uploads (completed and failed), createdAt non-increasing"},
			run:   runREST10},
		{id: "REST-11", clause: "REST-11", level: suite.LevelREST, strength: suite.Must, title: "One video; no existence oracle", req: reqREST11, world: true,
			steps: []string{"GET own video: 200", "GET B's video, an unknown id, ..%2F..%2Fetc, %00, a 300-character id, ' OR '1'='1, {\"$ne\":null}, 🙂",
				`each: 404 {"error":"Video not found"}, byte-identical bodies`},
			run: runREST11c},
		{id: "REST-12", clause: "REST-12", level: suite.LevelREST, strength: suite.Must, title: "Thumbnail", req: reqREST12, world: true,
			steps: []string{"completed video: 200 image/jpeg, FF D8 FF", "failed video (thumbnail null): 404 {\"error\":…}", `B's video and an unknown id: 404 {"error":"Video not found"}`},
			run:   runREST12c},
		{id: "REST-13", clause: "REST-13", level: suite.LevelREST, strength: suite.Should, title: "Unknown API routes: 404 JSON", req: reqREST13,
			steps: []string{"GET /api/nope, POST /api/nope, GET /api/videos/<id>/nope, DELETE /api/videos with a valid token", "404 {\"error\":…}"},
			run: func(c *suite.C) error {
				e := newEnv(c)
				tok := e.token(newTenant("rest13").Admin)
				return e.runProbes([]probe{
					{label: "GET /api/nope", req: rest.Request{Path: "/api/nope", Token: tok}, status: 404},
					{label: "POST /api/nope", req: rest.Request{Method: "POST", Path: "/api/nope", Token: tok}, status: 404},
					{label: "GET /api/videos/x/nope", req: rest.Request{Path: "/api/videos/" + jwtmint.RandomID("v") + "/nope", Token: tok}, status: 404},
				})
			}},
	}
}

func runREST11(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	e := newEnv(c)
	admin, member := e.token(w.A.Admin), e.token(w.A.Member)
	v := w.video("pattern.mp4")
	// Success answers.
	for _, p := range []struct {
		label string
		resp  *rest.Response
	}{{"the 201 of an upload", v.resp}, {"GET /api/videos/{id}", v.finalRaw}, {"GET /api/videos", w.lists["A"]}, {"the 202 of an announcement", w.barrierResp}} {
		if p.resp == nil || !p.resp.IsJSON() {
			return suite.Violationf("Content-Type: application/json for "+p.label, "%v", summary(p.resp))
		}
	}
	return e.runProbes([]probe{
		{label: "no token", req: rest.Request{Path: "/api/videos"}, status: 401, msg: msgAuthRequired},
		{label: "an expired token", req: rest.Request{Path: "/api/videos", Token: e.mint.Token(w.A.Member, -time.Minute)}, status: 401, msg: msgInvalidToken},
		{label: "a member's announcement", req: jsonPost("/api/announcements", member, `{"message":"x"}`), status: 403},
		{label: "an invalid announcement", req: jsonPost("/api/announcements", admin, `{"message":""}`), status: 400},
		{label: "an upload without a file", req: jsonPost("/api/videos", admin, `{}`), status: 400},
		{label: "an unknown video", req: rest.Request{Path: "/api/videos/" + jwtmint.RandomID("v"), Token: member}, status: 404, msg: "Video not found"},
		{label: "an unknown route", req: rest.Request{Path: "/api/nope", Token: member}, status: 404},
	})
}

func summary(r *rest.Response) string {
	if r == nil {
		return "no answer"
	}
	return r.Summary()
}

func jsonPost(path, token, body string) rest.Request {
	return rest.Request{Method: http.MethodPost, Path: path, Token: token, Header: http.Header{"Content-Type": {"application/json"}}, Body: strings.NewReader(body)}
}

// streamPath returns the signed stream URL of a video JSON.
func streamPath(v video) string { return v.StreamURL }

func runREST12(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	e := newEnv(c)
	v := w.video("pattern.mp4")
	failed := w.video("noise.bin")
	tampered := tamperSig(streamPath(v.final))
	return e.runProbes([]probe{
		{label: "a tampered stream signature", req: rest.Request{Path: tampered}, status: 403},
		{label: "a range past the end", req: rest.Request{Path: streamPath(v.final), Header: http.Header{"Range": {fmt.Sprintf("bytes=%d-", v.facts.Size)}}}, status: 416},
		{label: "the thumbnail of a failed video", req: rest.Request{Path: "/api/videos/" + failed.id + "/thumbnail", Token: e.token(w.A.Member)}, status: 404},
	})
}

// tamperSig changes the first character of the sig parameter.
func tamperSig(path string) string {
	u, err := url.Parse(path)
	if err != nil {
		return path
	}
	q := u.Query()
	sig := q.Get("sig")
	if sig == "" {
		return path
	}
	repl := "A"
	if sig[0] == 'A' {
		repl = "B"
	}
	q.Set("sig", repl+sig[1:])
	u.RawQuery = q.Encode()
	return u.String()
}

func runREST2(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	e := newEnv(c)
	bad := e.mint.Token(w.A.Admin, -time.Minute)
	b := w.videosOf("B")[0]
	if n := c.Cfg.MaxUpload; n > 0 {
		// Authentication comes before the size limit: 401, not 413.
		ctx, cancel := e.within()
		resp, err := e.api.Upload(ctx, "", rest.Upload{Data: junk(int(n) + 1), FileName: "big.mp4", ContentType: "video/mp4"})
		cancel()
		if err == nil {
			if msg, ok := resp.ErrorBody(); resp.Status != 401 || !ok || msg != msgAuthRequired {
				return suite.Violationf(`401 {"error":"Authentication required"} for an unauthenticated upload of N + 1 bytes`, "%s", resp.Summary())
			}
		} else if !isConnReset(err) {
			return err
		}
	}
	return e.runProbes([]probe{
		{label: "no token, invalid announcement", req: jsonPost("/api/announcements", "", `{"message":""}`), status: 401, msg: msgAuthRequired},
		{label: "expired token, invalid announcement", req: jsonPost("/api/announcements", bad, `{"message":""}`), status: 401, msg: msgInvalidToken},
		{label: "a member, invalid announcement", req: jsonPost("/api/announcements", e.token(w.A.Member), `not json`), status: 403},
		{label: "no token, no file", req: jsonPost("/api/videos", "", `{}`), status: 401, msg: msgAuthRequired},
		{label: "no token, a malformed id", req: rest.Request{Path: "/api/videos/..%2F..%2Fetc"}, status: 401, msg: msgAuthRequired},
		{label: "another organization's stream, unsatisfiable range", req: rest.Request{Path: "/api/videos/" + b.id + "/stream", Token: e.token(w.A.Member),
			Header: http.Header{"Range": {"bytes=999999999-"}}}, status: 404, msg: "Video not found"},
		{label: "another organization's thumbnail", req: rest.Request{Path: "/api/videos/" + b.id + "/thumbnail", Token: e.token(w.A.Member)}, status: 404, msg: "Video not found"},
	})
}

func runREST10(c *suite.C) error {
	w, err := getWorld(c, "rest")
	if err != nil {
		return err
	}
	for _, t := range []string{"A", "B"} {
		resp := w.lists[t]
		if resp == nil {
			return fmt.Errorf("the shared run has no list of %s", t)
		}
		var list []json.RawMessage
		if resp.Status != 200 || resp.JSON(&list) != nil {
			return suite.Violationf("200 and a JSON array", "%s", resp.Summary())
		}
		var ids, want []string
		var created []string
		for _, raw := range list {
			v, err := parseVideo(raw)
			if err != nil {
				return suite.Violationf("video JSON elements", "%s", clip(string(raw), 200))
			}
			ids = append(ids, v.ID)
			ca, _ := str(v.Raw, "createdAt")
			created = append(created, ca)
		}
		for _, v := range w.videosOf(t) {
			want = append(want, v.id)
		}
		got := append([]string(nil), ids...)
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			return suite.Violationf("exactly the organization's videos", "organization %s: listed %v, uploaded %v", t, ids, want)
		}
		for i := 1; i < len(created); i++ {
			a, _ := time.Parse(time.RFC3339Nano, created[i-1])
			b, _ := time.Parse(time.RFC3339Nano, created[i])
			if b.After(a) {
				return suite.Violationf("newest createdAt first", "organization %s: %s listed before %s", t, created[i-1], created[i])
			}
		}
	}
	return nil
}

func runREST11c(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	e := newEnv(c)
	tok := e.token(w.A.Member)
	own := w.videosOf("A")[0]
	resp, err := e.get("/api/videos/"+own.id, tok)
	if err != nil {
		return err
	}
	if v, err := parseVideo(resp.Body); resp.Status != 200 || err != nil || v.ID != own.id {
		return suite.Violationf("200 with the video JSON for the organization's video", "%s", resp.Summary())
	}
	var first []byte
	for _, id := range []string{w.videosOf("B")[0].id, jwtmint.RandomID("66a1f0c2e4b0"), "..%2F..%2Fetc", "%00", strings.Repeat("a", 300),
		url.PathEscape("' OR '1'='1"), url.PathEscape(`{"$ne":null}`), url.PathEscape("🙂"), "%2e%2e"} {
		resp, err := e.get("/api/videos/"+id, tok)
		if err != nil {
			return err
		}
		msg, ok := resp.ErrorBody()
		if resp.Status != 404 || !ok || msg != "Video not found" {
			return suite.Violationf(`404 {"error":"Video not found"} for /api/videos/`+clip(id, 40), "%s", resp.Summary())
		}
		if first == nil {
			first = resp.Body
		} else if string(first) != string(resp.Body) {
			return suite.Violationf("the same body for every 404", "%q vs %q for %s", first, resp.Body, clip(id, 40))
		}
	}
	return nil
}

func runREST12c(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	e := newEnv(c)
	tok := e.token(w.A.Member)
	v := w.video("pattern.mp4")
	resp, err := e.get("/api/videos/"+v.id+"/thumbnail", tok)
	if err != nil {
		return err
	}
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if resp.Status != 200 || !strings.HasPrefix(ct, "image/jpeg") || len(resp.Body) < 3 || resp.Body[0] != 0xFF || resp.Body[1] != 0xD8 || resp.Body[2] != 0xFF {
		return suite.Violationf("200 image/jpeg starting FF D8 FF", "%s", resp.Summary())
	}
	return e.runProbes([]probe{
		{label: "a failed video's thumbnail (null)", req: rest.Request{Path: "/api/videos/" + w.video("noise.bin").id + "/thumbnail", Token: tok}, status: 404},
		{label: "another organization's thumbnail", req: rest.Request{Path: "/api/videos/" + w.videosOf("B")[0].id + "/thumbnail", Token: tok}, status: 404, msg: "Video not found"},
		{label: "an unknown video's thumbnail", req: rest.Request{Path: "/api/videos/" + jwtmint.RandomID("66a1") + "/thumbnail", Token: tok}, status: 404, msg: "Video not found"},
	})
}

// isConnReset reports a connection the server closed while the harness
// was still sending a body it had already decided to refuse; the answer
// is then lost, which is no verdict on the order of checks.
func isConnReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
