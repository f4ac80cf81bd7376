// gen-backoff-table.mjs: records what the OFFICIAL socket.io-client's
// reconnection backoff (its bundled copy of backo2, contrib/backo2.js) returns
// for fixed Math.random values, as a JSON table on stdout.
//
// socketlab's Go package reference/socketio/backoff replays the committed
// table (TestMatchesSocketIOClientTable) and regenerates it with this script
// to detect a stale copy (TestTableIsCurrent). Refresh it with:
//
//   cd interop/node && node gen-backoff-table.mjs > ../../reference/socketio/backoff/testdata/socketio-client-backoff.json
//
// Every case is run on a fresh Backoff:
//
//   via "Backoff": new Backoff(options) from the installed package's
//                  build/cjs, build/esm and build/esm-debug copies of
//                  contrib/backo2.js (the script fails unless all three agree);
//                  options null means new Backoff() with no argument.
//   via "Manager": new Manager(url, {autoConnect: false, ...options}).backoff,
//                  the Backoff that the real Manager builds from its
//                  reconnectionDelay / reconnectionDelayMax /
//                  randomizationFactor options; its set* steps go through the
//                  Manager's setters (reconnectionDelay(v) -> setMin(v),
//                  reconnectionDelayMax(v) -> setMax(v),
//                  randomizationFactor(v) -> setJitter(v)).
//
// "initial" is the Backoff's state right after construction. Each step is
// one call: {"op":"duration","random":R,"delay":D,"attempts":A} (R is the
// Math.random value that duration() consumed, or null when it consumed none;
// D its result; A backoff.attempts afterwards), {"op":"reset",...} or
// {"op":"setMin"|"setMax"|"setJitter","value":V,...}. Consecutive identical
// duration steps are merged into one with "repeat": N.
//
// Only engine-independent values are recorded: every factor used is an
// integer whose powers stay exact, so Math.pow returns the same double in
// every JavaScript engine (Math.pow of inexact powers differs between V8
// versions: fdlibm up to Node 22, the C library's pow since). The output
// depends on nothing but the installed socket.io-client.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Manager } from "socket.io-client";

const require = createRequire(import.meta.url);
const pkgJSON = require.resolve("socket.io-client/package.json");
const pkgDir = dirname(pkgJSON);
const pkg = require(pkgJSON);

const builds = {
  "build/cjs/contrib/backo2.js": require(join(pkgDir, "build/cjs/contrib/backo2.js")).Backoff,
  "build/esm/contrib/backo2.js": (await import(pathToFileURL(join(pkgDir, "build/esm/contrib/backo2.js")).href)).Backoff,
  "build/esm-debug/contrib/backo2.js": (await import(pathToFileURL(join(pkgDir, "build/esm-debug/contrib/backo2.js")).href)).Backoff,
};
for (const [file, B] of Object.entries(builds)) {
  if (typeof B !== "function") throw new Error(`${file} does not export Backoff`);
}

// ------------------------------------------------------------ random values

// Edge cases for one random number r that decides both the size of the
// deviation (floor(r * jitter * ms)) and its sign (floor(r * 10) even: minus).
const EDGES = [
  0, 0.0999, 0.1, 0.15, 0.5, 0.95, 0.999999,
  0.19999999999999998, // r*10 rounds to 1.9999999999999998: digit 1
  0.3, // r*10 is 3.0000000000000004
  0.7, // r*10 is 7.000000000000001
  0.6, 0.9999999999999999, 0.05, 0.25, 0.45, 0.55, 0.65, 0.85,
];

// A 32-bit LCG (Numerical Recipes constants); each value is x / 2^32, an
// exact double in [0, 1).
function lcg(seed, n) {
  const out = [];
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(1664525, x) + 1013904223) >>> 0;
    out.push(x / 4294967296);
  }
  return out;
}

function cycle(values, n) {
  return Array.from({ length: n }, (_, i) => values[i % values.length]);
}

// ------------------------------------------------------------------- cases

const d = (n) => ({ op: "duration", n });
const reset = { op: "reset" };
const set = (op, value) => ({ op, value });

const SOCKETIO = { min: 1000, max: 5000, jitter: 0.5 };

