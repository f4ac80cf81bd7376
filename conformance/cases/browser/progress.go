package browser

import (
	"errors"
	"fmt"
	"strings"
	"time"

	chrome "socketlab/conformance/internal/browser"
	"socketlab/conformance/internal/suite"
)

var progressCases = []suite.Case{{
	ID: "BROWSER-PROG-1", Level: suite.LevelBrowser, On: suite.App, Strength: suite.Must,
	Title: "An upload's progress reaches the page in order: 10, 40, 70, then video:processed",
	Requirement: `"A video's events MUST begin with (10, metadata); stages follow in order, each at most once … A video that completes has had all three before video:processed" (PROG-2), ` +
		`sent to "the union of <organizationId> and video:<id>" (PROG-6) — so a page of the organization, on the official client, sees them in that order.`,
	Source: "contract PROG-1, PROG-2, PROG-6, IO-2",
	Steps: []string{
		"in Chromium, connect a member of a fresh organization with the default transports",
		"upload calm.mp4 over REST as the organization's admin",
		"expect in the page, for that video: video:progress 10 metadata, 40 thumbnail, 70 sensitivity, then video:processed, each once, in this order",
	},
	Timeout: 3 * time.Minute,
	Run:     progressInPage,
}}

// stagesInOrder is PROG-1's table, in PROG-2's order.
var stagesInOrder = []struct {
	progress float64
	stage    string
}{{10, "metadata"}, {40, "thumbnail"}, {70, "sensitivity"}}

func progressInPage(c *suite.C) error {
	t := newTenant(c)
	tab, err := openTab(c)
	if err != nil {
		return err
	}
	if _, err := connected(c, tab, c.Cfg.Target, chrome.ConnectOptions{Auth: auth(t.token(t.Member))}); err != nil {
		return err
	}
	id, err := upload(c, t)
	if err != nil {
		return err
	}
	return videoEventsInOrder(c, tab, id, 0)
}

// videoEventsInOrder waits for video id's terminal event in the page
// (records from index from on) and checks its events: 10, 40, 70, then
// video:processed, once each.
func videoEventsInOrder(c *suite.C, tab *chrome.Tab, id string, from int) error {
	c.Expect("video:progress 10/metadata, 40/thumbnail, 70/sensitivity, video:processed for %s, in order", id)
	began := time.Now()
	ctx, cancel := c.Within(c.Cfg.ProcessTimeout)
	defer cancel()
	terminal := func(r chrome.Record) bool {
		return (r.Event == "video:processed" || r.Event == "video:failed") && r.Kind == "event" && r.Body()["videoId"] == id
	}
	if _, err := tab.Wait(ctx, from, "video:processed of "+id, terminal); err != nil {
		var timeout *chrome.TimeoutError
		if errors.As(err, &timeout) {
			return suite.Violationf("a terminal event for the upload in the page (PROG-7)", "none within %v; the page saw: %s", c.Cfg.ProcessTimeout, chrome.Kinds(timeout.Seen))
		}
		return err
	}
	var got []string
	var times []time.Time
	for _, r := range tab.Seen()[from:] {
		if r.Kind != "event" || !strings.HasPrefix(r.Event, "video:") || r.Body()["videoId"] != id {
			continue
		}
		b := r.Body()
		switch r.Event {
		case "video:progress":
			got = append(got, fmt.Sprintf("%v/%v", b["progress"], b["stage"]))
		default:
			got = append(got, r.Event)
		}
		times = append(times, r.Time())
	}
	want := make([]string, 0, 4)
	for _, s := range stagesInOrder {
		want = append(want, fmt.Sprintf("%v/%v", s.progress, s.stage))
	}
	want = append(want, "video:processed")
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		return suite.Violationf(strings.Join(want, ", "), "%s", strings.Join(got, ", "))
	}
	c.Measure("processed_after_ms", time.Since(began).Milliseconds())
	c.Measure("first_to_last_ms", times[len(times)-1].Sub(times[0]).Milliseconds())
	c.Observed("%s, in the page", strings.Join(got, ", "))
	return nil
}
