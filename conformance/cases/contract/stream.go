package contract

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/suite"
)

const (
	reqSTREAM1  = `"When the query has sig, the request MUST be judged by the signature alone, Authorization ignored: valid → served, else 403 (STREAM-3). Without sig, AUTH-9 applies, and another organization's or an unknown video gets 404 {"error":"Video not found"}."`
	reqSTREAM2  = `"streamUrl MUST be /api/videos/<id>/stream?exp=<E>&sig=<S>: E an integer Unix time with now < E ≤ now + 3600 when the JSON is sent (at most one hour; the harness allows 5 s), and S = base64url-without-padding(HMAC-SHA-256(key = shared secret, message = "media:<id>:<E>"))."`
	reqSTREAM3  = `"With sig present, the server MUST answer 403 {"error":…} when now > E, when E is more than 3600 s ahead, when exp is missing or not an integer, and when S does not match: a changed byte, a changed exp, a signature made for another video."`
	reqSTREAM4  = `"Without Range, the answer MUST be 200 with exactly the uploaded bytes, Content-Length and Accept-Ranges: bytes, from the 201 of REST-3 on, whatever the status."`
	reqSTREAM5  = `"A single range bytes=a-b, bytes=a- or bytes=-n with a below the size N MUST get 206 with Content-Range: bytes a-b/N (b clamped to N − 1; a suffix longer than the file means all of it), Content-Length: b − a + 1, Accept-Ranges: bytes and exactly those bytes."`
	reqSTREAM6  = `"A range starting at or past the end MUST get 416 with Content-Range: bytes */N."`
	reqSTREAM7  = `"200 and 206 answers MUST carry Last-Modified (an ETag MAY be added). A range with If-Range equal to the current Last-Modified, or to the current strong ETag, MUST be honoured (206); with an earlier date or any other entity tag, the whole file MUST be sent (200)."`
	reqSTREAM8  = `"Stream answers MUST have a Content-Type of video/* or application/octet-stream — never text/html or another type a browser renders or runs — whatever the upload's declared type or name; stream and thumbnail answers MUST carry X-Content-Type-Options: nosniff."`
	reqSTREAM9  = `"Several ranges, a malformed Range or a unit other than bytes MUST get 200 (whole file), 206 (single or multipart/byteranges) or 416; never a 5xx, never wrong bytes."`
	reqSTREAM10 = `"HEAD on the stream SHOULD answer with the headers of the matching GET and no body."`
	reqSTREAM11 = `"The thumbnail endpoint SHOULD also accept the exp and sig of the video's current streamUrl (the signature names the video, not the path), so that <img src> works without a header."`
)

// signedPath is the stream URL the harness mints with the shared secret.
func signedPath(secret, id, exp string) string {
	sig := jwtmint.HMAC(jwtmint.SHA256, []byte(secret), "media:"+id+":"+exp)
	return "/api/videos/" + id + "/stream?exp=" + url.QueryEscape(exp) + "&sig=" + sig
}

// streamFixture is the world's completed pattern video and its bytes.
func streamFixture(c *suite.C) (*world, *worldVideo, []byte, error) {
	w, err := getWorld(c, "none")
	if err != nil {
		return nil, nil, nil, err
	}
	v := w.video("pattern.mp4")
	data, err := os.ReadFile(newEnv(c).fixture(v.fixture))
	return w, v, data, err
}

