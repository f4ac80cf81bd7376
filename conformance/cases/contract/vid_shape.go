package contract

import (
	"encoding/json"

	"socketlab/conformance/internal/suite"
)

const reqVID1 = `"The video JSON MUST carry all of these members, and the 201 of REST-3, GET /api/videos/{id}, the elements of GET /api/videos and the video of the ROOM-3 ack MUST be this same object: for one state they agree on every member except streamUrl."`

func vidShapeSpecs() []spec {
	return []spec{
		{id: "VID-1.1", clause: "VID-1", level: suite.LevelREST, strength: suite.Must, title: "Every member, of its type", req: reqVID1, world: true,
			steps: []string{"shared run: every 201, every GET /api/videos/{id}, every list element, every subscribe ack",
				"_id, title, organizationId, uploadedBy, status, progress, stage, metadata, thumbnail, sensitivity, error, createdAt, streamUrl with the types of §10"},
			run: runVID11},
		{id: "VID-1.2", clause: "VID-1", level: suite.LevelREST, strength: suite.Must, title: "One representation everywhere", req: reqVID1, world: true,
			steps: []string{"after processing: GET /api/videos/{id}, the list element and a video:subscribe ack of each video", "equal on every member but streamUrl",
				"_id, title, organizationId, uploadedBy and createdAt byte-identical in the 201 and the GET"},
			run: runVID12},
	}
}

func runVID11(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	check := func(where string, v video) error {
		if err := checkVideoShape(v); err != nil {
			return suite.Violationf("the members and types of §10", "%s: %v", where, err)
		}
		return nil
	}
	for _, v := range w.videos {
		if err := check("201 of "+v.fileName, v.created); err != nil {
			return err
		}
		if err := check("GET of "+v.fileName, v.final); err != nil {
			return err
		}
	}
	for t, resp := range w.lists {
		var list []json.RawMessage
		_ = resp.JSON(&list)
		for _, raw := range list {
			v, _ := parseVideo(raw)
			if err := check("list of "+t, v); err != nil {
				return err
			}
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, a := range w.subAcks {
		if v, ok := ackVideo(a.args); ok {
			if err := check("subscribe ack of "+a.label, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func runVID12(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	e := newEnv(c)
	for _, t := range []string{"A", "B"} {
		var list []json.RawMessage
		_ = w.lists[t].JSON(&list)
		member := map[string]tenant{"A": w.A, "B": w.B}[t].Member
		s, err := e.connect(t+"-member", member)
		if err != nil {
			return err
		}
		for _, v := range w.videosOf(t) {
			// Members no state changes: the 201 and the later GET agree.
			for _, m := range []string{"_id", "title", "organizationId", "uploadedBy", "createdAt"} {
				if string(v.created.Raw[m]) != string(v.final.Raw[m]) {
					return suite.Violationf(m+" the same in the 201 and in GET /api/videos/{id}", "%s: 201 %s, GET %s", v.fileName, v.created.Raw[m], v.final.Raw[m])
				}
			}
			args, err := e.ack(s, "video:subscribe", v.id)
			if err != nil {
				return err
			}
			acked, ok := ackVideo(args)
			if !ok {
				return suite.Violationf(`{"ok":true,"video":…}`, "%s", clip(rawArgs(args), 300))
			}
			get := withoutStreamURL(v.final)
			if withoutStreamURL(acked) != get {
				return suite.Violationf("the subscribe ack's video = GET /api/videos/{id} (but streamUrl)", "ack %s, GET %s", clip(withoutStreamURL(acked), 600), clip(get, 600))
			}
			found := false
			for _, raw := range list {
				lv, _ := parseVideo(raw)
				if lv.ID == v.id {
					found = true
					if withoutStreamURL(lv) != get {
						return suite.Violationf("the list element = GET /api/videos/{id} (but streamUrl)", "list %s, GET %s", clip(withoutStreamURL(lv), 600), clip(get, 600))
					}
				}
			}
			if !found {
				return suite.Violationf("every video in the list", "%s missing", v.id)
			}
		}
	}
	return nil
}