const cases = [
  { name: "socketio-defaults-edges", via: "Backoff", options: SOCKETIO, randoms: EDGES, ops: [d(EDGES.length)] },
  { name: "socketio-defaults-lcg", via: "Backoff", options: SOCKETIO, randoms: lcg(1, 16), ops: [d(16)] },
  { name: "socketio-defaults-reset", via: "Backoff", options: SOCKETIO, randoms: lcg(2, 13),
    ops: [d(5), reset, d(5), reset, reset, d(3)] },
  { name: "jitter-0-doubles-to-max", via: "Backoff", options: { min: 1000, max: 5000, jitter: 0 }, randoms: [], ops: [d(8)] },
  { name: "jitter-1-edges", via: "Backoff", options: { min: 1000, max: 5000, jitter: 1 }, randoms: EDGES, ops: [d(EDGES.length)] },
  { name: "jitter-0.5-factor-3", via: "Backoff", options: { min: 1000, max: 1e9, jitter: 0.5, factor: 3 }, randoms: lcg(3, 15), ops: [d(15)] },
  { name: "min-greater-than-max", via: "Backoff", options: { min: 8000, max: 5000, jitter: 0.5 }, randoms: EDGES, ops: [d(EDGES.length)] },
  { name: "min-1ms", via: "Backoff", options: { min: 1, max: 5000, jitter: 0.5 }, randoms: lcg(4, 16), ops: [d(16)] },
  { name: "min-1ms-edges", via: "Backoff", options: { min: 1, max: 5000, jitter: 0.5 }, randoms: EDGES, ops: [d(EDGES.length)] },
  { name: "fractional-min", via: "Backoff", options: { min: 1.5, max: 100, jitter: 0.5 }, randoms: lcg(5, 10), ops: [d(10)] },
  { name: "negative-fractional-min", via: "Backoff", options: { min: -1000.5, max: 5000, jitter: 0.5 }, randoms: cycle(EDGES, 10), ops: [d(10)] },
  { name: "large-attempts", via: "Backoff", options: SOCKETIO, randoms: lcg(6, 64), ops: [d(64)] },
  // 1000 * 2^(20*n) overflows to Infinity at n = 51: then ms - deviation is
  // NaN (Infinity - Infinity, or Infinity - NaN when r = 0), and NaN | 0 is 0.
  { name: "overflow-to-infinity-factor-2^20", via: "Backoff", options: { min: 1000, max: 5000, jitter: 0.5, factor: 1048576 },
    randoms: cycle(EDGES, 60), ops: [d(60)] },
  // With socket.io's own settings the same happens after 1015 attempts.
  { name: "overflow-to-infinity-socketio-defaults", via: "Backoff", options: SOCKETIO,
    randoms: [...cycle([0.55], 1005), ...cycle(EDGES, 30)], ops: [d(1035)] },
  { name: "overflow-to-infinity-jitter-0", via: "Backoff", options: { min: 1000, max: 5000, jitter: 0, factor: 1048576 },
    randoms: [], ops: [d(60)] },
  // The final "| 0" is ToInt32: modulo 2^32, so huge maxima wrap.
  { name: "toint32-max-2^31", via: "Backoff", options: { min: 1000, max: 2147483648, jitter: 0 }, randoms: [], ops: [d(25)] },
  { name: "toint32-max-2^32+1000", via: "Backoff", options: { min: 1000, max: 4294968296, jitter: 0.5 },
    randoms: cycle(EDGES, 40), ops: [d(40)] },
  { name: "toint32-max-3e12", via: "Backoff", options: { min: 1000, max: 3e12, jitter: 0.5 }, randoms: lcg(7, 40), ops: [d(40)] },
  { name: "backo2-no-options", via: "Backoff", options: null, randoms: [], ops: [d(10)] },
  { name: "backo2-empty-options", via: "Backoff", options: {}, randoms: [], ops: [d(10)] },
  { name: "backo2-zero-options", via: "Backoff", options: { min: 0, max: 0, jitter: 0, factor: 0 }, randoms: [], ops: [d(10)] },
  { name: "backo2-jitter-above-1-is-0", via: "Backoff", options: { min: 1000, max: 5000, jitter: 1.5 }, randoms: [], ops: [d(5)] },
  { name: "backo2-negative-jitter-is-0", via: "Backoff", options: { min: 1000, max: 5000, jitter: -0.5 }, randoms: [], ops: [d(5)] },
  { name: "setters-are-raw", via: "Backoff", options: SOCKETIO, randoms: cycle(EDGES, 23),
    ops: [d(3), set("setMin", 500), d(2), set("setMax", 20000), d(3), set("setJitter", 0), d(2),
      set("setJitter", 2), d(3), set("setJitter", -0.5), d(3), reset, set("setMin", 0), d(3),
      set("setMin", 250), set("setMax", 0), d(2), set("setJitter", 1), d(4)] },
  { name: "manager-defaults", via: "Manager", options: {}, randoms: EDGES, ops: [d(EDGES.length)] },
  { name: "manager-defaults-lcg", via: "Manager", options: {}, randoms: lcg(1, 16), ops: [d(16)] },
  { name: "manager-explicit", via: "Manager", options: { reconnectionDelay: 2000, reconnectionDelayMax: 10000, randomizationFactor: 0.3 },
    randoms: lcg(8, 12), ops: [d(12)] },
  // reconnectionDelay / reconnectionDelayMax use ||, randomizationFactor ??.
  { name: "manager-zero-options", via: "Manager", options: { reconnectionDelay: 0, reconnectionDelayMax: 0, randomizationFactor: 0 },
    randoms: [], ops: [d(6)] },
  { name: "manager-randomization-factor-1.5", via: "Manager", options: { randomizationFactor: 1.5 },
    randoms: cycle(EDGES, 5), ops: [d(3), reset, set("setJitter", 1.5), d(5)] },
  { name: "manager-setters", via: "Manager", options: {}, randoms: cycle(EDGES, 24),
    ops: [d(3), set("setMin", 0), d(3), set("setMin", 300), set("setMax", 60000), d(10), reset,
      set("setJitter", 0), d(3), set("setJitter", 0.9), d(8)] },
];

