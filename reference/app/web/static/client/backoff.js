// backoff.js — how long to wait before each reconnection attempt.
//
// This is the algorithm of socket.io-client 4.8 (its bundled copy of the
// backo2 package), kept quirk for quirk: the Go port in
// reference/socketio/backoff gives the same numbers bit for bit, and a
// browser test replays the table recorded from the real client.
//
// Delay of attempt n (counting from 0) with the Manager's defaults
// (min 1000 ms, max 5000 ms, jitter 0.5):
//
//   ms        = min * factor^n                     1000, 2000, 4000, 8000…
//   r         = Math.random()                      ONE draw for two uses:
//   deviation = floor(r * jitter * ms)             its size…
//   ms        = floor(r*10) even ? ms - deviation  …and its first decimal
//                                : ms + deviation     digit picks the sign
//   delay     = min(ms, max) | 0                   capped, then ToInt32

export class Backoff {
  // The constructor takes backo2's options. A missing or zero min, max or
  // factor falls back to backo2's own defaults (100 ms, 10 s, 2), and a
  // jitter outside (0, 1] means no jitter at all.
  constructor(opts) {
    opts = opts || {};
    this.ms = opts.min || 100;
    this.max = opts.max || 10000;
    this.factor = opts.factor || 2;
    this.jitter = opts.jitter > 0 && opts.jitter <= 1 ? opts.jitter : 0;
    this.attempts = 0;
    this.random = Math.random; // replaceable, so tests can replay a table
  }

  // duration returns the next delay in milliseconds and counts one attempt.
  duration() {
    let ms = this.ms * Math.pow(this.factor, this.attempts++);
    if (this.jitter) {
      const rand = this.random();
      const deviation = Math.floor(rand * this.jitter * ms);
      // "& 1" (not "% 2"): ToInt32 semantics, so that NaN and Infinity
      // behave as in the real client.
      ms = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
    }
    // "| 0" is ToInt32 too: Infinity and NaN become 0, huge values wrap.
    return Math.min(ms, this.max) | 0;
  }

  // reset starts over from min; the Manager calls it after a successful
  // reconnection and whenever a connection closes.
  reset() {
    this.attempts = 0;
  }

  // The setters take the value as it is, unlike the constructor: the
  // Manager's reconnectionDelay(0) really means 0 ms.
  setMin(min) {
    this.ms = min;
  }

  setMax(max) {
    this.max = max;
  }

  setJitter(jitter) {
    this.jitter = jitter;
  }
}

// managerBackoff builds the Backoff of a Manager from its options, with
// the Manager's defaults applied first: 1000 ms, 5000 ms and 0.5.
// "||" (not "??") for the delays: a 0 delay option means "the default".
// "??" for the factor: 0 is kept, and means "no jitter".
export function managerBackoff(opts = {}) {
  return new Backoff({
    min: opts.reconnectionDelay || 1000,
    max: opts.reconnectionDelayMax || 5000,
    jitter: opts.randomizationFactor ?? 0.5,
  });
}
