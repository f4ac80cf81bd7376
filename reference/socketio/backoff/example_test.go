package backoff_test

import (
	"fmt"

	"socketlab/reference/socketio/backoff"
)

// The backoff of a socket.io-client Manager built with no options
// (reconnectionDelay 1000ms, reconnectionDelayMax 5000ms,
// randomizationFactor 0.5), with fixed random numbers: an even first
// decimal digit shortens the delay, an odd one lengthens it.
func Example() {
	b := backoff.New(backoff.ReconnectionDelay, backoff.ReconnectionDelayMax, backoff.RandomizationFactor)
	rs := []float64{0.25, 0.35, 0.05, 0.85, 0.95, 0}
	i := 0
	b.Rand = func() float64 { r := rs[i]; i++; return r }
	for range rs {
		d := b.Duration()
		fmt.Printf("attempt %d  r=%-4v  %v\n", b.Attempts(), rs[i-1], d)
	}
	b.Reset()
	b.SetJitter(0)
	fmt.Println("after Reset, no jitter:", b.Duration(), b.Duration(), b.Duration(), b.Duration())
	// Output:
	// attempt 1  r=0.25  875ms
	// attempt 2  r=0.35  2.35s
	// attempt 3  r=0.05  3.9s
	// attempt 4  r=0.85  4.6s
	// attempt 5  r=0.95  5s
	// attempt 6  r=0     5s
	// after Reset, no jitter: 1s 2s 4s 5s
}
