package swarm

import (
	"math"
	"math/rand/v2"
	"time"
)

// Backoff is socket.io-client's reconnection delay (its backo2 package):
// attempt n waits Min·Factorⁿ, moved up or down by a random share of up
// to Jitter of itself, capped at Max. A successful connection resets it.
// The official client's defaults are Min 1 s, Max 5 s, Factor 2, Jitter
// 0.5 (reconnectionDelay, reconnectionDelayMax, randomizationFactor).
type Backoff struct {
	Min, Max time.Duration
	Factor   float64
	Jitter   float64
	// Rand returns a number in [0, 1); math/rand/v2 when nil.
	Rand func() float64

	attempts int
}

// NewBackoff returns socket.io-client's default backoff.
func NewBackoff() *Backoff {
	return &Backoff{Min: time.Second, Max: 5 * time.Second, Factor: 2, Jitter: 0.5}
}

// Duration returns the delay before the next attempt and counts it.
func (b *Backoff) Duration() time.Duration {
	ms := float64(b.Min.Milliseconds()) * math.Pow(b.Factor, float64(b.attempts))
	b.attempts++
	if b.Jitter > 0 {
		r := b.random()
		deviation := math.Floor(r * b.Jitter * ms)
		// backo2 picks the direction from the same draw: floor(r·10) even
		// means down.
		if int(math.Floor(r*10))&1 == 0 {
			ms -= deviation
		} else {
			ms += deviation
		}
	}
	ms = math.Min(ms, float64(b.Max.Milliseconds()))
	return time.Duration(ms) * time.Millisecond
}

// Reset starts over from Min, after a connection succeeded.
func (b *Backoff) Reset() { b.attempts = 0 }

func (b *Backoff) random() float64 {
	if b.Rand != nil {
		return b.Rand()
	}
	return rand.Float64()
}