func streamSpecs() []spec {
	ws := func(id, clause, title, req string, strength suite.Strength, steps []string, run func(*suite.C) error) spec {
		return spec{id: id, clause: clause, level: suite.LevelREST, strength: strength, title: title, req: req, steps: steps, world: true, run: run}
	}
	out := []spec{
		ws("STREAM-1", "STREAM-1", "Signed requests by signature alone; unsigned by Bearer", reqSTREAM1, suite.Must,
			[]string{"streamUrl without Authorization: 200", "streamUrl with another organization's Bearer, and with Bearer garbage: 200",
				"a tampered sig with the owner's Bearer: 403", "no sig, no Authorization: 401 Authentication required",
				"no sig, another organization's token or an unknown video: 404 Video not found", "no sig, the organization's token: 200"}, runSTREAM1),
		ws("STREAM-2.1", "STREAM-2", "streamUrl: its form, expiry and signature", reqSTREAM2, suite.Must,
			[]string{"every streamUrl the shared run saw (201, GET, list, ack)", "/api/videos/<id>/stream?exp=E&sig=S, now < E ≤ now + 3600 (+5 s), S = HMAC-SHA-256(secret, media:<id>:<E>)"}, runSTREAM21),
		ws("STREAM-2.2", "STREAM-2", "A link the harness signs is served", reqSTREAM2, suite.Must,
			[]string{"mint /api/videos/<id>/stream?exp=<now+600>&sig=<HMAC>", "GET it without Authorization: 200"}, runSTREAM22),
	}
	type bad struct {
		id, title string
		path      func(secret, id, other string) string
	}
	now := func(d time.Duration) string { return strconv.FormatInt(time.Now().Add(d).Unix(), 10) }
	for _, b := range []bad{
		{"STREAM-3.1", "Expired 10 s ago, validly signed", func(s, id, _ string) string { return signedPath(s, id, now(-10*time.Second)) }},
		{"STREAM-3.2", "Expiring in 3700 s, validly signed", func(s, id, _ string) string { return signedPath(s, id, now(3700*time.Second)) }},
		{"STREAM-3.3", "No exp", func(s, id, _ string) string {
			return "/api/videos/" + id + "/stream?sig=" + jwtmint.HMAC(jwtmint.SHA256, []byte(s), "media:"+id+":"+now(time.Hour))
		}},
		{"STREAM-3.4", "exp in exponent notation, signed over that text", func(s, id, _ string) string { return signedPath(s, id, "1.5e9") }},
		{"STREAM-3.5", "exp with a fraction, signed over that text", func(s, id, _ string) string { return signedPath(s, id, now(time.Hour)+".5") }},
		{"STREAM-3.6", "A changed signature byte", func(s, id, _ string) string { return tamperSig(signedPath(s, id, now(time.Hour))) }},
		{"STREAM-3.7", "A changed exp", func(s, id, _ string) string {
			e := now(time.Hour)
			p := signedPath(s, id, e)
			n, _ := strconv.ParseInt(e, 10, 64)
			return strings.Replace(p, "exp="+e, "exp="+strconv.FormatInt(n+1, 10), 1)
		}},
		{"STREAM-3.8", "A signature made for another video", func(s, id, other string) string {
			e := now(time.Hour)
			p := signedPath(s, other, e)
			return "/api/videos/" + id + "/stream" + p[strings.Index(p, "?"):]
		}},
	} {
		out = append(out, ws(b.id, "STREAM-3", b.title, reqSTREAM3, suite.Must,
			[]string{"→ GET /api/videos/<id>/stream with " + strings.ToLower(b.title[:1]) + b.title[1:] + " (and the owner's Bearer, which must not matter)", `← 403 {"error":…}`},
			func(c *suite.C) error {
				w, v, _, err := streamFixture(c)
				if err != nil {
					return err
				}
				e := newEnv(c)
				return e.runProbes([]probe{{label: b.title, req: rest.Request{Path: b.path(c.Cfg.Secret, v.id, w.videosOf("B")[0].id), Token: e.token(w.A.Admin)}, status: 403}})
			}))
	}
	out = append(out,
		spec{id: "STREAM-4.1", clause: "STREAM-4", level: suite.LevelREST, strength: suite.Must, title: "The whole file right after the 201", req: reqSTREAM4,
			steps: []string{"upload 64 KiB of random bytes", "GET its streamUrl at once, no Range", "200, exactly the uploaded bytes, Content-Length, Accept-Ranges: bytes"},
			run:   runSTREAM41},
		ws("STREAM-4.2", "STREAM-4", "The whole file of a completed video", reqSTREAM4, suite.Must,
			[]string{"GET the completed pattern video's streamUrl, no Range", "200, exactly the fixture's bytes, Content-Length, Accept-Ranges: bytes"}, runSTREAM42),
		ws("STREAM-5", "STREAM-5", "Single ranges", reqSTREAM5, suite.Must,
			[]string{"bytes=0-99, 100-199, -500, (N−10)-, 0-, 10-(N+1000), -(N+100), (N−1)-(N−1)", "206, Content-Range, Content-Length, Accept-Ranges and exactly those bytes"}, runSTREAM5),
		ws("STREAM-6", "STREAM-6", "Ranges at or past the end: 416", reqSTREAM6, suite.Must,
			[]string{"bytes=N-, bytes=(N+5)-(N+10)", "416 Content-Range: bytes */N"}, runSTREAM6),
		ws("STREAM-7", "STREAM-7", "Last-Modified and If-Range", reqSTREAM7, suite.Must,
			[]string{"Last-Modified on 200 and 206", "If-Range = Last-Modified: 206", "If-Range an earlier date: 200", `If-Range "not-the-etag": 200`, "If-Range = a strong ETag (when sent): 206"}, runSTREAM7),
		spec{id: "STREAM-8", clause: "STREAM-8", level: suite.LevelREST, strength: suite.Must, title: "Safe media types and nosniff", req: reqSTREAM8, world: true,
			steps: []string{"upload x.html (text/html, <script>…) and x.svg (image/svg+xml)", "their streams: video/* or application/octet-stream, X-Content-Type-Options: nosniff",
				"the pattern video's stream and thumbnail: nosniff"},
			run: runSTREAM8},
		ws("STREAM-9", "STREAM-9", "Other range forms: 200, 206 or 416 with the right bytes", reqSTREAM9, suite.Must,
			[]string{"bytes=0-1,5-6; items=0-5; bytes=abc; bytes=5-1; bytes=--1; bytes=0-1-2; bytes=-0; bytes=0-1,0-1,0-1", "each 200 (the whole file), 206 (the right bytes, single or multipart/byteranges) or 416; never 5xx"}, runSTREAM9),
		ws("STREAM-10", "STREAM-10", "HEAD on the stream", reqSTREAM10, suite.Should,
			[]string{"HEAD streamUrl", "200, Accept-Ranges: bytes, Content-Length N"}, runSTREAM10),
		ws("STREAM-11", "STREAM-11", "Signed thumbnails", reqSTREAM11, suite.Should,
			[]string{"GET /api/videos/<id>/thumbnail?exp=…&sig=… (from streamUrl), no Authorization", "200 image/jpeg"}, runSTREAM11),
	)
	return out
}

