package backoff

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socketlab/interop"
)

// tablePath is the table that interop/node/gen-backoff-table.mjs printed
// with the official socket.io-client.
const tablePath = "testdata/socketio-client-backoff.json"

type table struct {
	Generator      string      `json:"generator"`
	SocketIOClient string      `json:"socketIoClient"`
	Sources        []string    `json:"sources"`
	Cases          []tableCase `json:"cases"`
}

type tableCase struct {
	Name    string              `json:"name"`
	Via     string              `json:"via"`     // "Backoff" or "Manager"
	Options map[string]*float64 `json:"options"` // nil: new Backoff() with no argument
	Initial struct {
		Ms       float64 `json:"ms"`
		Max      float64 `json:"max"`
		Factor   float64 `json:"factor"`
		Jitter   float64 `json:"jitter"`
		Attempts int     `json:"attempts"`
	} `json:"initial"`
	Steps []tableStep `json:"steps"`
}

type tableStep struct {
	Op       string   `json:"op"`
	Random   *float64 `json:"random"` // duration: the Math.random value consumed, nil if none
	Delay    float64  `json:"delay"`
	Repeat   int      `json:"repeat"` // duration: that many identical calls (0 means 1)
	Value    float64  `json:"value"`  // setMin, setMax, setJitter
	Attempts int      `json:"attempts"`
}

func loadTable(t *testing.T) table {
	t.Helper()
	data, err := os.ReadFile(tablePath)
	require.NoError(t, err)
	var tb table
	require.NoError(t, json.Unmarshal(data, &tb))
	require.NotEmpty(t, tb.Cases)
	return tb
}

// durationOfMs converts a JavaScript number of milliseconds to the
// time.Duration that msOf turns back into exactly that number.
func durationOfMs(t *testing.T, ms float64) time.Duration {
	t.Helper()
	d := time.Duration(math.Round(ms * 1e6))
	require.Equal(t, ms, msOf(d), "%vms is not a whole number of nanoseconds", ms)
	return d
}

// opt returns options[name] and whether it is present (not undefined).
func opt(c tableCase, name string) (float64, bool) {
	if v, ok := c.Options[name]; ok && v != nil {
		return *v, true
	}
	return 0, false
}

// construct builds the Go equivalent of the case's JavaScript Backoff.
func construct(t *testing.T, c tableCase) *Backoff {
	t.Helper()
	switch c.Via {
	case "Backoff":
		if c.Options == nil {
			return &Backoff{} // new Backoff()
		}
		min, _ := opt(c, "min")
		max, _ := opt(c, "max")
		jitter, _ := opt(c, "jitter")
		b := New(durationOfMs(t, min), durationOfMs(t, max), jitter)
		if f, _ := opt(c, "factor"); f != 0 { // opts.factor || 2
			b.Factor = f
		}
		return b
	case "Manager":
		// How socket.io-client's Manager builds its Backoff: || for the
		// delays, ?? for the randomization factor.
		min, max, jitter := ReconnectionDelay, ReconnectionDelayMax, RandomizationFactor
		if v, _ := opt(c, "reconnectionDelay"); v != 0 {
			min = durationOfMs(t, v)
		}
		if v, _ := opt(c, "reconnectionDelayMax"); v != 0 {
			max = durationOfMs(t, v)
		}
		if v, ok := opt(c, "randomizationFactor"); ok {
			jitter = v
		}
		return New(min, max, jitter)
	}
	t.Fatalf("unknown via %q", c.Via)
	return nil
}

