package contract

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

const (
	reqREST3 = `"POST /api/videos in multipart/form-data — a file part video, an optional text part title — MUST answer 201 with the video JSON (§10) in the upload state of VID-2. The title is the title part if non-empty, else the last path segment of the file's name, else "Untitled"."`
	reqREST4 = `"The 201 SHOULD carry Location: /api/videos/<id>."`
	reqREST5 = `"A body that is not multipart, has no video file part, or has an empty one MUST get 400 {"error":…}; no video is created, no event is sent."`
	reqREST6 = `"The largest accepted file, N bytes, MUST be configurable. A file of N bytes MUST be accepted; one of N + 1 bytes MUST get 413 {"error":…}, with no video created and no event sent."`
	reqREST7 = `"The server MUST write an upload to storage as it arrives, MUST NOT hold a whole file or request body in memory, and MUST stop storing a file once it passes N." (the harness checks: a chunked upload whose video part runs to N + 256 MiB, sent as fast as the loopback allows, gets 413, and the server keeps answering)`
	reqREST8 = `"The server SHOULD answer 413 as soon as the video part passes N, without waiting for the rest of the body (and then close the connection)." (N + 1 MiB sent, then silence: 413 within 10 s)`
	reqREST9 = `"Any video part of at most N bytes MUST be accepted with 201, whatever its declared type or file extension; processing decides (PROG-7)."`
)

// junk returns n bytes that are no video (processing fails at once).
func junk(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	copy(b, "harness junk, not a video\n")
	return b
}

func strp(s string) *string { return &s }