// -------------------------------------------------------------- recording

const realRandom = Math.random;
let current = "";
let queue = [];
let consumed = [];
Math.random = () => {
  if (queue.length === 0) throw new Error(`${current}: Math.random called more often than the case allows`);
  const r = queue.shift();
  consumed.push(r);
  return r;
};

function state(b) {
  return { ms: b.ms, max: b.max, factor: b.factor, jitter: b.jitter, attempts: b.attempts };
}

const MANAGER_SETTER = { setMin: "reconnectionDelay", setMax: "reconnectionDelayMax", setJitter: "randomizationFactor" };

function run(c, Backoff) {
  current = c.name;
  queue = [...c.randoms];
  let b, mgr;
  if (c.via === "Manager") {
    mgr = new Manager("http://127.0.0.1:1", { autoConnect: false, ...c.options });
    b = mgr.backoff;
  } else {
    b = c.options === null ? new Backoff() : new Backoff({ ...c.options });
  }
  const initial = state(b);
  const steps = [];
  for (const o of c.ops) {
    if (o.op === "duration") {
      for (let i = 0; i < o.n; i++) {
        consumed = [];
        const delay = b.duration();
        if (consumed.length > 1) throw new Error(`${c.name}: duration() used ${consumed.length} random numbers`);
        steps.push({ op: "duration", random: consumed.length ? consumed[0] : null, delay, attempts: b.attempts });
      }
    } else if (o.op === "reset") {
      b.reset();
      steps.push({ op: "reset", attempts: b.attempts });
    } else {
      if (mgr) mgr[MANAGER_SETTER[o.op]](o.value);
      else b[o.op](o.value);
      steps.push({ op: o.op, value: o.value, attempts: b.attempts });
    }
  }
  if (queue.length !== 0) throw new Error(`${c.name}: ${queue.length} random numbers left unused`);
  return { initial, steps };
}

// Merges runs of identical duration steps into one step with "repeat".
function compress(steps) {
  const out = [];
  for (const s of steps) {
    const last = out[out.length - 1];
    if (s.op === "duration" && last && last.op === "duration" &&
        Object.is(last.random, s.random) && last.delay === s.delay) {
      last.repeat = (last.repeat || 1) + 1;
      last.attempts = s.attempts;
      continue;
    }
    out.push({ ...s });
  }
  return out.map((s) => {
    if (s.op !== "duration" || !s.repeat) return s;
    const { op, random, delay, repeat, attempts } = s;
    return { op, random, delay, repeat, attempts };
  });
}

const out = [];
for (const c of cases) {
  let rec;
  if (c.via === "Manager") {
    rec = run(c);
  } else {
    for (const [file, B] of Object.entries(builds)) {
      const r = run(c, B);
      if (rec && JSON.stringify(r) !== JSON.stringify(rec)) {
        throw new Error(`${c.name}: ${file} disagrees with the other builds`);
      }
      rec = r;
    }
  }
  out.push({ name: c.name, via: c.via, options: c.options, initial: rec.initial, steps: compress(rec.steps) });
}
Math.random = realRandom;

// ----------------------------------------------------------------- output

// Pretty JSON with a stable layout: one line per step.
const lines = [];
lines.push("{");
lines.push(`  "generator": "interop/node/gen-backoff-table.mjs",`);
lines.push(`  "socketIoClient": ${JSON.stringify(pkg.version)},`);
lines.push(`  "sources": ${JSON.stringify([...Object.keys(builds), 'import { Manager } from "socket.io-client"'])},`);
lines.push(`  "cases": [`);
out.forEach((c, i) => {
  lines.push("    {");
  lines.push(`      "name": ${JSON.stringify(c.name)},`);
  lines.push(`      "via": ${JSON.stringify(c.via)},`);
  lines.push(`      "options": ${JSON.stringify(c.options)},`);
  lines.push(`      "initial": ${JSON.stringify(c.initial)},`);
  lines.push(`      "steps": [`);
  c.steps.forEach((s, j) => lines.push(`        ${JSON.stringify(s)}${j < c.steps.length - 1 ? "," : ""}`));
  lines.push("      ]");
  lines.push(`    }${i < out.length - 1 ? "," : ""}`);
});
lines.push("  ]");
lines.push("}");
process.stdout.write(lines.join("\n") + "\n");
