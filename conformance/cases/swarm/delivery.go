package swarm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/setcheck"
	"socketlab/conformance/internal/suite"
	agents "socketlab/conformance/internal/swarm"
)

// delivery is what one upload in organization A reached.
type delivery struct {
	videoID string
	report  setcheck.Report
	// liveA and liveB count the clients judged in each organization.
	liveA, liveB int
	// announce is send-to-receipt of the barrier announcement per client.
	announce []time.Duration
	// spread is, per video event and A client, receipt minus the first
	// receipt of that event by any A client.
	spread []time.Duration
	// waited notes a wait that ran out (the set check then shows what
	// was lost).
	waited []string
}

// deliver uploads a video as A's admin, waits for its terminal event at
// every live A client, then posts an announcement as a barrier and waits
// for it at every live client: the server writes one connection in order,
// so a client holding the announcement holds every event queued to it
// before — a leaked or doubled event is there by then (ANN-4: the
// announcement reaches every socket, in every organization). Then it
// compares what each live client received with what its organization
// should receive. live selects the clients judged (those of running
// agents).
func (w *world) deliver(live func(*agents.Client) bool) (*delivery, error) {
	c := w.c
	api := rest.New(c.Cfg.Target, c.Log)
	since := time.Now()
	resp, err := api.Upload(c.Ctx, w.adminA, rest.Upload{File: c.Cfg.Fixtures + "/calm.mp4", FileName: "calm.mp4", ContentType: "video/mp4"})
	if err != nil {
		return nil, err
	}
	var video struct {
		ID string `json:"_id"`
	}
	if resp.Status != http.StatusCreated || resp.JSON(&video) != nil || video.ID == "" {
		return nil, suite.Violationf("201 with the video JSON for an upload (REST upload)", "%s", resp.Summary())
	}
	d := &delivery{videoID: video.ID}
	c.Logf("swarm: uploaded video %s in %s", video.ID, w.orgA)

	// Every live A client gets the terminal event.
	ctx, cancel := c.Within(c.Cfg.ProcessTimeout + c.Heartbeat())
	err = w.fleet.Collector.Until(ctx, "the terminal event at every client of A", func(v agents.View) (bool, string) {
		n, have := 0, 0
		for _, cl := range v {
			if cl.Org != w.orgA || !live(cl) {
				continue
			}
			n++
			if hasEvent(cl, since, func(e agents.Event, f fields) bool {
				return (e.Name == "video:processed" || e.Name == "video:failed") && f.VideoID == video.ID
			}) {
				have++
			}
		}
		return n > 0 && have == n, fmt.Sprintf("%d of %d A clients have it", have, n)
	})
	cancel()
	var wait *agents.WaitError
	switch {
	case errors.As(err, &wait):
		d.waited = append(d.waited, wait.Error())
	case err != nil:
		return nil, err
	}

	// The barrier.
	msg := "swarm barrier " + jwtmint.RandomID("")
	sent := time.Now()
	resp, err = api.PostJSON(c.Ctx, "/api/announcements", w.adminA, map[string]string{"message": msg})
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusAccepted {
		return nil, suite.Violationf("202 for an admin's announcement (ANN-3)", "%s", resp.Summary())
	}
	isBarrier := func(e agents.Event, f fields) bool { return e.Name == "server:announcement" && f.Message == msg }
	ctx, cancel = c.Within(c.Heartbeat() + 5*time.Second + time.Duration(w.k*w.m)*time.Millisecond)
	err = w.fleet.Collector.Until(ctx, "the barrier announcement at every client", func(v agents.View) (bool, string) {
		n, have := 0, 0
		for _, cl := range v {
			if !live(cl) {
				continue
			}
			n++
			if hasEvent(cl, sent, isBarrier) {
				have++
			}
		}
		return have == n, fmt.Sprintf("%d of %d clients have it", have, n)
	})
	cancel()
	switch {
	case errors.As(err, &wait):
		d.waited = append(d.waited, wait.Error())
	case err != nil:
		return nil, err
	}

	w.fleet.Collector.Read(func(v agents.View) { d.judge(v, w, live, since, sent, isBarrier) })
	return d, nil
}

