package contract

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"socketlab/conformance/internal/suite"
)

const reqAUTH8 = `"A connected socket's user, organization and role are those of its token for its whole life; nothing the client sends later changes them. The server MUST accept any identity a valid token names, without requiring the user or the organization to exist in its own storage."`

func stdB64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func authIdentitySpecs() []spec {
	return []spec{
		{id: "AUTH-8.1", clause: "AUTH-8", level: suite.LevelAuth, strength: suite.Must, title: "A never-seen identity is accepted", req: reqAUTH8,
			steps: []string{"mint a token for a random user of a random organization", "→ 40{\"token\":…}: ← 40{\"sid\":…}", "GET /api/videos with the same token: 200 []"},
			run: func(c *suite.C) error {
				e := newEnv(c)
				id := newTenant("fresh").Member
				if _, err := e.connect("fresh", id); err != nil {
					return err
				}
				resp, err := e.get("/api/videos", e.token(id))
				if err != nil {
					return err
				}
				var list []json.RawMessage
				if resp.Status != 200 || resp.JSON(&list) != nil || list == nil || len(list) != 0 {
					return suite.Violationf("200 [] for a fresh organization", "%s", resp.Summary())
				}
				return nil
			}},
		{id: "AUTH-8.2", clause: "AUTH-8", level: suite.LevelAuth, strength: suite.Must, title: "Nothing sent later changes the socket's identity", req: reqAUTH8, world: true,
			steps: []string{"a member of organization A connects",
				"it emits authenticate, login, auth, token, identify and session with a token of B's admin (with and without acks)",
				"video:subscribe on a video of B: still {\"ok\":false,\"error\":\"Video not found\"}",
				"video:subscribe on a video of A: still {\"ok\":true,…}"},
			run: runAUTH82},
	}
}

func runAUTH82(c *suite.C) error {
	w, e, s, err := memberOfA(c)
	if err != nil {
		return err
	}
	other := e.token(w.B.Admin)
	for _, name := range []string{"authenticate", "login", "auth", "token", "identify", "session", "user:switch"} {
		_ = s.Emit(name, map[string]any{"token": other})
		_ = s.Emit(name, other)
		if _, err := emitRaw(s, name, map[string]any{"token": other}); err != nil { // an answer is optional (EVT-3)
			return err
		}
	}
	if err := e.barrier(s); err != nil {
		return suite.Violationf("the socket still connected", "%v", err)
	}
	b := w.videosOf("B")
	a := w.videosOf("A")
	if len(a) == 0 || len(b) == 0 {
		return fmt.Errorf("the shared run has no videos")
	}
	args, err := e.ack(s, "video:subscribe", b[0].id)
	if err != nil {
		return suite.Violationf("the socket still connected and answering", "%v", err)
	}
	if rawArgs(args) != `[{"ok":false,"error":"Video not found"}]` && !isNotFound(args) {
		return suite.Violationf(`{"ok":false,"error":"Video not found"} for B's video: the socket is still A's member`, "%s", rawArgs(args))
	}
	args, err = e.ack(s, "video:subscribe", a[0].id)
	if err != nil {
		return err
	}
	if v, ok := ackVideo(args); !ok || v.ID != a[0].id {
		return suite.Violationf(`{"ok":true,"video":…} for A's video: the socket is still A's member`, "%s", clip(rawArgs(args), 300))
	}
	return nil
}

// isNotFound reports whether an ack is exactly {"ok":false,"error":"Video not found"}.
func isNotFound(args []json.RawMessage) bool {
	if len(args) != 1 {
		return false
	}
	var m map[string]any
	if json.Unmarshal(args[0], &m) != nil || len(m) != 2 {
		return false
	}
	return m["ok"] == false && m["error"] == "Video not found"
}