func restUploadSpecs() []spec {
	title := func(id, label string, u func() rest.Upload, want func(u rest.Upload) string) spec {
		return spec{id: id, clause: "REST-3", level: suite.LevelREST, strength: suite.Must, title: "Upload: " + label, req: reqREST3,
			steps: []string{"→ POST /api/videos multipart: " + label, "← 201 with the video JSON in the upload state, organizationId and uploadedBy of the token, the expected title"},
			run: func(c *suite.C) error {
				e := newEnv(c)
				t := newTenant("rest3")
				up := u()
				start := time.Now()
				_, v, err := e.upload(t.Admin, up)
				if err != nil {
					return err
				}
				if err := checkVideoShape(v); err != nil {
					return suite.Violationf("the video JSON of §10 in the 201", "%v", err)
				}
				if st := stateOf(v); st != uploadState {
					return suite.Violationf("the upload state "+uploadState.String(), "%s", st)
				}
				if v.Org != t.Org || v.Uploader != t.Admin.UserID {
					return suite.Violationf("organizationId and uploadedBy of the token", "%q, %q", v.Org, v.Uploader)
				}
				if w := want(up); v.Title != w {
					return suite.Violationf(fmt.Sprintf("title %q", w), "title %q", v.Title)
				}
				ca, _ := str(v.Raw, "createdAt")
				if at, _ := time.Parse(time.RFC3339Nano, ca); at.Before(start.Add(-10*time.Second)) || at.After(time.Now().Add(10*time.Second)) {
					return suite.Violationf("createdAt the upload time", "%s (harness clock %s)", ca, start.UTC().Format(time.RFC3339Nano))
				}
				return nil
			}}
	}
	fixed := func(s string) func(rest.Upload) string { return func(rest.Upload) string { return s } }
	out := []spec{
		title("REST-3.1", "a title part", func() rest.Upload {
			return rest.Upload{Data: junk(64), FileName: "clip.mp4", ContentType: "video/mp4", Title: strp("Team standup, Monday")}
		}, fixed("Team standup, Monday")),
		title("REST-3.2", "no title part: the file name", func() rest.Upload {
			return rest.Upload{Data: junk(64), FileName: "standup.mp4", ContentType: "video/mp4"}
		}, fixed("standup.mp4")),
		title("REST-3.3", "an empty title part: the file name", func() rest.Upload {
			return rest.Upload{Data: junk(64), FileName: "standup.mp4", ContentType: "video/mp4", Title: strp("")}
		}, fixed("standup.mp4")),
		title("REST-3.4", "a file name with a path: its last segment", func() rest.Upload {
			return rest.Upload{Data: junk(64), FileName: "videos/2026/standup.mp4", ContentType: "video/mp4"}
		}, fixed("standup.mp4")),
		{id: "REST-3.5", clause: "REST-3", level: suite.LevelREST, strength: suite.Must, title: "Upload: an empty file name, no title: Untitled or no file",
			req:   `"A video part whose filename parameter is empty (filename="" …) MAY be taken either as a file titled "Untitled" (201) or as no file (400, REST-5)."`,
			steps: []string{`→ POST /api/videos, video part with filename="", Content-Type video/mp4, 64 bytes`, `← 201 with title "Untitled", or 400 {"error":…}`},
			run:   runREST35},
		title("REST-3.6", "a file name ending in a slash: Untitled", func() rest.Upload {
			return rest.Upload{Data: junk(64), FileName: "clips/", ContentType: "video/mp4"}
		}, fixed("Untitled")),
		{id: "REST-4", clause: "REST-4", level: suite.LevelREST, strength: suite.Should, title: "Location of the new video", req: reqREST4,
			steps: []string{"→ POST /api/videos", "← 201 Location: /api/videos/<id>"},
			run: func(c *suite.C) error {
				e := newEnv(c)
				resp, v, err := e.upload(newTenant("rest4").Admin, rest.Upload{Data: junk(64), FileName: "loc.mp4", ContentType: "video/mp4"})
				if err != nil {
					return err
				}
				loc := resp.Header.Get("Location")
				if u, err := url.Parse(loc); err != nil || u.Path != "/api/videos/"+v.ID {
					return suite.Violationf("Location: /api/videos/"+v.ID, "%q", loc)
				}
				return nil
			}},
		{id: "REST-5", clause: "REST-5", level: suite.LevelREST, strength: suite.Must, title: "No file: 400, nothing created, no event", req: reqREST5,
			steps: []string{"a member's socket of the organization is connected", "→ a JSON body, a urlencoded body, multipart with a title only, an empty video part, the file in a part named file",
				`each ← 400 {"error":…}`, "GET /api/videos is still [], the socket received no event"},
			run: runREST5},
		{id: "REST-6", clause: "REST-6", level: suite.LevelREST, strength: suite.Must, title: "N bytes accepted, N + 1 refused with 413", req: reqREST6, timeout: 60 * time.Second,
			steps: []string{"a socket of the organization is connected", "→ a video part of N bytes (-max-upload): 201", `→ a video part of N + 1 bytes: 413 {"error":…}`,
				"the list holds the first only; no event mentions anything else"},
			run: runREST6},
		{id: "REST-7", clause: "REST-7", level: suite.LevelREST, strength: suite.Must, title: "N + 256 MiB streamed: 413, and the server keeps answering", req: reqREST7, hostile: true, timeout: 90 * time.Second,
			steps: []string{"→ POST /api/videos, Transfer-Encoding: chunked, a video part of N + 256 MiB written as fast as possible", `← 413 {"error":…}`, "GET /api/videos still answers 200"},
			run:   runREST7},
		{id: "REST-8", clause: "REST-8", level: suite.LevelREST, strength: suite.Should, title: "413 while the request is still open", req: reqREST8, timeout: 40 * time.Second,
			steps: []string{"→ POST /api/videos, chunked, N + 1 MiB of the video part, then silence", "← 413 within 10 s, before the body ends"},
			run:   runREST8},
	}
	for i, f := range []struct{ name, ctype string }{{"notes.txt", "text/plain"}, {"page.html", "text/html"}, {"blob", "application/octet-stream"}, {"image.png", "image/png"}} {
		out = append(out, spec{id: fmt.Sprintf("REST-9.%d", i+1), clause: "REST-9", level: suite.LevelREST, strength: suite.Must,
			title: fmt.Sprintf("Any content is accepted: %s (%s)", f.name, f.ctype), req: reqREST9,
			steps: []string{fmt.Sprintf("→ POST /api/videos, video part %q, Content-Type %s, 12 bytes", f.name, f.ctype), `← 201 {…,"status":"processing",…}`},
			run: func(c *suite.C) error {
				e := newEnv(c)
				_, v, err := e.upload(newTenant("rest9").Admin, rest.Upload{Data: []byte("hello world\n"), FileName: f.name, ContentType: f.ctype})
				if err != nil {
					return err
				}
				if v.Status != "processing" {
					return suite.Violationf(`"status":"processing"`, "%q", v.Status)
				}
				return nil
			}})
	}
	return out
}