func runSTREAM1(c *suite.C) error {
	w, v, data, err := streamFixture(c)
	if err != nil {
		return err
	}
	e := newEnv(c)
	signed := v.final.StreamURL
	for _, auth := range []struct{ label, header string }{{"no Authorization", ""}, {"another organization's Bearer", "Bearer " + e.token(w.B.Admin)}, {"Bearer garbage", "Bearer garbage"}} {
		h := http.Header{}
		if auth.header != "" {
			h.Set("Authorization", auth.header)
		}
		ctx, cancel := e.within()
		resp, err := e.api.Do(ctx, rest.Request{Path: signed, Header: h})
		cancel()
		if err != nil {
			return err
		}
		if resp.Status != 200 || !bytes.Equal(resp.Body, data) {
			return suite.Violationf("200 and the file for a valid signature with "+auth.label, "%s", resp.Summary())
		}
	}
	unsigned := "/api/videos/" + v.id + "/stream"
	if err := e.runProbes([]probe{
		{label: "a tampered signature with the owner's Bearer", req: rest.Request{Path: tamperSig(signed), Token: e.token(w.A.Admin)}, status: 403},
		{label: "no sig, no Authorization", req: rest.Request{Path: unsigned}, status: 401, msg: msgAuthRequired},
		{label: "no sig, another organization's token", req: rest.Request{Path: unsigned, Token: e.token(w.B.Member)}, status: 404, msg: "Video not found"},
		{label: "no sig, an unknown video", req: rest.Request{Path: "/api/videos/" + jwtmint.RandomID("66a1") + "/stream", Token: e.token(w.A.Member)}, status: 404, msg: "Video not found"},
	}); err != nil {
		return err
	}
	resp, err := e.get(unsigned, e.token(w.A.Member))
	if err != nil {
		return err
	}
	if resp.Status != 200 || !bytes.Equal(resp.Body, data) {
		return suite.Violationf("200 and the file without sig, with the organization's token", "%s", resp.Summary())
	}
	return nil
}

