package swarm

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBackoffWithoutJitterDoublesUpToMax(t *testing.T) {
	b := &Backoff{Min: time.Second, Max: 5 * time.Second, Factor: 2}
	var got []time.Duration
	for range 5 {
		got = append(got, b.Duration())
	}
	require.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}, got)
	b.Reset()
	require.Equal(t, time.Second, b.Duration())
}

func TestBackoffJitterDirectionFollowsBacko2(t *testing.T) {
	// r = 0.25: floor(2.5) = 2 is even, so the delay goes down by
	// floor(0.25·0.5·1000) = 125 ms; r = 0.35: floor(3.5) = 3 is odd, up
	// by 175 ms.
	down := &Backoff{Min: time.Second, Max: 5 * time.Second, Factor: 2, Jitter: 0.5, Rand: func() float64 { return 0.25 }}
	require.Equal(t, 875*time.Millisecond, down.Duration())
	up := &Backoff{Min: time.Second, Max: 5 * time.Second, Factor: 2, Jitter: 0.5, Rand: func() float64 { return 0.35 }}
	require.Equal(t, 1175*time.Millisecond, up.Duration())
}

func TestBackoffDefaultsStayInSocketIORange(t *testing.T) {
	for range 1000 {
		b := NewBackoff()
		first := b.Duration()
		require.GreaterOrEqual(t, first, 500*time.Millisecond)
		require.LessOrEqual(t, first, 1500*time.Millisecond)
		for range 10 {
			d := b.Duration()
			require.GreaterOrEqual(t, d, 500*time.Millisecond)
			require.LessOrEqual(t, d, 5*time.Second)
		}
	}
}
