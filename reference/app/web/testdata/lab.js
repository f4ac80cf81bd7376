// lab.js — test bench for socketlab's browser Socket.IO client. The Go
// tests (client_test.go) open this page in Chromium and drive window.lab:
// open named sockets, emit, read what each socket saw, and run the pure
// checks (backoff table, parsers) inside the browser.

import { io, Backoff, managerBackoff, engineioParser, socketioParser } from "/static/client/index.js";

const sockets = new Map(); // name → {socket, log}
const started = performance.now();

// open connects a socket called name with opts and records, in order,
// every event of the socket, of its Manager and of its transports.
function open(name, opts = {}) {
  const log = [];
  const note = (kind, ...args) =>
    log.push({ kind, at: Math.round(performance.now() - started), args: args.map(plain) });
  const socket = io(location.origin, opts);
  socket.onAny((event, ...args) => note("event", event, ...args));
  for (const kind of ["connect", "disconnect", "connect_error"]) {
    socket.on(kind, (...args) => note(kind, ...args));
  }
  for (const kind of ["open", "close", "error", "ping", "reconnect_attempt", "reconnect", "reconnect_error", "reconnect_failed"]) {
    socket.io.on(kind, (...args) => note(`io:${kind}`, ...args));
  }
  socket.io.on("open", () => {
    const engine = socket.io.engine;
    note("transport", engine.transport.name);
    engine.on("upgrade", (transport) => note("transport", transport));
    engine.on("upgradeError", (err) => note("upgradeError", err));
  });
  sockets.set(name, { socket, log });
}

// plain makes a value JSON-friendly for the trip back to Go.
function plain(v) {
  if (v instanceof Error) return { message: v.message, data: v.data ?? null };
  if (typeof v === "function") return "[ack callback]";
  return v === undefined ? null : v;
}

const get = (name) => sockets.get(name);

// replayBackoff replays the table recorded from the official
// socket.io-client (reference/socketio/backoff/testdata) through our
// Backoff and returns the disagreements, plus the number of steps run.
async function replayBackoff() {
  const table = await (await fetch("/backoff-table.json")).json();
  const problems = [];
  let steps = 0;
  for (const c of table.cases) {
    const b = c.via === "Manager" ? managerBackoff(c.options) : new Backoff(c.options);
    const state = { ms: b.ms, max: b.max, factor: b.factor, jitter: b.jitter, attempts: b.attempts };
    if (JSON.stringify(state) !== JSON.stringify(c.initial)) {
      problems.push(`${c.name}: initial ${JSON.stringify(state)}, want ${JSON.stringify(c.initial)}`);
    }
    c.steps.forEach((step, i) => {
      steps++;
      const where = `${c.name} step ${i} (${step.op})`;
      if (step.op === "duration") {
        let drawn = 0;
        b.random = () => {
          drawn++;
          return step.random;
        };
        for (let k = 0; k < (step.repeat || 1); k++) {
          const got = b.duration();
          if (got !== step.delay) problems.push(`${where}: delay ${got}, want ${step.delay}`);
        }
        // One draw per delay, used for both size and sign: a port that
        // draws twice gets other delays from a real Math.random.
        const draws = step.random === null || step.random === undefined ? 0 : step.repeat || 1;
        if (drawn !== draws) problems.push(`${where}: Math.random called ${drawn} times, want ${draws}`);
      } else {
        b[step.op](step.value); // setMin, setMax, setJitter, reset
      }
      if (b.attempts !== step.attempts) problems.push(`${where}: attempts ${b.attempts}, want ${step.attempts}`);
    });
  }
  // The first disagreements say enough; a broken port disagrees everywhere.
  return { problems: problems.slice(0, 10), total: problems.length, steps };
}

// Packets that must decode to exactly this, and packets that must throw.
const SIO_GOOD = [
  ['0{"sid":"abc"}', { type: 0, nsp: "/", data: { sid: "abc" } }],
  ['0/admin,{"sid":"abc","pid":"p"}', { type: 0, nsp: "/admin", data: { sid: "abc", pid: "p" } }],
  ["1", { type: 1, nsp: "/" }],
  ["1/admin,", { type: 1, nsp: "/admin" }],
  ['2["hello",1,{"a":[true,null]}]', { type: 2, nsp: "/", data: ["hello", 1, { a: [true, null] }] }],
  ['212["hello"]', { type: 2, nsp: "/", id: 12, data: ["hello"] }],
  ['2/admin,7["x"]', { type: 2, nsp: "/admin", id: 7, data: ["x"] }],
  ['31[{"ok":true}]', { type: 3, nsp: "/", id: 1, data: [{ ok: true }] }],
  ["30[]", { type: 3, nsp: "/", id: 0, data: [] }],
  ['4{"message":"Invalid token"}', { type: 4, nsp: "/", data: { message: "Invalid token" } }],
  ['4/admin,{"message":"Invalid namespace"}', { type: 4, nsp: "/admin", data: { message: "Invalid namespace" } }],
  ['2["error","is an ordinary event"]', { type: 2, nsp: "/", data: ["error", "is an ordinary event"] }],
];
const SIO_BAD = [
  "", "7", "x", "0", "0[]", '0"sid"', "1{}", "2", "2[]", "2[1]", '2{"a":1}', '2["connect"]',
  '2["disconnect",1]', '2["a"', "3[1]", "3{}", '31{"a":1}', '01{"sid":"a"}', '41{"message":"m"}',
  '51-["a",{"_placeholder":true,"num":0}]', '61-1[{"_placeholder":true,"num":0}]',
  '299999999999999999999["a"]', '2["a"]garbage',
];