// checkStreamURL judges one streamUrl as sent at time sent.
func checkStreamURL(secret, id, s string, sent time.Time) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path != "/api/videos/"+id+"/stream" {
		return fmt.Errorf("%q is not /api/videos/%s/stream?…", s, id)
	}
	q := u.Query()
	if len(q) != 2 || len(q["exp"]) != 1 || len(q["sig"]) != 1 {
		return fmt.Errorf("%q: the query must be exactly exp and sig", s)
	}
	e := q.Get("exp")
	exp, err := strconv.ParseInt(e, 10, 64)
	if err != nil || strconv.FormatInt(exp, 10) != e {
		return fmt.Errorf("%q: exp is not an integer", s)
	}
	if at := time.Unix(exp, 0); !at.After(sent.Add(-5*time.Second)) || at.After(sent.Add(3605*time.Second)) {
		return fmt.Errorf("%q: exp %s is not within (now, now + 3600 s] of %s", s, at.UTC().Format(time.RFC3339), sent.UTC().Format(time.RFC3339))
	}
	if want := jwtmint.HMAC(jwtmint.SHA256, []byte(secret), "media:"+id+":"+e); q.Get("sig") != want {
		return fmt.Errorf("%q: sig is not HMAC-SHA-256(secret, %q)", s, "media:"+id+":"+e)
	}
	return nil
}

func runSTREAM21(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	// The run lasts seconds: its start and end bound every "now".
	for _, v := range w.videos {
		for _, x := range []video{v.created, v.final} {
			if err := checkStreamURL(c.Cfg.Secret, v.id, x.StreamURL, w.started); err != nil {
				if err2 := checkStreamURL(c.Cfg.Secret, v.id, x.StreamURL, w.finished); err2 != nil {
					return suite.Violationf("a signed streamUrl of the contract's form", "%v", err)
				}
			}
		}
	}
	return nil
}

func runSTREAM22(c *suite.C) error {
	_, v, data, err := streamFixture(c)
	if err != nil {
		return err
	}
	e := newEnv(c)
	resp, err := e.get(signedPath(c.Cfg.Secret, v.id, strconv.FormatInt(time.Now().Add(10*time.Minute).Unix(), 10)), "")
	if err != nil {
		return err
	}
	if resp.Status != 200 || !bytes.Equal(resp.Body, data) {
		return suite.Violationf("200 and the file for a link signed as STREAM-2 says", "%s", resp.Summary())
	}
	return nil
}

// checkWhole judges a 200 with the whole file.
func checkWhole(resp *rest.Response, data []byte) error {
	switch {
	case resp.Status != 200:
		return fmt.Errorf("status %d", resp.Status)
	case !bytes.Equal(resp.Body, data):
		return fmt.Errorf("%d bytes that are not the uploaded %d", len(resp.Body), len(data))
	case resp.Header.Get("Content-Length") != strconv.Itoa(len(data)):
		return fmt.Errorf("Content-Length %q, want %d", resp.Header.Get("Content-Length"), len(data))
	case resp.Header.Get("Accept-Ranges") != "bytes":
		return fmt.Errorf("Accept-Ranges %q", resp.Header.Get("Accept-Ranges"))
	}
	return nil
}