func runREST5(c *suite.C) error {
	e := newEnv(c)
	t := newTenant("rest5")
	s, err := e.connect("member", t.Member)
	if err != nil {
		return err
	}
	tok := e.token(t.Admin)
	ctx, cancel := e.within()
	defer cancel()
	bodies := []struct {
		label string
		ctype string
		body  []byte
	}{
		{"a JSON body", "application/json", []byte(`{"video":"x"}`)},
		{"a urlencoded body", "application/x-www-form-urlencoded", []byte("video=abc&title=x")},
	}
	for _, mp := range []struct {
		label string
		up    rest.Upload
	}{
		{"multipart with a title only", rest.Upload{NoFile: true, Title: strp("no file")}},
		{"an empty video part", rest.Upload{Data: []byte{}, FileName: "empty.mp4", ContentType: "video/mp4"}},
		{"the file in a part named file", rest.Upload{Field: "file", Data: junk(64), FileName: "x.mp4", ContentType: "video/mp4"}},
		{"an empty multipart form", rest.Upload{NoFile: true}},
	} {
		r, n, ct, closeFn, err := mp.up.Body()
		if err != nil {
			return err
		}
		b := make([]byte, n)
		_, _ = io.ReadFull(r, b)
		closeFn()
		bodies = append(bodies, struct {
			label string
			ctype string
			body  []byte
		}{mp.label, ct, b})
	}
	for _, b := range bodies {
		resp, err := e.api.Do(ctx, rest.Request{Method: http.MethodPost, Path: "/api/videos", Token: tok,
			Header: http.Header{"Content-Type": {b.ctype}}, Body: bytes.NewReader(b.body)})
		if err != nil {
			return err
		}
		if _, ok := resp.ErrorBody(); resp.Status != 400 || !ok {
			return suite.Violationf(`400 {"error":…} for `+b.label, "%s", resp.Summary())
		}
	}
	resp, err := e.get("/api/videos", tok)
	if err != nil {
		return err
	}
	var list []json.RawMessage
	if resp.JSON(&list) != nil || len(list) != 0 {
		return suite.Violationf("no video created", "%s", resp.Summary())
	}
	if err := e.barrier(s); err != nil {
		return err
	}
	if ev := s.Events(); len(ev) > 0 {
		return suite.Violationf("no event", "%s", clip(ev[0].Frame, 300))
	}
	return nil
}

func runREST6(c *suite.C) error {
	n := c.Cfg.MaxUpload
	if n <= 0 {
		return suite.Skip("the target's upload limit is unknown (-max-upload)")
	}
	e := newEnv(c)
	t := newTenant("rest6")
	s, err := e.connect("member", t.Member)
	if err != nil {
		return err
	}
	data := junk(int(n) + 1)
	_, v, err := e.upload(t.Admin, rest.Upload{Data: data[:n], FileName: "limit.mp4", ContentType: "video/mp4"})
	if err != nil {
		return fmt.Errorf("a file of exactly N = %d bytes: %w", n, err)
	}
	ctx, cancel := e.within()
	defer cancel()
	resp, err := e.api.Upload(ctx, e.token(t.Admin), rest.Upload{Data: data, FileName: "limit-plus-one.mp4", ContentType: "video/mp4"})
	if err != nil {
		return err
	}
	if _, ok := resp.ErrorBody(); resp.Status != 413 || !ok {
		return suite.Violationf(fmt.Sprintf(`413 {"error":…} for N + 1 = %d bytes`, n+1), "%s", resp.Summary())
	}
	list, err := e.get("/api/videos", e.token(t.Admin))
	if err != nil {
		return err
	}
	var vids []json.RawMessage
	if list.JSON(&vids) != nil || len(vids) != 1 {
		return suite.Violationf("one video (the N-byte one)", "%s", list.Summary())
	}
	// The accepted one's events end; none may be about anything else.
	pctx, pcancel := c.Within(c.Cfg.ProcessTimeout)
	defer pcancel()
	if _, err := s.Wait(pctx, func(r sioclient.Received) bool {
		return (r.Event == "video:failed" || r.Event == "video:processed") && videoIDOf(r) == v.ID
	}); err != nil {
		return suite.Violationf("a terminal event for the accepted upload (PROG-7)", "%v", err)
	}
	if err := e.barrier(s); err != nil {
		return err
	}
	for _, r := range s.Events() {
		if id := videoIDOf(r); id != v.ID {
			return suite.Violationf("no event for the refused upload", "%s", clip(r.Frame, 300))
		}
	}
	return nil
}

