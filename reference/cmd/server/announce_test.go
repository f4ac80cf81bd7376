package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAnnouncementsReachEveryOrganization: POST /api/announcements by
// Alice (admin of acme) reaches every connected socket once, Carol's in
// globex included (ANN-4); Bob (member) gets 403 and nothing is sent
// (ANN-1).
func TestAnnouncementsReachEveryOrganization(t *testing.T) {
	url := startServer(t)
	alice, bob, carol := login(t, url, "alice"), login(t, url, "bob"), login(t, url, "carol")
	recorders := []*recorder{connect(t, url, "alice", alice), connect(t, url, "bob", bob), connect(t, url, "carol", carol)}
	post := func(token, msg string) (*http.Response, map[string]any) {
		body, _ := json.Marshal(map[string]string{"message": msg})
		res, b := request(t, "POST", url+"/api/announcements", token, http.Header{"Content-Type": {"application/json"}}, bytes.NewReader(body))
		var out map[string]any
		require.NoError(t, json.Unmarshal(b, &out), string(b))
		return res, out
	}

	res, out := post(bob, "Bob was here")
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	require.Equal(t, "Admin role required", out["error"])

	const msg = "Maintenance at 22:00 UTC"
	before := time.Now()
	res, out = post(alice, msg)
	require.Equal(t, http.StatusAccepted, res.StatusCode)
	require.Equal(t, msg, out["message"])
	require.Equal(t, "alice", out["from"])

	for _, r := range recorders {
		// Announcements are sent in request order, so once Alice's has
		// arrived, Bob's would have arrived before it if it had been sent.
		var got []event
		for _, e := range r.waitFor(t, "the announcement", isMarker(msg)) {
			if e.Name == "server:announcement" {
				got = append(got, e)
			}
		}
		require.Len(t, got, 1, "%s: exactly Alice's announcement, once", r.name)
		require.Equal(t, msg, got[0].Data["message"], r.name)
		require.Equal(t, "alice", got[0].Data["from"], r.name)
		at, err := time.Parse(time.RFC3339, got[0].Data["at"].(string))
		require.NoError(t, err, r.name)
		require.WithinDuration(t, before, at, 10*time.Second, r.name)
		require.Equal(t, out["at"], got[0].Data["at"], "%s: the event is what the 202 said", r.name)
	}
}