func runSTREAM41(c *suite.C) error {
	e := newEnv(c)
	data := junk(64 << 10)
	t := newTenant("stream4")
	_, v, err := e.upload(t.Admin, rest.Upload{Data: data, FileName: "noise.mp4", ContentType: "video/mp4"})
	if err != nil {
		return err
	}
	resp, err := e.get(v.StreamURL, "")
	if err != nil {
		return err
	}
	if err := checkWhole(resp, data); err != nil {
		return suite.Violationf("200, the uploaded bytes, Content-Length and Accept-Ranges: bytes, from the 201 on", "%v: %s", err, resp.Summary())
	}
	return nil
}

func runSTREAM42(c *suite.C) error {
	_, v, data, err := streamFixture(c)
	if err != nil {
		return err
	}
	resp, err := newEnv(c).get(v.final.StreamURL, "")
	if err != nil {
		return err
	}
	if err := checkWhole(resp, data); err != nil {
		return suite.Violationf("200, the uploaded bytes, Content-Length and Accept-Ranges: bytes", "%v: %s", err, resp.Summary())
	}
	return nil
}

// checkRange judges a 206 for the range [a, b] of data.
func checkRange(resp *rest.Response, data []byte, a, b int) error {
	n := len(data)
	want := fmt.Sprintf("bytes %d-%d/%d", a, b, n)
	switch {
	case resp.Status != 206:
		return fmt.Errorf("status %d", resp.Status)
	case resp.Header.Get("Content-Range") != want:
		return fmt.Errorf("Content-Range %q, want %q", resp.Header.Get("Content-Range"), want)
	case resp.Header.Get("Content-Length") != strconv.Itoa(b-a+1):
		return fmt.Errorf("Content-Length %q, want %d", resp.Header.Get("Content-Length"), b-a+1)
	case resp.Header.Get("Accept-Ranges") != "bytes":
		return fmt.Errorf("Accept-Ranges %q", resp.Header.Get("Accept-Ranges"))
	case !bytes.Equal(resp.Body, data[a:b+1]):
		return fmt.Errorf("%d bytes that are not bytes %d-%d", len(resp.Body), a, b)
	}
	return nil
}

func (e *env) ranged(path, rng string, extra ...string) (*rest.Response, error) {
	return e.get(path, "", append([]string{"Range", rng}, extra...)...)
}

func runSTREAM5(c *suite.C) error {
	_, v, data, err := streamFixture(c)
	if err != nil {
		return err
	}
	e := newEnv(c)
	n := len(data)
	for _, r := range []struct {
		spec string
		a, b int
	}{{"bytes=0-99", 0, 99}, {"bytes=100-199", 100, 199}, {"bytes=-500", n - 500, n - 1}, {fmt.Sprintf("bytes=%d-", n-10), n - 10, n - 1},
		{"bytes=0-", 0, n - 1}, {fmt.Sprintf("bytes=10-%d", n+1000), 10, n - 1}, {fmt.Sprintf("bytes=-%d", n+100), 0, n - 1}, {fmt.Sprintf("bytes=%d-%d", n-1, n-1), n - 1, n - 1}} {
		resp, err := e.ranged(v.final.StreamURL, r.spec)
		if err != nil {
			return err
		}
		if err := checkRange(resp, data, r.a, r.b); err != nil {
			return suite.Violationf(fmt.Sprintf("206 bytes %d-%d/%d for Range: %s", r.a, r.b, n, r.spec), "%v", err)
		}
	}
	return nil
}

func runSTREAM6(c *suite.C) error {
	_, v, data, err := streamFixture(c)
	if err != nil {
		return err
	}
	e := newEnv(c)
	n := len(data)
	for _, spec := range []string{fmt.Sprintf("bytes=%d-", n), fmt.Sprintf("bytes=%d-%d", n+5, n+10)} {
		resp, err := e.ranged(v.final.StreamURL, spec)
		if err != nil {
			return err
		}
		if want := fmt.Sprintf("bytes */%d", n); resp.Status != 416 || resp.Header.Get("Content-Range") != want {
			return suite.Violationf("416 Content-Range: "+want+" for Range: "+spec, "%d Content-Range %q", resp.Status, resp.Header.Get("Content-Range"))
		}
	}
	return nil
}

