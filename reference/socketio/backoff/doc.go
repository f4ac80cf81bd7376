// Package backoff is socket.io-client's reconnection backoff: the delay the
// official client's Manager waits before each reconnection attempt. It is
// the client's bundled copy of backo2 (socket.io-client 4.8,
// build/*/contrib/backo2.js), reproduced bit for bit, and checked against
// the installed npm package (see "Conformance" below).
//
//	type Backoff struct {
//		Min    time.Duration  // reconnectionDelay (socket.io: 1000ms; zero field: backo2's 100ms)
//		Max    time.Duration  // reconnectionDelayMax (socket.io: 5000ms; zero field: 10s)
//		Factor float64        // 2 (zero field: 2)
//		Jitter float64        // randomizationFactor (socket.io: 0.5; 0 disables)
//		Rand   func() float64 // Math.random, [0,1); nil: math/rand/v2.Float64
//	}
//	func New(min, max time.Duration, jitter float64) *Backoff // new Backoff({min, max, jitter})
//	func (b *Backoff) Duration() time.Duration // the next delay; increments Attempts
//	func (b *Backoff) Attempts() int
//	func (b *Backoff) Reset()
//	func (b *Backoff) SetMin(time.Duration)   // Manager.reconnectionDelay(v)
//	func (b *Backoff) SetMax(time.Duration)   // Manager.reconnectionDelayMax(v)
//	func (b *Backoff) SetJitter(float64)      // Manager.randomizationFactor(v)
//
// # Algorithm
//
// With ms the JavaScript number of milliseconds of Min:
//
//	ms = Min * Factor^attempts; attempts++
//	if Jitter (non-zero, not NaN):
//	    r = Rand()
//	    deviation = floor(r * Jitter * ms)
//	    ms = floor(r*10) & 1 == 0 ? ms - deviation : ms + deviation
//	return (min(ms, Max) | 0) milliseconds
//
// with JavaScript's float64 semantics, all of which Duration reproduces:
//
//   - every + - * is one IEEE 754 float64 operation, rounded on its own
//     (Go may fuse a*b+c into an FMA; explicit float64 conversions forbid
//     it), evaluated left to right: (r*Jitter)*ms;
//   - Math.pow(Factor, attempts) is the float64 nearest to the exact power.
//     With Factor 2 (the only value socket.io uses) and any factor whose
//     powers are exact, that is exactly what every JavaScript engine
//     returns. For inexact powers engines differ by an ulp (V8 used
//     fdlibm's pow up to Node 22, the C library's since); Go's math.Pow is
//     a third answer, so it is not used;
//   - Math.floor and Math.min are math.Floor and math.Min (NaN wins, ±Inf);
//   - "& 1" and "| 0" apply ToInt32 to their double: NaN and ±Infinity give
//     0, anything else is truncated toward zero and wrapped modulo 2^32 into
//     [-2^31, 2^31). So a Max above 2^31-1 ms (24.8 days) wraps, exactly as
//     in the client, and a negative Min gives a negative delay truncated
//     toward zero;
//   - Factor^attempts overflows to Infinity (with socket.io's settings from
//     attempt 1016 on, since 1000*2^1015 > MaxFloat64): then r*Jitter*ms is
//     Infinity (NaN when r is 0), an even digit computes Infinity-Infinity
//     = NaN, and min(NaN, Max) | 0 is a delay of 0; an odd digit gives Max.
//
// Durations go in and out as time.Duration: Min and Max become the float64
// nearest to their value in milliseconds (exact for whole milliseconds),
// and the result is always a whole number of milliseconds, possibly zero or
// negative (setTimeout then waits 0ms).
//
// # One random number for size and sign
//
// backo2 draws a single r and uses it twice: its size makes the deviation
// (floor(r*Jitter*ms)), its first decimal digit the sign (even: shorter).
// The two are therefore correlated. With Jitter 0.5, r in [0, 0.1),
// [0.2, 0.3), ..., [0.8, 0.9) shortens the delay by 0-5%, 10-15%, ...,
// 40-45% of ms, and r in [0.1, 0.2), ..., [0.9, 1) lengthens it by 5-10%,
// 15-20%, ..., 45-50%. The delay falls in one of ten bands, never between
// them, and the lengthening deviations are the larger ones: the mean delay
// is about ms*(1 + Jitter/20), not ms. A faithful port must keep the single
// draw; drawing sign and size separately changes the distribution.
//
// First delays with socket.io's defaults (Min 1000ms, Max 5000ms, Jitter
// 0.5) for a constant r:
//
//	attempt  r=0 (no jitter)  r=0.25  r=0.35  r=0.85  r=0.95
//	   1         1000           875    1175     575    1475
//	   2         2000          1750    2350    1150    2950
//	   3         4000          3500    4700    2300    5000
//	   4         5000          5000    5000    4600    5000
//	   5         5000          5000    5000    5000    5000
//
// (r=0.25: even digit, 1000 - floor(0.25*0.5*1000) = 875.) TABLE.md has
// the shortest and longest possible delay of the first attempts.
//
// # Defaults: backo2's and the Manager's
//
// backo2 alone defaults to min 100ms, max 10s, factor 2, jitter 0:
// new Backoff() in JavaScript is a zero Backoff here, and New replaces a
// zero min or max the same way (opts.min || 100, opts.max || 10000) and,
// like the constructor, keeps a jitter only when 0 < jitter <= 1.
//
// socket.io-client's Manager never relies on them. It always passes its own
// options, defaulted first:
//
//	min    = opts.reconnectionDelay    || 1000  // ReconnectionDelay; 0 means 1000
//	max    = opts.reconnectionDelayMax || 5000  // ReconnectionDelayMax; 0 means 5000
//	jitter = opts.randomizationFactor  ?? 0.5   // RandomizationFactor; 0 is kept (no jitter)
//	backoff = New(min, max, jitter)             // a jitter outside (0, 1] becomes 0
//
// Its setters reconnectionDelay(v), reconnectionDelayMax(v) and
// randomizationFactor(v) call SetMin, SetMax and SetJitter, which take v
// as is: SetMin(0) makes every delay 0, and SetJitter(1.5) uses 1.5 (it
// can give negative delays), where New would have turned 1.5 into 0. The
// Manager calls Duration before each reconnection attempt, emits Attempts
// with "reconnect_attempt" and "reconnect", gives up when Attempts reaches
// reconnectionAttempts (default Infinity), and calls Reset on close, after
// a successful reconnection and when it gives up.
//
// A Backoff is not safe for concurrent use; the Manager owns one.
//
// # Conformance
//
// testdata/socketio-client-backoff.json is the output of
// interop/node/gen-backoff-table.mjs: the installed socket.io-client's
// Backoff (its cjs, esm and esm-debug builds, which must agree) and the
// Backoff of a real Manager, with Math.random stubbed by edge values (0,
// 0.0999, 0.1, 0.19999999999999998, 0.999999, ...) and an LCG stream, over
// socket.io's defaults, jitter 0 and 1, min > max, min 1ms, fractional and
// negative min, 1035 attempts (Infinity), maxima that wrap in ToInt32,
// resets and every setter. TestMatchesSocketIOClientTable replays every
// step; TestTableIsCurrent regenerates the table with Node.js (skipped
// without it, failing under CI=true) and fails if the committed copy is
// stale. Refresh it with:
//
//	cd interop/node && node gen-backoff-table.mjs > ../../reference/socketio/backoff/testdata/socketio-client-backoff.json
package backoff
