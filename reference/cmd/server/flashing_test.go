package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"socketlab/reference/app/apptest"
)

// TestFlashingClipIsFlagged: the flashing fixture (full-frame black and
// white alternation, 10 changes a second) goes through the assembled app
// and comes out flagged (contract VID-7), the same in the event that both
// members of the organization receive and in the REST answer.
func TestFlashingClipIsFlagged(t *testing.T) {
	apptest.RequireFFmpeg(t)
	url := startServer(t)
	alice, bob := login(t, url, "alice"), login(t, url, "bob")
	recorders := []*recorder{connect(t, url, "alice", alice), connect(t, url, "bob", bob)}

	id := upload(t, url, alice, filepath.Join(testdata, "flashing.mp4"), "Flashing")["_id"].(string)

	var sensitivity map[string]any
	for _, r := range recorders {
		for _, e := range r.waitFor(t, "video:processed", isEvent("video:processed", id)) {
			if e.Name != "video:processed" || e.Data["videoId"] != id {
				continue
			}
			require.Equal(t, "completed", e.Data["status"], r.name)
			got := e.Data["sensitivity"].(map[string]any)
			require.Equal(t, "flagged", got["status"], r.name)
			require.Equal(t, "wcag-2.3.1-general-flash", got["method"], r.name)
			// More than 3 flashes a second is what "flagged" means; the
			// contract expects 4 to 6 from such a clip.
			require.GreaterOrEqual(t, got["maxFlashesPerSecond"], 4.0, r.name)
			require.LessOrEqual(t, got["maxFlashesPerSecond"], 6.0, r.name)
			sensitivity = got
		}
	}

	res, b := request(t, "GET", url+"/api/videos/"+id, bob, nil, nil)
	require.Equal(t, 200, res.StatusCode, string(b))
	var v map[string]any
	require.NoError(t, json.Unmarshal(b, &v))
	require.Equal(t, "completed", v["status"])
	require.Equal(t, sensitivity, v["sensitivity"])
}