func runSTREAM7(c *suite.C) error {
	_, v, data, err := streamFixture(c)
	if err != nil {
		return err
	}
	e := newEnv(c)
	whole, err := e.get(v.final.StreamURL, "")
	if err != nil {
		return err
	}
	part, err := e.ranged(v.final.StreamURL, "bytes=100-199")
	if err != nil {
		return err
	}
	lm := whole.Header.Get("Last-Modified")
	lmTime, perr := http.ParseTime(lm)
	if lm == "" || perr != nil || part.Header.Get("Last-Modified") == "" {
		return suite.Violationf("Last-Modified on 200 and 206", "200: %q, 206: %q", lm, part.Header.Get("Last-Modified"))
	}
	checks := []struct {
		label, ifRange string
		partial        bool
	}{
		{"If-Range = Last-Modified", lm, true},
		{"If-Range an earlier date", lmTime.Add(-time.Hour).UTC().Format(http.TimeFormat), false},
		{`If-Range "not-the-etag"`, `"not-the-etag"`, false},
	}
	if et := whole.Header.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		checks = append(checks, struct {
			label, ifRange string
			partial        bool
		}{"If-Range = the strong ETag", et, true}, struct {
			label, ifRange string
			partial        bool
		}{"If-Range = the ETag made weak", "W/" + et, false})
	}
	for _, ch := range checks {
		resp, err := e.ranged(v.final.StreamURL, "bytes=100-199", "If-Range", ch.ifRange)
		if err != nil {
			return err
		}
		if ch.partial {
			if err := checkRange(resp, data, 100, 199); err != nil {
				return suite.Violationf("206 for "+ch.label, "%v", err)
			}
		} else if err := checkWhole(resp, data); err != nil {
			return suite.Violationf("200 and the whole file for "+ch.label, "%v", err)
		}
	}
	return nil
}

