package faults

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"socketlab/conformance/internal/faultproxy"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

// bandwidthKBps is the slow link: a poor mobile connection.
const bandwidthKBps = 32

func init() {
	suite.Register(suite.Case{
		ID: "FAULT-BANDWIDTH-1", Level: suite.LevelFaults, On: suite.App, Strength: suite.Must,
		Title: "A 32 KB/s link: upload, processing, events and streaming",
		Requirement: `A slow link changes no rule: "POST /api/videos … MUST answer 201 with the video JSON", "every accepted upload MUST reach a terminal event", ` +
			`the events MUST arrive in order, and without Range the stream MUST answer "200 with exactly the uploaded bytes".`,
		Source: "contract REST-3, PROG-2, PROG-4, PROG-7, VID-2, STREAM-4",
		Steps: []string{
			"fault proxy: 32 KB/s each way; everything below goes through it",
			"a member connects over WebSocket; the admin uploads calm.mp4 (multipart, exact Content-Length): 201",
			"the member's socket receives 10 → 40 → 70 → processed with the fixture's metadata",
			"GET /api/videos/{id}: the completed video; GET of its streamUrl: 200 with exactly the fixture's bytes",
		},
		Timeout: 60 * time.Second,
		Run:     slowLink,
	})
}

func slowLink(c *suite.C) error {
	p, base, err := startProxy(c)
	if err != nil {
		return err
	}
	setToxics(c, p, faultproxy.Toxics{BandwidthKBps: bandwidthKBps}, "32 KB/s each way")
	o := newOrg(c)
	slow := rest.New(base, c.Log)
	c.Expect("201, 10 → 40 → 70 → processed, the completed video, the stream byte for byte")
	s, err := dial(c, base, auth(o.MemberToken), sioclient.Options{Log: c.Log, Name: "member"})
	if s != nil {
		defer s.Close()
	}
	if err != nil {
		return blame("the CONNECT accepted over the slow link", err)
	}
	v, resp, err := upload(c, slow, o.AdminToken)
	if err != nil {
		return err
	}
	c.Measure("upload_ms", ms(resp.Elapsed))
	ctx, cancel := c.Within(c.Cfg.ProcessTimeout)
	defer cancel()
	if _, err := s.Wait(ctx, terminal(v.ID)); err != nil {
		return blame("the video's terminal event over the slow link", err)
	}
	if got := steps(v.ID, s); !slices.Equal(got, fullRun) {
		return suite.Violationf("10 → 40 → 70 → processed (contract PROG-2)", "%s", joined(got))
	}
	if err := processed(c, s, v.ID); err != nil {
		return err
	}
	got, err := getVideo(ctx, slow, o.MemberToken, v.ID)
	if err != nil {
		return err
	}
	if err := completed(c, got, "GET /api/videos/"+v.ID+" is the completed video (contract VID-2)"); err != nil {
		return err
	}
	want, err := os.ReadFile(filepath.Join(c.Cfg.Fixtures, calm))
	if err != nil {
		return err
	}
	stream, err := slow.Get(ctx, got.StreamURL, "")
	if err != nil {
		return blame("the stream over the slow link", err)
	}
	c.Measure("stream_ms", ms(stream.Elapsed))
	if stream.Status != http.StatusOK || !bytes.Equal(stream.Body, want) {
		return suite.Violationf("200 with exactly the uploaded bytes (contract STREAM-4)", "%d, %d bytes (want %d), equal: %v",
			stream.Status, len(stream.Body), len(want), bytes.Equal(stream.Body, want))
	}
	c.Observed("upload 201 in %v, processed with the fixture's metadata, %d bytes streamed back in %v",
		resp.Elapsed.Round(time.Millisecond), len(stream.Body), stream.Elapsed.Round(time.Millisecond))
	return nil
}
