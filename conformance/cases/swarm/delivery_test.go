package swarm

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	agents "socketlab/conformance/internal/swarm"
)

// TestJudgeCountsLostStrayAndDoubledEvents feeds the set check a swarm of
// four clients per organization where one A client lost an event, one got
// it twice and one B client got a leaked one.
func TestJudgeCountsLostStrayAndDoubledEvents(t *testing.T) {
	since := time.Now()
	sent := since.Add(time.Second)
	at := func(ms int) time.Time { return since.Add(time.Duration(ms) * time.Millisecond) }
	ev := func(ms int, name string, arg string) agents.EventAt {
		return agents.EventAt{At: at(ms), Event: agents.Event{Name: name, Args: []json.RawMessage{json.RawMessage(arg), json.RawMessage(`"offset-1"`)}}}
	}
	progress := func(ms int) agents.EventAt {
		return ev(ms, "video:progress", `{"videoId":"v1","progress":10,"stage":"metadata"}`)
	}
	processed := func(ms int) agents.EventAt { return ev(ms, "video:processed", `{"videoId":"v1","status":"completed"}`) }
	barrier := func(ms int) agents.EventAt {
		return ev(ms, "server:announcement", `{"message":"swarm barrier x","from":"u","at":"t"}`)
	}
	w := &world{orgA: "A", orgB: "B"}
	v := agents.View{}
	for i := range 8 {
		cl := &agents.Client{ID: agents.ClientID{Agent: 0, Client: i}, Org: []string{"A", "B"}[i%2]}
		if cl.Org == "A" {
			cl.Events = []agents.EventAt{progress(10 + i), processed(20 + i), barrier(1100 + i)}
		} else {
			cl.Events = []agents.EventAt{barrier(1100 + i)}
		}
		v[cl.ID] = cl
	}
	v[agents.ClientID{Agent: 0, Client: 0}].Events = []agents.EventAt{processed(20), barrier(1100)}                                            // lost progress
	v[agents.ClientID{Agent: 0, Client: 2}].Events = append(v[agents.ClientID{Agent: 0, Client: 2}].Events, processed(30))                     // doubled
	v[agents.ClientID{Agent: 0, Client: 1}].Events = append([]agents.EventAt{progress(12)}, v[agents.ClientID{Agent: 0, Client: 1}].Events...) // leaked to B

	d := &delivery{videoID: "v1"}
	isBarrier := func(e agents.Event, f fields) bool {
		return e.Name == "server:announcement" && f.Message == "swarm barrier x"
	}
	d.judge(v, w, func(*agents.Client) bool { return true }, since, sent, isBarrier)
	require.Equal(t, 4, d.liveA)
	require.Equal(t, 4, d.liveB)
	require.Equal(t, 1, d.report.Lost, d.report.String())
	require.Equal(t, 1, d.report.Duplicated, d.report.String())
	require.Equal(t, 1, d.report.Unexpected, d.report.String())
	require.Empty(t, d.waited)
	require.Len(t, d.announce, 8)
	require.Contains(t, d.report.UnexpectedExamples[0], "agent 0 client 1 (B)")
}
