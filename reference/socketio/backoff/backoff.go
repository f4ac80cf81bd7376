package backoff

import (
	"math"
	"math/rand/v2"
	"time"
)

// backo2's own defaults, used by New for zero arguments and by Duration for
// zero fields (JavaScript: opts.min || 100, opts.max || 10000,
// opts.factor || 2, and a jitter outside (0, 1] is 0).
const (
	DefaultMin    = 100 * time.Millisecond
	DefaultMax    = 10 * time.Second
	DefaultFactor = 2.0
)

// socket.io-client's Manager defaults, which it always passes to its
// Backoff: reconnectionDelay (opts.reconnectionDelay || 1000),
// reconnectionDelayMax (opts.reconnectionDelayMax || 5000) and
// randomizationFactor (opts.randomizationFactor ?? 0.5; 0 is kept).
const (
	ReconnectionDelay    = 1000 * time.Millisecond
	ReconnectionDelayMax = 5000 * time.Millisecond
	RandomizationFactor  = 0.5
)

// Backoff is socket.io-client's reconnection backoff (its bundled copy of
// backo2), reproduced exactly: same arithmetic, same float64 rounding,
// same single random number deciding both the size and the sign of the
// jitter, same truncation to an integer number of milliseconds.
//
// The fields are the JavaScript object's properties (ms, max, factor,
// jitter). A zero field takes backo2's own default (Min 100ms, Max 10s,
// Factor 2, Jitter 0 = off), so a zero Backoff is `new Backoff()`; the
// Manager's values (1000ms, 5000ms, jitter 0.5) are what socket.io-client
// passes, see [New] and the package documentation.
//
// A Backoff is not safe for concurrent use.
type Backoff struct {
	Min    time.Duration  // "ms", the first delay: the Manager's reconnectionDelay (1000ms); zero: 100ms
	Max    time.Duration  // "max", the cap: the Manager's reconnectionDelayMax (5000ms); zero: 10s
	Factor float64        // "factor", growth per attempt; zero (or NaN): 2, the only value socket.io uses
	Jitter float64        // "jitter", the Manager's randomizationFactor (0.5); 0 or NaN disables it; used as is, like setJitter
	Rand   func() float64 // Math.random, [0,1); nil: math/rand/v2.Float64

	attempts int
	zeroMin  bool // SetMin(0) was called: Min == 0 means 0, not DefaultMin
	zeroMax  bool // SetMax(0) was called: Max == 0 means 0, not DefaultMax
}

// New is backo2's constructor, new Backoff({min, max, jitter}), which
// socket.io-client's Manager calls with its reconnectionDelay,
// reconnectionDelayMax and randomizationFactor. Like the JavaScript, it
// replaces a zero min or max with backo2's defaults (100ms, 10s), keeps a
// jitter only if 0 < jitter <= 1 (else 0) and sets Factor to 2.
//
// The Manager itself applies its own defaults first (see
// [ReconnectionDelay]): New(ReconnectionDelay, ReconnectionDelayMax,
// RandomizationFactor) is the backoff of a Manager built with no options.
func New(min, max time.Duration, jitter float64) *Backoff {
	b := &Backoff{Min: min, Max: max, Factor: DefaultFactor}
	if b.Min == 0 {
		b.Min = DefaultMin
	}
	if b.Max == 0 {
		b.Max = DefaultMax
	}
	if jitter > 0 && jitter <= 1 {
		b.Jitter = jitter
	}
	return b
}

// Duration returns the next delay and counts one more attempt:
//
//	ms = Min * Factor^attempts; attempts++
//	if Jitter: r = Rand(); dev = floor(r*Jitter*ms)
//	           ms = floor(r*10) even ? ms - dev : ms + dev
//	return ToInt32(min(ms, Max)) milliseconds
//
// computed with JavaScript's float64 semantics (see the package
// documentation). The result is a whole number of milliseconds; it can be
// zero or negative, exactly where socket.io-client's is (setTimeout then
// waits 0ms), e.g. once ms overflows to Infinity, after 1015 attempts with
// socket.io's settings.
func (b *Backoff) Duration() time.Duration {
	// The float64(...) conversions forbid fusing x*y+z into one FMA
	// instruction (which Go allows on some architectures): JavaScript
	// rounds every operation.
	ms := float64(b.min() * powInt(b.factor(), b.attempts))
	b.attempts++
	if j := b.Jitter; j != 0 && !math.IsNaN(j) { // if (this.jitter)
		r := b.random()
		deviation := math.Floor(float64(float64(r*j) * ms))
		if toInt32(math.Floor(float64(r*10)))&1 == 0 {
			ms = float64(ms - deviation)
		} else {
			ms = float64(ms + deviation)
		}
	}
	return time.Duration(toInt32(math.Min(ms, b.max()))) * time.Millisecond
}

// Attempts returns the number of delays handed out since the last Reset
// (the Manager emits it with "reconnect_attempt" and "reconnect", and
// stops once it reaches reconnectionAttempts).
func (b *Backoff) Attempts() int { return b.attempts }

// Reset starts over from Min (the Manager calls it on a successful
// reconnection, on close, and when it gives up).
func (b *Backoff) Reset() { b.attempts = 0 }

// SetMin is backo2's setMin, called by the Manager's
// reconnectionDelay(v) setter: it takes v as is, so SetMin(0) makes every
// delay 0 (unlike a zero Min in New or in a struct literal).
func (b *Backoff) SetMin(min time.Duration) {
	b.Min = min
	b.zeroMin = min == 0
}

// SetMax is backo2's setMax, called by the Manager's
// reconnectionDelayMax(v) setter: it takes v as is, so SetMax(0) caps
// every delay at 0.
func (b *Backoff) SetMax(max time.Duration) {
	b.Max = max
	b.zeroMax = max == 0
}

// SetJitter is backo2's setJitter, called by the Manager's
// randomizationFactor(v) setter. Unlike New it does not check the range:
// a jitter above 1 or below 0 is used as is (and can give negative
// delays), exactly as in socket.io-client.
func (b *Backoff) SetJitter(jitter float64) { b.Jitter = jitter }

func (b *Backoff) min() float64 {
	if b.Min == 0 && !b.zeroMin {
		return msOf(DefaultMin)
	}
	return msOf(b.Min)
}

func (b *Backoff) max() float64 {
	if b.Max == 0 && !b.zeroMax {
		return msOf(DefaultMax)
	}
	return msOf(b.Max)
}

func (b *Backoff) factor() float64 {
	if b.Factor == 0 || math.IsNaN(b.Factor) {
		return DefaultFactor
	}
	return b.Factor
}

func (b *Backoff) random() float64 {
	if b.Rand != nil {
		return b.Rand()
	}
	return rand.Float64()
}