// oversized streams a multipart upload whose video part has size bytes,
// then, when stall, waits silently instead of ending the body.
func oversized(ctx context.Context, c *suite.C, size int64, stall bool) (*rawResult, error) {
	e := newEnv(c)
	boundary := "harness" + jwtmint.RandomID("")
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"video\"; filename=\"huge.mp4\"\r\nContent-Type: video/mp4\r\n\r\n"
	chunk := junk(1 << 20)
	return rawUpload(ctx, c.Cfg.Target, "/api/videos", http.Header{
		"Authorization": {"Bearer " + e.token(newTenant("rest7").Admin)},
		"Content-Type":  {"multipart/form-data; boundary=" + boundary},
	}, c.Log, func(ctx context.Context, w io.Writer) error {
		if _, err := io.WriteString(w, head); err != nil {
			return err
		}
		for sent := int64(0); sent < size; {
			n := min(int64(len(chunk)), size-sent)
			if _, err := w.Write(chunk[:n]); err != nil {
				return err
			}
			sent += n
		}
		if stall {
			<-ctx.Done()
			return ctx.Err()
		}
		_, err := io.WriteString(w, "\r\n--"+boundary+"--\r\n")
		return err
	})
}

func runREST7(c *suite.C) error {
	n := c.Cfg.MaxUpload
	if n <= 0 {
		return suite.Skip("the target's upload limit is unknown (-max-upload)")
	}
	res, err := oversized(c.Ctx, c, n+256<<20, false)
	if err != nil {
		return suite.Violationf("413 for a video part of N + 256 MiB", "%v", err)
	}
	c.Measure("body bytes sent before the answer", res.Sent)
	c.Measure("answer after", res.Answered.Round(time.Millisecond).String())
	if res.Resp.StatusCode != 413 {
		return suite.Violationf(`413 {"error":…}`, "%s %s", res.Resp.Status, clip(string(res.Body), 200))
	}
	var body struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(res.Body, &body) != nil || body.Error == "" {
		return suite.Violationf(`413 {"error":…}`, "413 %s", clip(string(res.Body), 200))
	}
	resp, err := newEnv(c).get("/api/videos", newEnv(c).token(newTenant("alive").Member))
	if err != nil || resp.Status != 200 {
		return suite.Violationf("GET /api/videos still answers 200", "%v %v", summary(resp), err)
	}
	return nil
}

func runREST8(c *suite.C) error {
	n := c.Cfg.MaxUpload
	if n <= 0 {
		return suite.Skip("the target's upload limit is unknown (-max-upload)")
	}
	// Sending N + 1 MiB over the loopback takes well under a second; the
	// rest of the window is the 10 s of silence the clause allows.
	ctx, cancel := c.Within(11 * time.Second)
	defer cancel()
	res, err := oversized(ctx, c, n+1<<20, true)
	if err != nil {
		return suite.Violationf("413 within 10 s while the request is open", "%v", err)
	}
	c.Measure("answer after", res.Answered.Round(time.Millisecond).String())
	if res.Resp.StatusCode != 413 {
		return suite.Violationf("413 while the request is open", "%s", res.Resp.Status)
	}
	return nil
}

// runREST35 accepts both outcomes REST-3 allows for filename="" and
// records which one the target chose.
func runREST35(c *suite.C) error {
	e := newEnv(c)
	t := newTenant("rest35")
	ctx, cancel := e.within()
	defer cancel()
	resp, err := e.api.Upload(ctx, e.token(t.Admin), rest.Upload{Data: junk(64), FileName: "", ContentType: "video/mp4"})
	if err != nil {
		return err
	}
	switch resp.Status {
	case 201:
		v, err := parseVideo(resp.Body)
		if err != nil || v.Title != "Untitled" {
			return suite.Violationf(`201 with title "Untitled"`, "%s", resp.Summary())
		}
		c.Observed(`taken as a file: 201, title "Untitled"`)
	case 400:
		if _, ok := resp.ErrorBody(); !ok {
			return suite.Violationf(`400 {"error":…}`, "%s", resp.Summary())
		}
		c.Observed("taken as no file: %s", resp.Summary())
	default:
		return suite.Violationf(`201 "Untitled" or 400`, "%s", resp.Summary())
	}
	return nil
}
