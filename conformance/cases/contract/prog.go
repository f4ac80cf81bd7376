package contract

import (
	"fmt"
	"slices"
	"strings"

	"socketlab/conformance/internal/setcheck"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

const (
	reqPROG1 = `"video:progress MUST be {"videoId":<id>,"progress":<integer>,"stage":<string>} with (progress, stage) one of (10, metadata), (40, thumbnail), (70, sensitivity)."`
	reqPROG2 = `"A video's events MUST begin with (10, metadata); stages follow in order, each at most once, so progress strictly increases. A video that completes has had all three before video:processed; a failed one a prefix of them, at least metadata, before video:failed."`
	reqPROG3 = `"Each video MUST end with exactly one of video:processed or video:failed, after which the server MUST NOT send any video:progress, video:processed or video:failed for it."`
	reqPROG4 = `"The payload MUST be {"videoId","status":"completed","metadata","thumbnail","sensitivity"} with the values of VID-5 to VID-7, equal to those of the video JSON."`
	reqPROG5 = `"The payload MUST be {"videoId","error"}, error a non-empty string equal to the video JSON's error."`
	reqPROG6 = `"Every event of this section MUST go to the union of <organizationId> and video:<id>: each socket in the union receives it exactly once, no socket outside it receives it, and all sockets see one video's events in the same order."`
	reqPROG7 = `"Processing MUST start with no request beyond the upload, and every accepted upload MUST reach a terminal event. A file without a decodable video stream ends in video:failed."`
)

func progSpecs() []spec {
	w := func(id, title, req string, steps []string, run func(*suite.C) error) spec {
		return spec{id: id, clause: id, level: suite.LevelProgress, strength: suite.Must, title: title, req: req, steps: steps, world: true, run: run}
	}
	return []spec{
		w("PROG-1", "Progress payloads", reqPROG1, []string{"shared run: every video:progress every socket received", "{videoId, progress, stage} with an allowed pair"}, runPROG1),
		w("PROG-2", "Stages in order, each once", reqPROG2, []string{"shared run: per socket and video, the sequence of video events",
			"starts with (10, metadata), strictly increasing; all three before video:processed, at least metadata before video:failed"}, runPROG2),
		w("PROG-3", "One terminal event, then silence", reqPROG3, []string{"shared run: per socket and video", "exactly one video:processed or video:failed, and no video event after it (up to the barrier announcement)"}, runPROG3),
		w("PROG-4", "video:processed carries the video JSON's results", reqPROG4, []string{"shared run: each video:processed", `{"videoId","status":"completed","metadata","thumbnail","sensitivity"} equal to GET /api/videos/{id}`}, runPROG4),
		w("PROG-5", "video:failed carries the video JSON's error", reqPROG5, []string{"shared run: each video:failed (random bytes, a truncated MP4)", `{"videoId","error"}, error non-empty and equal to GET /api/videos/{id}`}, runPROG5),
		w("PROG-6", "Organization room ∪ video room, once each, same order", reqPROG6, []string{"shared run: members of A, one subscribed to every video (in both rooms), the uploader's sockets",
			"every socket of the organization receives each event once, in the same order per video", "no socket of B receives any"}, runPROG6),
		w("PROG-7", "Every upload reaches a terminal event", reqPROG7, []string{"shared run: six uploads, no request but the upload", "each ends in a terminal event; random bytes and a truncated MP4 end in video:failed"}, runPROG7),
	}
}

// allowedStages are PROG-1's pairs.
var allowedStages = map[int]string{10: "metadata", 40: "thumbnail", 70: "sensitivity"}

func runPROG1(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	n := 0
	for _, s := range w.allWorldSockets() {
		for _, r := range eventsNamed(s, "video:progress") {
			n++
			m, ok := objectArg(r)
			id, idOK := str(m, "videoId")
			p, pOK := intMember(m, "progress")
			stage, sOK := str(m, "stage")
			if !ok || !idOK || id == "" || !pOK || !sOK || allowedStages[p] != stage {
				return suite.Violationf(`{"videoId":<id>,"progress":10|40|70,"stage":"metadata"|"thumbnail"|"sensitivity"} (paired)`, "%s received %s", s.Name(), clip(r.Frame, 300))
			}
		}
	}
	if n == 0 {
		return suite.Violationf("video:progress events during processing", "none received")
	}
	c.Measure("progress events checked", n)
	return nil
}

// seqText renders a sequence for a verdict.
func seqText(seq []sioclient.Received) string {
	var parts []string
	for _, r := range seq {
		m, _ := objectArg(r)
		if r.Event == "video:progress" {
			p, _ := intMember(m, "progress")
			parts = append(parts, fmt.Sprintf("progress %d", p))
		} else {
			parts = append(parts, r.Event)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// checkOrder judges one socket's sequence for one video against PROG-2.
func checkOrder(seq []sioclient.Received) error {
	last := 0
	for i, r := range seq {
		m, _ := objectArg(r)
		switch r.Event {
		case "video:progress":
			p, _ := intMember(m, "progress")
			if i == 0 && p != 10 {
				return fmt.Errorf("begins with progress %d", p)
			}
			if p <= last {
				return fmt.Errorf("progress %d after %d", p, last)
			}
			last = p
		case "video:processed":
			if last != 70 {
				return fmt.Errorf("video:processed after progress %d (all three stages first)", last)
			}
			return nil
		case "video:failed":
			if last < 10 {
				return fmt.Errorf("video:failed before (10, metadata)")
			}
			return nil
		}
	}
	return nil
}

func runPROG2(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	for _, s := range w.live() {
		for _, v := range w.videosOf(s.tenant) {
			seq := videoSeq(w.eventsOf(s), v.id)
			if err := checkOrder(seq); err != nil {
				return suite.Violationf("(10, metadata) first, progress strictly increasing, all stages before video:processed", "%s, video %s (%s): %v in %s",
					s.name, v.id, v.fileName, err, seqText(seq))
			}
		}
	}
	return nil
}

func runPROG3(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	for _, s := range w.live() {
		for _, v := range w.videosOf(s.tenant) {
			seq := videoSeq(w.eventsOf(s), v.id)
			terminals := 0
			for i, r := range seq {
				if r.Event == "video:processed" || r.Event == "video:failed" {
					terminals++
					if i != len(seq)-1 {
						return suite.Violationf("nothing after the terminal event", "%s, video %s: %s", s.name, v.id, seqText(seq))
					}
				}
			}
			if terminals != 1 {
				return suite.Violationf("exactly one terminal event", "%s, video %s (%s): %d in %s", s.name, v.id, v.fileName, terminals, seqText(seq))
			}
		}
	}
	return nil
}

// terminalOf returns the uploader socket's terminal event of v.
func (w *world) terminalOf(v *worldVideo) (sioclient.Received, bool) {
	for _, r := range videoSeq(w.uploaderSocket(v).Events(), v.id) {
		if r.Event == "video:processed" || r.Event == "video:failed" {
			return r, true
		}
	}
	return sioclient.Received{}, false
}

func runPROG4(c *suite.C) error {
	w, err := getWorld(c, "A-admin/ws", "B-admin/ws")
	if err != nil {
		return err
	}
	n := 0
	for _, v := range w.videos {
		r, ok := w.terminalOf(v)
		if !ok || r.Event != "video:processed" {
			continue
		}
		n++
		m, _ := objectArg(r)
		if st, _ := str(m, "status"); st != "completed" {
			return suite.Violationf(`"status":"completed"`, "%s", clip(r.Frame, 300))
		}
		for _, k := range []string{"videoId", "metadata", "thumbnail", "sensitivity"} {
			if _, ok := m[k]; !ok {
				return suite.Violationf("videoId, status, metadata, thumbnail and sensitivity", "no %s in %s", k, clip(r.Frame, 300))
			}
		}
		if v.final.Raw == nil {
			return suite.Violationf("GET /api/videos/{id} after the terminal event", "%s", v.finalRaw.Summary())
		}
		for _, k := range []string{"metadata", "thumbnail", "sensitivity"} {
			if setcheck.Canonical(m[k]) != setcheck.Canonical(v.final.Raw[k]) {
				return suite.Violationf(k+" equal to the video JSON's", "%s: event %s, video JSON %s", v.fileName, m[k], v.final.Raw[k])
			}
		}
	}
	if n == 0 {
		return suite.Violationf("video:processed for the valid fixtures", "none")
	}
	return nil
}

func runPROG5(c *suite.C) error {
	w, err := getWorld(c, "A-admin/ws", "B-admin/ws")
	if err != nil {
		return err
	}
	n := 0
	for _, v := range w.videos {
		r, ok := w.terminalOf(v)
		if !ok || r.Event != "video:failed" {
			continue
		}
		n++
		m, _ := objectArg(r)
		msg, isStr := str(m, "error")
		if _, hasID := str(m, "videoId"); !hasID || !isStr || msg == "" {
			return suite.Violationf(`{"videoId","error":<non-empty string>}`, "%s", clip(r.Frame, 300))
		}
		if v.final.Raw == nil || setcheck.Canonical(m["error"]) != setcheck.Canonical(v.final.Raw["error"]) {
			return suite.Violationf("error equal to the video JSON's", "%s: event %s, video JSON %s", v.fileName, m["error"], v.final.Raw["error"])
		}
	}
	if n == 0 {
		return suite.Violationf("video:failed for random bytes and a truncated file", "none")
	}
	return nil
}

func runPROG6(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	for _, v := range w.videos {
		ref := sequence(w.uploaderSocket(v).Events(), v.id)
		for _, s := range w.live() {
			got := sequence(w.eventsOf(s), v.id)
			switch {
			case s.tenant != v.tenant && len(got) > 0:
				return suite.Violationf("no socket outside the union receives the events", "%s (organization %s) received %d events of %s", s.name, s.tenant, len(got), v.id)
			case s.tenant == v.tenant && !slices.Equal(got, ref):
				rep := setcheck.Compare(ref, got)
				return suite.Violationf("each socket of the union receives each event once, in the same order", "%s, video %s: %s (order: %d vs %d events)", s.name, v.id, rep, len(got), len(ref))
			}
		}
	}
	return nil
}

func runPROG7(c *suite.C) error {
	w, err := getWorld(c, "A-admin/ws", "B-admin/ws", "rest")
	if err != nil {
		return err
	}
	for _, v := range w.videos {
		r, ok := w.terminalOf(v)
		if !ok {
			return suite.Violationf("a terminal event for every upload within -process-timeout", "none for %s (%s)", v.id, v.fileName)
		}
		if v.facts.Terminal == "failed" && r.Event != "video:failed" {
			return suite.Violationf("video:failed for a file without a decodable video stream", "%s (%s) ended with %s", v.fileName, v.fixture, r.Event)
		}
	}
	return nil
}
