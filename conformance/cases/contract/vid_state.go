package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"math"

	"socketlab/conformance/internal/suite"
)

const (
	reqVID2 = `"A video's state MUST be the one its last event produced" (upload: processing, 0, null…; video:progress (p, s): processing, p, s; video:processed: completed, 100, null, the event's values; video:failed: failed, progress and stage unchanged, the event's error)`
	reqVID3 = `"A state MUST be readable before its event is emitted: once a socket has received an event, a GET /api/videos/{id} or video:subscribe started afterwards returns that event's state or a later one."`
	reqVID4 = `"Every state a client can read MUST be the upload state or one produced by an event the organization's sockets receive: no metadata before video:processed, no progress outside the table."`
	reqVID5 = `"metadata MUST describe the uploaded file as ffprobe measures it" (duration ±0.1 s, width, height, codec, fps ±0.01, bitRate > 0, size exactly the uploaded size, hasAudio)`
	reqVID6 = `"Once status is completed, thumbnail MUST be exactly /api/videos/<id>/thumbnail (origin-relative, no query), the JPEG of REST-12, a frame of the video; before, it is null."`
	reqVID7 = `"sensitivity MUST be {"status":"safe"|"flagged","maxFlashesPerSecond":<integer ≥ 0>,"method":"wcag-2.3.1-general-flash"}" (a steady test pattern gives safe, 0; full-frame black/white alternation at 10 changes per second gives flagged, 4 to 6)`
)

func vidStateSpecs() []spec {
	w := func(id, clause, title, req string, steps []string, run func(*suite.C) error) spec {
		return spec{id: id, clause: clause, level: suite.LevelProgress, strength: suite.Must, title: title, req: req, steps: steps, world: true, run: run}
	}
	out := []spec{
		w("VID-2", "VID-2", "GET after the terminal event equals the last event's state", reqVID2,
			[]string{"shared run: the 201 of each upload is the upload state", "after the terminal event, GET /api/videos/{id} is the state the uploader's last event produced"}, runVID2),
		w("VID-3", "VID-3", "Store, then emit: reads after an event are never older", reqVID3,
			[]string{"shared run: right after each video event, A's admin GETs the video and A's subscriber re-subscribes",
				"each read is that event's state or a later one"}, runVID3),
		w("VID-4", "VID-4", "No hidden states while polling", reqVID4,
			[]string{"shared run: GET /api/videos/{id} in a loop during processing", "each answer is the upload state or a state produced by an event A's sockets received"}, runVID4),
	}
	for i, f := range []string{"pattern.mp4", "pattern-silent.mp4", "calm.mp4", "flashing.mp4"} {
		out = append(out, w(fmt.Sprintf("VID-5.%d", i+1), "VID-5", "metadata of "+f+" matches ffprobe", reqVID5,
			[]string{"shared run: " + f + " processed", "metadata compared with testdata/fixtures.json (measured with ffprobe by make-fixtures.sh)"},
			func(c *suite.C) error { return runVID5(c, f) }))
	}
	out = append(out,
		w("VID-6", "VID-6", "thumbnail: the JPEG's path once completed, null before", reqVID6,
			[]string{"shared run: each completed video's thumbnail is /api/videos/<id>/thumbnail", "GET it: a decodable JPEG", "failed videos and every processing state: null"}, runVID6))
	for i, f := range []string{"pattern.mp4", "flashing.mp4"} {
		out = append(out, w(fmt.Sprintf("VID-7.%d", i+1), "VID-7", "sensitivity of "+f, reqVID7,
			[]string{"shared run: " + f + " processed", "sensitivity as testdata/fixtures.json expects"},
			func(c *suite.C) error { return runVID7(c, f) }))
	}
	return out
}

// lastState is the state the uploader's socket's events produced for v.
func (w *world) lastState(v *worldVideo) (state, []state) {
	st := uploadState
	all := []state{st}
	for _, r := range videoSeq(w.uploaderSocket(v).Events(), v.id) {
		m, _ := objectArg(r)
		st = stateAfter(st, r.Event, m)
		all = append(all, st)
	}
	return st, all
}