// judge fills the set check and the figures. The expected set of a key is
// decided by the clients themselves: a key received by at least half of
// the live clients that should get it is what the server emitted to them;
// a key fewer received is unexpected where it was. So a lost event shows
// at the clients that lack it, and a stray one at the client that got it.
func (d *delivery) judge(v agents.View, w *world, live func(*agents.Client) bool, since, sent time.Time, isBarrier func(agents.Event, fields) bool) {
	var clientsA, clientsAll []*agents.Client
	for _, cl := range v.Sorted() {
		if !live(cl) {
			continue
		}
		clientsAll = append(clientsAll, cl)
		if cl.Org == w.orgA {
			clientsA = append(clientsA, cl)
		}
	}
	d.liveA, d.liveB = len(clientsA), len(clientsAll)-len(clientsA)
	videoKeys := majority(clientsA, since, func(e agents.Event, f fields) bool {
		return f.VideoID == d.videoID && e.Name != "notification:personal"
	})
	barrierKeys := majority(clientsAll, since, isBarrier)
	first := map[string]time.Time{}
	for _, cl := range clientsA {
		for _, e := range cl.Events {
			if k := key(e.Event); e.At.After(since) && videoKeys[k] {
				if t, ok := first[k]; !ok || e.At.Before(t) {
					first[k] = e.At
				}
			}
		}
	}
	for _, cl := range clientsAll {
		var expected, received []string
		for k := range barrierKeys {
			expected = append(expected, k)
		}
		if cl.Org == w.orgA {
			for k := range videoKeys {
				expected = append(expected, k)
			}
		}
		for _, e := range cl.Events {
			if e.At.Before(since) {
				continue
			}
			k := key(e.Event)
			received = append(received, k)
			if t, ok := first[k]; ok && cl.Org == w.orgA {
				d.spread = append(d.spread, e.At.Sub(t))
			}
			if isBarrier(e.Event, parse(e.Event)) {
				d.announce = append(d.announce, e.At.Sub(sent))
			}
		}
		r := setcheck.Compare(expected, received)
		for i, ex := range r.LostExamples {
			r.LostExamples[i] = cl.ID.String() + " (" + org(w, cl) + "): " + ex
		}
		for i, ex := range r.UnexpectedExamples {
			r.UnexpectedExamples[i] = cl.ID.String() + " (" + org(w, cl) + "): " + ex
		}
		for i, ex := range r.DuplicatedExamples {
			r.DuplicatedExamples[i] = cl.ID.String() + " (" + org(w, cl) + "): " + ex
		}
		d.report = d.report.Add(r)
	}
	if !hasTerminal(videoKeys) {
		d.waited = append(d.waited, "no terminal event of the video reached a majority of A's clients")
	}
}

// expectation is what a delivery check expects, for the report.
const expectation = "every event of the uploaded video exactly once at every client of A, none at B, the barrier announcement once at every client"

// verdict turns the delivery into the case's error (nil when clean) and
// records its figures.
func (d *delivery) verdict(c *suite.C, prefix string) error {
	_, a50, a99, aMax := quantiles(d.announce)
	_, s50, s99, sMax := quantiles(d.spread)
	c.Measure(prefix+"announcement_latency_p50_ms", ms(a50))
	c.Measure(prefix+"announcement_latency_p99_ms", ms(a99))
	c.Measure(prefix+"announcement_latency_max_ms", ms(aMax))
	c.Measure(prefix+"progress_spread_p50_ms", ms(s50))
	c.Measure(prefix+"progress_spread_p99_ms", ms(s99))
	c.Measure(prefix+"progress_spread_max_ms", ms(sMax))
	c.Measure(prefix+"lost", d.report.Lost)
	c.Measure(prefix+"unexpected", d.report.Unexpected)
	c.Measure(prefix+"duplicated", d.report.Duplicated)
	observed := fmt.Sprintf("video %s to %d A and %d B clients: %s", d.videoID, d.liveA, d.liveB, d.report)
	for _, w := range d.waited {
		observed += "; " + w
	}
	c.Observed("%s", observed)
	if !d.report.Clean() || len(d.waited) > 0 {
		return suite.Violationf(expectation, "%s", observed)
	}
	return nil
}

// fields are the members of an event's first argument the checks use.
type fields struct {
	VideoID string `json:"videoId"`
	Message string `json:"message"`
}

func parse(e agents.Event) fields {
	var f fields
	if len(e.Args) > 0 {
		_ = json.Unmarshal(e.Args[0], &f)
	}
	return f
}

// key is an event as the set check compares it: its name and its first
// argument, canonical. The contract's events hold one object, followed
// only by the recovery offset socket.io appends (EVT-1), which is not
// part of the event.
func key(e agents.Event) string {
	if len(e.Args) == 0 {
		return e.Name
	}
	return setcheck.Key(e.Name, e.Args[0])
}

func hasEvent(cl *agents.Client, since time.Time, match func(agents.Event, fields) bool) bool {
	for i := len(cl.Events) - 1; i >= 0; i-- {
		e := cl.Events[i]
		if e.At.Before(since) {
			break
		}
		if match(e.Event, parse(e.Event)) {
			return true
		}
	}
	return false
}

// majority returns the keys of matching events (since t) that at least
// half of clients received.
func majority(clients []*agents.Client, since time.Time, match func(agents.Event, fields) bool) map[string]bool {
	holders := map[string]int{}
	for _, cl := range clients {
		seen := map[string]bool{}
		for _, e := range cl.Events {
			if e.At.Before(since) || !match(e.Event, parse(e.Event)) {
				continue
			}
			if k := key(e.Event); !seen[k] {
				seen[k] = true
				holders[k]++
			}
		}
	}
	out := map[string]bool{}
	for k, n := range holders {
		if 2*n >= len(clients) {
			out[k] = true
		}
	}
	return out
}

func hasTerminal(keys map[string]bool) bool {
	for k := range keys {
		if strings.HasPrefix(k, "video:processed ") || strings.HasPrefix(k, "video:failed ") {
			return true
		}
	}
	return false
}

func org(w *world, cl *agents.Client) string {
	if cl.Org == w.orgA {
		return "A"
	}
	return "B"
}