function parserCases() {
  const problems = [];
  for (const [text, want] of SIO_GOOD) {
    try {
      const got = socketioParser.decode(text);
      const full = { type: want.type, nsp: want.nsp, id: want.id, data: want.data };
      if (JSON.stringify(got) !== JSON.stringify(full)) {
        problems.push(`decode(${text}) = ${JSON.stringify(got)}, want ${JSON.stringify(full)}`);
      }
      const again = socketioParser.encode(got);
      if (again !== text) problems.push(`encode(decode(${text})) = ${again}`);
    } catch (err) {
      problems.push(`decode(${text}) threw ${err.message}`);
    }
  }
  for (const text of SIO_BAD) {
    try {
      const got = socketioParser.decode(text);
      problems.push(`decode(${JSON.stringify(text)}) accepted: ${JSON.stringify(got)}`);
    } catch (err) {
      if (err.name !== "ParseError") problems.push(`decode(${text}) threw ${err.name}, want ParseError`);
    }
  }

  const eio = engineioParser;
  const payload = eio.decodePayload("4hello\x1e2\x1e6\x1e3probe");
  const wantPayload = [
    { type: "message", data: "hello" }, { type: "ping", data: "" },
    { type: "noop", data: "" }, { type: "pong", data: "probe" },
  ];
  if (JSON.stringify(payload) !== JSON.stringify(wantPayload)) problems.push(`decodePayload: ${JSON.stringify(payload)}`);
  const binary = eio.decodePacket("bAQID");
  if (binary.type !== "message" || [...binary.data].join() !== "1,2,3") problems.push(`decodePacket(bAQID): ${JSON.stringify(binary)}`);
  const encoded = eio.encodePayload([{ type: "message", data: '40{"token":"t"}' }, { type: "pong" }]);
  if (encoded !== '440{"token":"t"}\x1e3') problems.push(`encodePayload: ${JSON.stringify(encoded)}`);
  for (const bad of ["", "7", "x", "b!!"]) {
    try {
      eio.decodePacket(bad);
      problems.push(`engine.io decodePacket(${JSON.stringify(bad)}) accepted`);
    } catch {
      // expected
    }
  }
  return problems;
}

window.lab = {
  open,
  log: (name) => get(name).log,
  kinds: (name) => get(name).log.map((e) => e.kind),
  events: (name, kind) => get(name).log.filter((e) => e.kind === kind),
  count: (name, kind) => get(name).log.filter((e) => e.kind === kind).length,
  connected: (name) => get(name).socket.connected,
  transport: (name) => get(name).socket.io.engine?.transport?.name ?? "",
  attempts: (name) => get(name).socket.io.backoff.attempts,
  // state tells whether anything can still happen by itself: an active
  // socket reconnects when its Manager does, and the Manager only retries
  // while "reconnecting" (a delay timer or an attempt is pending).
  state: (name) => {
    const { socket } = get(name);
    return { active: socket.active, reconnecting: socket.io.reconnecting, readyState: socket.io.readyState };
  },
  emit: (name, event, ...args) => void get(name).socket.emit(event, ...args),
  emitWithAck: (name, event, ...args) =>
    new Promise((resolve) => get(name).socket.emit(event, ...args, (...reply) => resolve(reply))),
  // answerAcks makes the socket acknowledge the testee's
  // "server-ack-request" (sent with an ack id) with the same arguments.
  answerAcks: (name) =>
    void get(name).socket.on("server-ack-request", (...args) => {
      const ack = args.pop();
      ack(...args);
    }),
  setAuth: (name, auth) => void (get(name).socket.auth = auth),
  connect: (name) => void get(name).socket.connect(),
  disconnect: (name) => void get(name).socket.disconnect(),
  replayBackoff,
  parserCases,
};