func runVID2(c *suite.C) error {
	w, err := getWorld(c, "rest")
	if err != nil {
		return err
	}
	for _, v := range w.videos {
		if got := stateOf(v.created); got != uploadState {
			return suite.Violationf("the upload state in the 201: "+uploadState.String(), "%s: %s", v.fileName, got)
		}
		want, _ := w.lastState(v)
		if v.final.Raw == nil {
			return suite.Violationf("200 for GET /api/videos/{id}", "%s", v.finalRaw.Summary())
		}
		if got := stateOf(v.final); got != want {
			return suite.Violationf("GET after the terminal event = the last event's state", "%s: GET %s, events %s", v.fileName, got, want)
		}
	}
	return nil
}

func runVID3(c *suite.C) error {
	w, err := getWorld(c, "A-admin/ws", "A-member/subscriber", "rest/after-event")
	if err != nil {
		return err
	}
	w.mu.Lock()
	reads := append([]readObs(nil), w.reads...)
	w.mu.Unlock()
	if len(reads) == 0 {
		return fmt.Errorf("the shared run made no read after an event")
	}
	for _, r := range reads {
		if r.err != "" {
			return suite.Violationf("a video state readable after its event", "%s after %s: %s", r.via, r.event, r.err)
		}
		if r.read.rank() < r.after.rank() || (r.read.rank() == r.after.rank() && r.read != r.after) {
			return suite.Violationf("the event's state or a later one", "%s of %s after %s: read %s, the event produced %s", r.via, r.video, r.event, r.read, r.after)
		}
	}
	c.Measure("reads", len(reads))
	return nil
}

func runVID4(c *suite.C) error {
	w, err := getWorld(c, "A-admin/ws", "rest/poll")
	if err != nil {
		return err
	}
	w.mu.Lock()
	polls := append([]pollObs(nil), w.polls...)
	w.mu.Unlock()
	allowed := map[string][]state{}
	for _, v := range w.videosOf("A") {
		_, all := w.lastState(v)
		allowed[v.id] = all
	}
	for _, p := range polls {
		ok := false
		for _, st := range allowed[p.video] {
			if p.st == st {
				ok = true
			}
		}
		if !ok {
			return suite.Violationf("only states produced by received events", "%s read %s; the events produced %v", p.video, p.st, allowed[p.video])
		}
	}
	c.Measure("polled states", len(polls))
	return nil
}

func runVID5(c *suite.C, fixture string) error {
	w, err := getWorld(c, "A-admin/ws", "B-admin/ws")
	if err != nil {
		return err
	}
	v := w.video(fixture)
	if v == nil || v.facts.Metadata == nil {
		return fmt.Errorf("no shared-run upload or facts for %s", fixture)
	}
	if v.final.Status != "completed" {
		return suite.Violationf(fixture+" completed", "status %q, error %s", v.final.Status, v.final.Raw["error"])
	}
	var m struct {
		Duration *float64        `json:"duration"`
		Width    *int            `json:"width"`
		Height   *int            `json:"height"`
		Codec    *string         `json:"codec"`
		FPS      *float64        `json:"fps"`
		BitRate  json.RawMessage `json:"bitRate"`
		Size     *int64          `json:"size"`
		HasAudio *bool           `json:"hasAudio"`
	}
	raw := v.final.Raw["metadata"]
	if json.Unmarshal(raw, &m) != nil || m.Duration == nil || m.Width == nil || m.Height == nil || m.Codec == nil || m.FPS == nil || m.Size == nil || m.HasAudio == nil {
		return suite.Violationf("metadata with duration, width, height, codec, fps, bitRate, size, hasAudio of the right types", "%s", raw)
	}
	var rawMap map[string]json.RawMessage
	_ = json.Unmarshal(raw, &rawMap)
	br, brOK := intMember(rawMap, "bitRate")
	want := v.facts.Metadata
	var bad []string
	if math.Abs(*m.Duration-want.Duration) > 0.1 {
		bad = append(bad, fmt.Sprintf("duration %v (ffprobe %v ± 0.1)", *m.Duration, want.Duration))
	}
	if *m.Width != want.Width || *m.Height != want.Height {
		bad = append(bad, fmt.Sprintf("%dx%d (ffprobe %dx%d)", *m.Width, *m.Height, want.Width, want.Height))
	}
	if *m.Codec != want.Codec {
		bad = append(bad, fmt.Sprintf("codec %q (ffprobe %q)", *m.Codec, want.Codec))
	}
	if math.Abs(*m.FPS-want.FPS) > 0.01 {
		bad = append(bad, fmt.Sprintf("fps %v (ffprobe %v ± 0.01)", *m.FPS, want.FPS))
	}
	if !brOK || br <= 0 {
		bad = append(bad, fmt.Sprintf("bitRate %s (an integer > 0)", m.BitRate))
	}
	if _, ok := intMember(rawMap, "size"); !ok || *m.Size != want.Size {
		bad = append(bad, fmt.Sprintf("size %s (uploaded %d bytes)", rawMap["size"], want.Size))
	}
	if *m.HasAudio != want.HasAudio {
		bad = append(bad, fmt.Sprintf("hasAudio %v (ffprobe %v)", *m.HasAudio, want.HasAudio))
	}
	if _, ok := intMember(rawMap, "width"); !ok {
		bad = append(bad, "width is not an integer")
	}
	if len(bad) > 0 {
		return suite.Violationf("metadata as ffprobe measures "+fixture, "%v in %s", bad, raw)
	}
	return nil
}

