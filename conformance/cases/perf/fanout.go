package perf

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

func init() {
	suite.Register(
		suite.Case{
			ID: "PERF-FANOUT-1", Level: suite.LevelPerf, On: suite.App, Strength: suite.Info,
			Title:       "Announcement fan-out latency to N sockets",
			Requirement: "Recorded, not judged: the delay from sending POST /api/announcements to each socket's receipt of the announcement, over an organization's N sockets (-perf-sockets).",
			Source:      "socketlab perf level (INFO); contract ANN-4",
			Steps: []string{
				"connect N sockets of one fresh organization over WebSocket",
				"as its admin, POST 20 announcements one after another, each after the previous reached every socket",
				"record p50/p99/max of send-to-receipt over all N×20 deliveries, and deliveries per second",
			},
			Timeout: 90 * time.Second,
			Run:     announcementFanOut,
		},
		suite.Case{
			ID: "PERF-FANOUT-2", Level: suite.LevelPerf, On: suite.App, Strength: suite.Info,
			Title:       "Progress fan-out spread in an organization room of N sockets",
			Requirement: "Recorded, not judged: for each event of one video's processing, how much later than the first socket the other sockets of the organization room receive it (the emit time is the server's own, so the spread is what a client can measure).",
			Source:      "socketlab perf level (INFO); contract PROG-6",
			Steps: []string{
				"connect N sockets of one fresh organization over WebSocket",
				"upload calm.mp4 as one of them and wait for the terminal event at every socket",
				"record p50/p99/max of receipt minus first receipt, per event, over all sockets, and any socket that missed an event",
			},
			Timeout: 2 * time.Minute,
			Run:     progressFanOut,
		},
	)
}

// room connects n sockets of one organization; the first is its admin.
func room(c *suite.C, n int) (sockets []*sioclient.Socket, adminToken string, err error) {
	minter := jwtmint.New(c.Cfg.Secret)
	org := jwtmint.RandomID("org-")
	for i := range n {
		role := jwtmint.Member
		if i == 0 {
			role = jwtmint.Admin
		}
		token := minter.Token(jwtmint.Identity{UserID: jwtmint.RandomID("u-"), OrgID: org, Role: role}, time.Hour)
		if i == 0 {
			adminToken = token
		}
		log := c.Log
		if i > 0 {
			log = nil // N sockets of frames would bury the report
		}
		s, err := sioclient.Dial(c.Ctx, c.URL(), map[string]any{"token": token}, sioclient.Options{Log: log})
		if s != nil {
			sockets = append(sockets, s)
		}
		if err != nil {
			closeAll(sockets)
			return nil, "", fmt.Errorf("socket %d of %d: %w", i+1, n, err)
		}
	}
	return sockets, adminToken, nil
}

func closeAll(sockets []*sioclient.Socket) {
	for _, s := range sockets {
		s.Close()
	}
}

func sockets(c *suite.C) int { return max(c.Cfg.PerfSockets, 2) }

func announcementFanOut(c *suite.C) error {
	n := sockets(c)
	all, admin, err := room(c, n)
	if err != nil {
		return err
	}
	defer closeAll(all)
	client := rest.New(c.URL(), c.Log)
	var lat []time.Duration
	began := time.Now()
	for i := range 20 {
		msg := fmt.Sprintf("perf %d", i)
		sent := time.Now()
		resp, err := client.PostJSON(c.Ctx, "/api/announcements", admin, map[string]string{"message": msg})
		if err != nil {
			return err
		}
		if resp.Status != http.StatusAccepted {
			return suite.Violationf("202", "%s", resp.Summary())
		}
		got, err := receiptTimes(c.Ctx, all, c.Heartbeat()+5*time.Second, "server:announcement", func(body map[string]any) bool { return body["message"] == msg })
		if err != nil {
			return err
		}
		for _, at := range got {
			lat = append(lat, at.Sub(sent))
		}
	}
	elapsed := time.Since(began)
	c.Measure("sockets", n)
	p50, p99 := measureQuantiles(c, "latency", lat)
	c.Measure("deliveries_per_s", int(float64(len(lat))/elapsed.Seconds()))
	c.Observed("%d deliveries to %d sockets: p50 %.2f ms, p99 %.2f ms", len(lat), n, ms(p50), ms(p99))
	return nil
}

// receiptTimes waits until every socket received a matching event and
// returns when each did.
func receiptTimes(ctx context.Context, all []*sioclient.Socket, within time.Duration, event string, match func(map[string]any) bool) ([]time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	out := make([]time.Time, len(all))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for i, s := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Wait(ctx, sioclient.EventNamed(event, match))
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = suite.Violationf(fmt.Sprintf("%s at all %d sockets", event, len(all)), "socket %d: %v", i, err)
			}
			out[i] = r.At
		}()
	}
	wg.Wait()
	return out, first
}

func progressFanOut(c *suite.C) error {
	n := sockets(c)
	all, admin, err := room(c, n)
	if err != nil {
		return err
	}
	defer closeAll(all)
	resp, err := rest.New(c.URL(), c.Log).Upload(c.Ctx, admin, rest.Upload{File: c.Cfg.Fixtures + "/calm.mp4", FileName: "calm.mp4", ContentType: "video/mp4"})
	if err != nil {
		return err
	}
	var video struct {
		ID string `json:"_id"`
	}
	if resp.Status != http.StatusCreated || resp.JSON(&video) != nil {
		return suite.Violationf("201 with the video", "%s", resp.Summary())
	}
	isVideo := func(body map[string]any) bool { return body["videoId"] == video.ID }
	if _, err := receiptTimes(c.Ctx, all, c.Cfg.ProcessTimeout, "video:processed", isVideo); err != nil {
		return err
	}
	var spread []time.Duration
	missed := 0
	for _, event := range []string{"video:progress", "video:processed"} {
		byKey := map[string][]time.Time{}
		for _, s := range all {
			for _, ev := range s.Events() {
				var body map[string]any
				if ev.Event != event || len(ev.Args) == 0 || json.Unmarshal(ev.Args[0], &body) != nil || !isVideo(body) {
					continue
				}
				key := fmt.Sprint(event, body["progress"])
				byKey[key] = append(byKey[key], ev.At)
			}
		}
		for _, times := range byKey {
			missed += n - len(times)
			first := times[0]
			for _, t := range times {
				if t.Before(first) {
					first = t
				}
			}
			for _, t := range times {
				spread = append(spread, t.Sub(first))
			}
		}
	}
	c.Measure("sockets", n)
	p50, p99 := measureQuantiles(c, "spread", spread)
	c.Measure("missed", missed)
	c.Observed("%d deliveries, %d missed; spread p50 %.2f ms, p99 %.2f ms", len(spread), missed, ms(p50), ms(p99))
	return nil
}
