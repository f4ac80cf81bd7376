package contract

import (
	"fmt"

	"socketlab/conformance/internal/suite"
)

const (
	reqNOTIF1 = `"Each video MUST produce exactly one notification:personal {"kind","videoId","message"}, sent after its terminal event (on every socket that receives both): kind is "video:ready" after video:processed and "video:failed" after video:failed; message is a non-empty human-readable string."`
	reqNOTIF2 = `"The notification MUST go to user:<uploadedBy>: every connected socket of the uploader receives it once, and no other socket — not other members or admins of the organization, not other organizations."`
)

func notifSpecs() []spec {
	return []spec{
		{id: "NOTIF-1", clause: "NOTIF-1", level: suite.LevelEvents, strength: suite.Must, title: "One notification per video, after its terminal event", req: reqNOTIF1, world: true,
			steps: []string{"shared run: the uploaders' sockets record their videos' events", "per video: one notification:personal, after the terminal event",
				`kind "video:ready" after video:processed, "video:failed" after video:failed; a non-empty message`},
			run: runNOTIF1},
		{id: "NOTIF-2", clause: "NOTIF-2", level: suite.LevelEvents, strength: suite.Must, title: "Only the uploader's sockets are notified", req: reqNOTIF2, world: true,
			steps: []string{"shared run: every socket of both organizations", "the uploader's sockets receive each of its videos' notifications once; no other socket receives any"},
			run:   runNOTIF2},
	}
}

func runNOTIF1(c *suite.C) error {
	w, err := getWorld(c, "A-admin", "B-admin")
	if err != nil {
		return err
	}
	checked := 0
	for _, s := range w.live() {
		for _, v := range w.videosOf(s.tenant) {
			if v.uploader != s.id {
				continue
			}
			terminal, notes := -1, 0
			kind := ""
			for _, r := range s.s.Events() {
				if videoIDOf(r) != v.id {
					continue
				}
				switch r.Event {
				case "video:processed", "video:failed":
					terminal = r.Seq
					kind = map[string]string{"video:processed": "video:ready", "video:failed": "video:failed"}[r.Event]
				case "notification:personal":
					notes++
					m, _ := objectArg(r)
					k, _ := str(m, "kind")
					msg, ok := str(m, "message")
					switch {
					case terminal < 0 || r.Seq < terminal:
						return suite.Violationf("the notification after the terminal event", "%s: %s before any terminal event of %s", s.name, clip(r.Frame, 200), v.id)
					case k != kind:
						return suite.Violationf(fmt.Sprintf("kind %q", kind), "%s: %s", s.name, clip(r.Frame, 300))
					case !ok || msg == "":
						return suite.Violationf("a non-empty message", "%s: %s", s.name, clip(r.Frame, 300))
					}
				}
			}
			if terminal >= 0 && notes != 1 && s.role != roleRecovery {
				return suite.Violationf("exactly one notification:personal per video", "%s: %d for %s", s.name, notes, v.id)
			}
			checked++
		}
	}
	if checked == 0 {
		return fmt.Errorf("no uploader socket to check")
	}
	return nil
}

func runNOTIF2(c *suite.C) error {
	w, err := getWorld(c, "none")
	if err != nil {
		return err
	}
	uploader := map[string]string{}
	for _, v := range w.videos {
		uploader[v.id] = v.uploader.UserID
	}
	for _, s := range w.live() {
		count := map[string]int{}
		for _, r := range w.eventsOf(s) {
			if r.Event == "notification:personal" {
				count[videoIDOf(r)]++
			}
		}
		for id, n := range count {
			if uploader[id] != s.id.UserID {
				return suite.Violationf("no notification on a socket of another user", "%s (%s) received %d for %s, uploaded by %s", s.name, s.id.UserID, n, id, uploader[id])
			}
		}
		for _, v := range w.videos {
			if v.uploader == s.id && count[v.id] != 1 {
				return suite.Violationf("each of the uploader's sockets notified once", "%s: %d notifications for %s", s.name, count[v.id], v.id)
			}
		}
	}
	if w.official != nil {
		for _, l := range w.official.snapshot() {
			if l.Type == "event" && l.Event == "notification:personal" && l.Client == "expiring" {
				return suite.Violationf("no notification on a socket of another user", "the official client of A's member received %s", lineKey(l))
			}
		}
	}
	return nil
}