func runVID6(c *suite.C) error {
	w, err := getWorld(c, "rest")
	if err != nil {
		return err
	}
	e := newEnv(c)
	for _, v := range w.videos {
		th := v.final.Raw["thumbnail"]
		if v.final.Status != "completed" {
			if !isNull(th) {
				return suite.Violationf("thumbnail null unless completed", "%s (%s): %s", v.fileName, v.final.Status, th)
			}
			continue
		}
		want := "/api/videos/" + v.id + "/thumbnail"
		if got, _ := str(v.final.Raw, "thumbnail"); got != want {
			return suite.Violationf("thumbnail exactly "+want, "%s", th)
		}
		resp, err := e.get(want, e.token(v.uploader))
		if err != nil {
			return err
		}
		if resp.Status != 200 || !bytes.HasPrefix(resp.Body, []byte{0xFF, 0xD8, 0xFF}) {
			return suite.Violationf("200 and a JPEG at "+want, "%s", resp.Summary())
		}
		img, err := jpeg.Decode(bytes.NewReader(resp.Body))
		if err != nil {
			return suite.Violationf("a decodable JPEG, a frame of the video", "%v", err)
		}
		c.Measure(v.fileName+" thumbnail", fmt.Sprintf("%dx%d", img.Bounds().Dx(), img.Bounds().Dy()))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range w.polls {
		if p.st.Status == "processing" && p.st.Thumbnail != "null" {
			return suite.Violationf("thumbnail null while processing", "%s: %s", p.video, p.st)
		}
	}
	return nil
}

func runVID7(c *suite.C, fixture string) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	v := w.video(fixture)
	if v == nil || v.facts.Sensitivity == nil {
		return fmt.Errorf("no shared-run upload or facts for %s", fixture)
	}
	if v.final.Status != "completed" {
		return suite.Violationf(fixture+" completed", "status %q, error %s", v.final.Status, v.final.Raw["error"])
	}
	raw := v.final.Raw["sensitivity"]
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return suite.Violationf("a sensitivity object", "%s", raw)
	}
	status, _ := str(m, "status")
	method, _ := str(m, "method")
	n, isInt := intMember(m, "maxFlashesPerSecond")
	want := v.facts.Sensitivity
	switch {
	case method != "wcag-2.3.1-general-flash":
		return suite.Violationf(`"method":"wcag-2.3.1-general-flash"`, "%s", raw)
	case !isInt || n < 0:
		return suite.Violationf("maxFlashesPerSecond an integer ≥ 0", "%s", raw)
	case status != want.Status || n < want.MinFlashes || n > want.MaxFlashes:
		return suite.Violationf(fmt.Sprintf(`status %q with %d to %d flashes per second for %s`, want.Status, want.MinFlashes, want.MaxFlashes, fixture), "%s", raw)
	case (n > 3) != (status == "flagged"):
		return suite.Violationf("flagged exactly when maxFlashesPerSecond exceeds 3", "%s", raw)
	}
	return nil
}