func runSTREAM8(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	e := newEnv(c)
	t := newTenant("stream8")
	safe := func(ct string) bool {
		mt, _, _ := mime.ParseMediaType(ct)
		return strings.HasPrefix(mt, "video/") || mt == "application/octet-stream"
	}
	for _, up := range []struct{ name, ctype, body string }{
		{"x.html", "text/html", "<!doctype html><script>alert(document.domain)</script>"},
		{"x.svg", "image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`},
	} {
		_, v, err := e.upload(t.Admin, rest.Upload{Data: []byte(up.body), FileName: up.name, ContentType: up.ctype})
		if err != nil {
			return err
		}
		resp, err := e.get(v.StreamURL, "")
		if err != nil {
			return err
		}
		if resp.Status != 200 || !safe(resp.Header.Get("Content-Type")) {
			return suite.Violationf("video/* or application/octet-stream for "+up.name, "%s", resp.Summary())
		}
		if !strings.EqualFold(resp.Header.Get("X-Content-Type-Options"), "nosniff") {
			return suite.Violationf("X-Content-Type-Options: nosniff on the stream", "%q", resp.Header.Get("X-Content-Type-Options"))
		}
	}
	v := w.video("pattern.mp4")
	stream, err := e.get(v.final.StreamURL, "")
	if err != nil {
		return err
	}
	thumb, err := e.get("/api/videos/"+v.id+"/thumbnail", e.token(w.A.Member))
	if err != nil {
		return err
	}
	if !safe(stream.Header.Get("Content-Type")) {
		return suite.Violationf("video/* or application/octet-stream for an MP4", "%s", stream.Summary())
	}
	for _, r := range []*rest.Response{stream, thumb} {
		if !strings.EqualFold(r.Header.Get("X-Content-Type-Options"), "nosniff") {
			return suite.Violationf("X-Content-Type-Options: nosniff on stream and thumbnail", "%s: %q", r.Summary(), r.Header.Get("X-Content-Type-Options"))
		}
	}
	return nil
}

func runSTREAM9(c *suite.C) error {
	_, v, data, err := streamFixture(c)
	if err != nil {
		return err
	}
	e := newEnv(c)
	for _, spec := range []string{"bytes=0-1,5-6", "items=0-5", "bytes=abc", "bytes=5-1", "bytes=--1", "bytes=0-1-2", "bytes=-0", "bytes=0-1,0-1,0-1", "bytes=", "bytes=-"} {
		resp, err := e.ranged(v.final.StreamURL, spec)
		if err != nil {
			return err
		}
		if err := judgeAnyRange(resp, data, spec); err != nil {
			return suite.Violationf("200 (whole file), 206 (the right bytes) or 416 for Range: "+spec, "%v: %s", err, resp.Summary())
		}
	}
	return nil
}

// judgeAnyRange accepts a 200 with the whole file, a 206 whose bytes are
// those its Content-Range (or multipart parts) name, or a 416.
func judgeAnyRange(resp *rest.Response, data []byte, spec string) error {
	switch resp.Status {
	case 200:
		if !bytes.Equal(resp.Body, data) {
			return fmt.Errorf("a 200 that is not the whole file")
		}
		return nil
	case 416:
		return nil
	case 206:
		mt, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if mt == "multipart/byteranges" {
			mr := multipart.NewReader(bytes.NewReader(resp.Body), params["boundary"])
			parts := 0
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					return fmt.Errorf("a broken multipart/byteranges body: %v", err)
				}
				body, _ := io.ReadAll(p)
				if err := sameBytes(p.Header.Get("Content-Range"), body, data); err != nil {
					return err
				}
				parts++
			}
			if parts == 0 {
				return fmt.Errorf("an empty multipart/byteranges body")
			}
			return nil
		}
		return sameBytes(resp.Header.Get("Content-Range"), resp.Body, data)
	}
	return fmt.Errorf("status %d", resp.Status)
}

// sameBytes checks that body is the part of data cr ("bytes a-b/N") names.
func sameBytes(cr string, body, data []byte) error {
	var a, b, n int
	if _, err := fmt.Sscanf(cr, "bytes %d-%d/%d", &a, &b, &n); err != nil || n != len(data) || a < 0 || b < a || b >= n {
		return fmt.Errorf("Content-Range %q", cr)
	}
	if !bytes.Equal(body, data[a:b+1]) {
		return fmt.Errorf("the bytes are not %s", cr)
	}
	return nil
}

func runSTREAM10(c *suite.C) error {
	_, v, data, err := streamFixture(c)
	if err != nil {
		return err
	}
	e := newEnv(c)
	ctx, cancel := e.within()
	defer cancel()
	resp, err := e.api.Do(ctx, rest.Request{Method: http.MethodHead, Path: v.final.StreamURL})
	if err != nil {
		return err
	}
	if resp.Status != 200 || resp.Header.Get("Accept-Ranges") != "bytes" || resp.Header.Get("Content-Length") != strconv.Itoa(len(data)) {
		return suite.Violationf(fmt.Sprintf("200, Accept-Ranges: bytes, Content-Length: %d", len(data)), "%d, Accept-Ranges %q, Content-Length %q",
			resp.Status, resp.Header.Get("Accept-Ranges"), resp.Header.Get("Content-Length"))
	}
	return nil
}

func runSTREAM11(c *suite.C) error {
	_, v, _, err := streamFixture(c)
	if err != nil {
		return err
	}
	u, _ := url.Parse(v.final.StreamURL)
	resp, err := newEnv(c).get("/api/videos/"+v.id+"/thumbnail?"+u.RawQuery, "")
	if err != nil {
		return err
	}
	if resp.Status != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/jpeg") {
		return suite.Violationf("200 image/jpeg for the signed thumbnail", "%s", resp.Summary())
	}
	return nil
}