// replay runs the case's steps on b, feeding Rand from the recorded
// Math.random values, and checks every delay and attempt count.
func replay(t *testing.T, c tableCase, b *Backoff) {
	t.Helper()
	var pending []float64 // what the next Rand calls return
	calls := 0
	b.Rand = func() float64 {
		calls++
		require.NotEmpty(t, pending, "Rand called although socket.io-client did not call Math.random")
		r := pending[0]
		pending = pending[1:]
		return r
	}
	attempt := 0
	for i, s := range c.Steps {
		where := fmt.Sprintf("%s: step %d %+v", c.Name, i, s)
		switch s.Op {
		case "duration":
			n := max(s.Repeat, 1)
			for k := 0; k < n; k++ {
				attempt++
				before := calls
				if s.Random != nil {
					pending = append(pending, *s.Random)
				}
				got := b.Duration()
				want := time.Duration(s.Delay) * time.Millisecond
				if got != want {
					require.Failf(t, "delay mismatch", "%s (call %d of %d, attempt %d): got %v, socket.io-client %v",
						where, k+1, n, attempt, got, want)
				}
				wantCalls := 0
				if s.Random != nil {
					wantCalls = 1
				}
				require.Equal(t, wantCalls, calls-before, "%s: Rand calls", where)
			}
		case "reset":
			b.Reset()
		case "setMin":
			b.SetMin(durationOfMs(t, s.Value))
		case "setMax":
			b.SetMax(durationOfMs(t, s.Value))
		case "setJitter":
			b.SetJitter(s.Value)
		default:
			t.Fatalf("%s: unknown op", where)
		}
		require.Equal(t, s.Attempts, b.Attempts(), "%s: attempts", where)
	}
	require.Empty(t, pending)
}

func TestMatchesSocketIOClientTable(t *testing.T) {
	tb := loadTable(t)
	require.True(t, strings.HasPrefix(tb.SocketIOClient, "4.8."), "table generated with socket.io-client %s", tb.SocketIOClient)
	durations := 0
	for _, c := range tb.Cases {
		t.Run(c.Name, func(t *testing.T) {
			b := construct(t, c)
			if c.Options != nil {
				// New and the Manager wiring leave the fields where the
				// JavaScript constructor leaves its properties.
				require.Equal(t, durationOfMs(t, c.Initial.Ms), b.Min, "ms")
				require.Equal(t, durationOfMs(t, c.Initial.Max), b.Max, "max")
				require.Equal(t, c.Initial.Factor, b.Factor, "factor")
				require.Equal(t, c.Initial.Jitter, b.Jitter, "jitter")
			}
			require.Equal(t, c.Initial.Attempts, b.Attempts())
			replay(t, c, b)
			if c.Via == "Backoff" && len(c.Options) == 0 {
				// new Backoff() and new Backoff({}) are a zero Backoff.
				replay(t, c, &Backoff{})
			}
		})
		for _, s := range c.Steps {
			if s.Op == "duration" {
				durations += max(s.Repeat, 1)
			}
		}
	}
	t.Logf("%d cases, %d delays from socket.io-client %s", len(tb.Cases), durations, tb.SocketIOClient)
}

// TestTableIsCurrent regenerates the table with the installed
// socket.io-client and compares it with the committed one.
func TestTableIsCurrent(t *testing.T) {
	interop.Require(t)
	dir := interop.NodeDir()
	abs, err := filepath.Abs(tablePath)
	require.NoError(t, err)
	refresh := fmt.Sprintf("cd %s && node gen-backoff-table.mjs > %s", dir, abs)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "gen-backoff-table.mjs")
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node gen-backoff-table.mjs in %s: %v\n%s", dir, err, stderr.String())
	}
	committed, err := os.ReadFile(tablePath)
	require.NoError(t, err)
	if bytes.Equal(stdout.Bytes(), committed) {
		return
	}
	got := strings.Split(stdout.String(), "\n")
	want := strings.Split(string(committed), "\n")
	line := 0
	for line < len(got) && line < len(want) && got[line] == want[line] {
		line++
	}
	at := func(lines []string) string {
		if line < len(lines) {
			return lines[line]
		}
		return "(end of file)"
	}
	t.Fatalf("%s is stale: it differs from what the installed socket.io-client gives, first at line %d:\n"+
		"  committed: %s\n  generated: %s\n"+
		"refresh it (and review the diff) with:\n  %s",
		tablePath, line+1, at(want), at(got), refresh)
}
