// client-scenarios.mjs: drives a Socket.IO server with the OFFICIAL
// socket.io-client and checks, with explicit assertions, what a correct
// Socket.IO v5 / Engine.IO v4 server must do.
//
// The server under test must behave like testee.mjs (read its header for the
// event contract). socketlab's Go tests run these scenarios first against
// testee.mjs (the official server, to prove the scenarios themselves) and then
// against socketlab's Go server.
//
// Usage:
//
//   node client-scenarios.mjs --url http://127.0.0.1:PORT
//        --transports polling|websocket|default
//        [--scenario NAME|all] [--timeout-ms 10000] [--expect-token X]
//        [--list]
//
// Output: one JSON line per scenario on stdout,
//
//   {"scenario":"events","transports":"polling","ok":true,"error":"","details":{...}}
//
// and exit code 0 iff every scenario that ran was ok. Diagnostics go to
// stderr. Every wait is bounded by --timeout-ms, and the script always exits.
//
// --expect-token X says the server was started with `--auth-token X`: every
// connection then sends auth {token: X, ...}, and the "connect_error"
// scenario (which needs such a server) is part of "all". Without it,
// "connect_error" is left out of "all". The "recovery" scenario needs a
// server started with --recovery and only runs when named (--scenario recovery).
//
// --list prints every scenario name, one a line, in order.
//
// Set DEBUG=socket.io-client*,engine.io-client* to watch the official
// client's own protocol log on stderr.

import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { io, Manager } from "socket.io-client";

// --------------------------------------------------------------------- flags

const { values: flags } = parseArgs({
  options: {
    url: { type: "string" },
    transports: { type: "string", default: "default" },
    scenario: { type: "string", default: "all" },
    "timeout-ms": { type: "string", default: "10000" },
    "expect-token": { type: "string" },
    list: { type: "boolean", default: false },
  },
  strict: true,
});

const TRANSPORTS = {
  polling: ["polling"], // HTTP long-polling only
  websocket: ["websocket"], // straight to WebSocket, no polling handshake
  default: undefined, // the client's default: polling first, then upgrade
};

// ------------------------------------------------------------------- helpers

/** Resolves after ms milliseconds. */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for one `event` on `emitter` (a Socket, a Manager or an engine
 * Socket) and resolves with the array of its arguments. Rejects after
 * `ms` milliseconds, or when one of `failOn` events fires first (by
 * default "connect_error" and "disconnect": with reconnection off, neither
 * can be followed by the event we wait for).
 */
function once(emitter, event, { ms = timeoutMs, failOn = ["connect_error", "disconnect"] } = {}) {
  return handled(new Promise((resolve, reject) => {
    const cleanups = [];
    const done = (fn) => (...args) => {
      clearTimeout(timer);
      for (const c of cleanups) c();
      fn(...args);
    };
    const timer = setTimeout(
      done(() => reject(new Error(`timeout after ${ms}ms waiting for "${event}"`))),
      ms,
    );
    const onEvent = done((...args) => resolve(args));
    emitter.on(event, onEvent);
    cleanups.push(() => emitter.off(event, onEvent));
    for (const bad of failOn) {
      if (bad === event) continue;
      const onBad = done((err) =>
        reject(new Error(`got "${bad}" while waiting for "${event}": ${err && err.message ? err.message : err}`)),
      );
      emitter.on(bad, onBad);
      cleanups.push(() => emitter.off(bad, onBad));
    }
  }));
}

/**
 * Marks a promise as handled, so that a wait started early (to not miss an
 * event) and then abandoned, because the scenario failed before awaiting it,
 * is not an "unhandled rejection" that kills the process. Awaiting the
 * promise still throws as usual.
 */
function handled(promise) {
  promise.catch(() => {});
  return promise;
}

/** Rejects if `promise` has not settled within ms milliseconds. */
function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms}ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Records every call of `event` on `socket`: returns the array of arg arrays. */
function record(socket, event) {
  const calls = [];
  socket.on(event, (...args) => calls.push(args));
  return calls;
}

/** Waits until predicate() is true (polled every 10 ms), or rejects. */
async function until(predicate, what, ms = timeoutMs) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timeout after ${ms}ms: ${what}`);
    await sleep(10);
  }
}

/** Turns a value into something JSON can show (Buffers as {buffer:[...]}). */
function show(v) {
  if (Buffer.isBuffer(v)) return { buffer: v.length <= 16 ? [...v] : `${v.length} bytes` };
  if (v instanceof ArrayBuffer) return { arraybuffer: v.byteLength };
  if (Array.isArray(v)) return v.map(show);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, show(x)]));
  }
  return v;
}

/** Asserts that `got` is a Node Buffer holding exactly `bytes`. */
function assertBuffer(got, bytes, what) {
  assert.ok(Buffer.isBuffer(got), `${what}: expected a Buffer, got ${Object.prototype.toString.call(got)}`);
  assert.deepEqual([...got], [...bytes], `${what}: bytes differ`);
}

// ------------------------------------------------------------- the context
// Every scenario gets a context `ctx` with:
//   ctx.connect(nsp, opts)  a new socket on its own connection (forceNew)
//   ctx.manager(opts)       a new Manager, to multiplex namespaces over one connection
//   ctx.details             an object printed in the scenario's JSON line
// All sockets/managers made through ctx are closed when the scenario ends.

const url = flags.url;
const transportsName = flags.transports;
const timeoutMs = Number(flags["timeout-ms"]);
const expectToken = flags["expect-token"];

/**
 * The auth payload of a connection: the token when the server wants one,
 * plus `extra`. Undefined when both are empty: the client then sends a bare
 * CONNECT ("40", no JSON), as an app that never sets `auth` does.
 */
function baseAuth(extra = {}) {
  const auth = expectToken !== undefined ? { token: expectToken, ...extra } : { ...extra };
  return Object.keys(auth).length > 0 ? auth : undefined;
}

function makeContext() {
  const sockets = [];
  const managers = [];
  const common = {
    forceNew: true, // a new Manager (= a new Engine.IO connection) per io() call
    reconnection: false, // a failure must fail the scenario, not retry
    timeout: timeoutMs, // connection timeout of the Manager
    ...(TRANSPORTS[transportsName] ? { transports: TRANSPORTS[transportsName] } : {}),
  };
  return {
    details: {},
    connect(nsp = "/", opts = {}) {
      const auth = baseAuth();
      const socket = io(url + nsp, { ...common, ...(auth ? { auth } : {}), ...opts });
      sockets.push(socket);
      return socket;
    },
    manager(opts = {}) {
      const { forceNew, ...managerOpts } = common; // forceNew is an io() option
      const m = new Manager(url, { ...managerOpts, ...opts });
      managers.push(m);
      return m;
    },
    close() {
      for (const s of sockets) s.disconnect();
      for (const m of managers) m.engine && m.engine.close();
    },
  };
}

// ----------------------------------------------------------------- scenarios
// Each scenario is an async function(ctx). It throws (usually an
// AssertionError) to fail, and may fill ctx.details to explain what it saw.

const scenarios = {
  // The Engine.IO and Socket.IO handshakes; the transport ends where expected.
  async handshake(ctx) {
    const socket = ctx.connect();
    const engine = socket.io.engine; // created synchronously by io()
    const upgrades = []; // listen before an upgrade can happen
    engine.on("upgrade", (transport) => upgrades.push(transport.name));
    const gotAuth = once(socket, "auth");

    await once(socket, "connect");
    assert.equal(typeof socket.id, "string", "socket.id is a string");
    assert.ok(socket.id.length > 0, "socket.id is not empty");
    assert.equal(typeof engine.id, "string", "engine id is a string");
    assert.notEqual(socket.id, engine.id, "Socket.IO id must differ from the Engine.IO sid (v5)");
    ctx.details.socketId = socket.id;
    ctx.details.engineId = engine.id;
    // without an auth option the server's handshake.auth is {}
    const [auth] = await gotAuth;
    assert.deepEqual(auth, baseAuth() ?? {}, "handshake.auth of a connection without auth");

    if (transportsName === "default") {
      // polling handshake first, then the client probes and upgrades to websocket
      await until(() => upgrades.length > 0, 'engine "upgrade" event');
      assert.deepEqual(upgrades, ["websocket"], "exactly one upgrade, to websocket");
      assert.equal(engine.transport.name, "websocket", "default transports end on websocket");
    } else {
      // no upgrade may happen: stay connected for a few heartbeats
      await sleep(500);
      assert.deepEqual(upgrades, [], `no upgrade with --transports ${transportsName}`);
      assert.equal(engine.transport.name, transportsName, `${transportsName}-only stays on ${transportsName}`);
      assert.ok(socket.connected, "still connected after 500ms");
    }
    ctx.details.upgrades = upgrades;
    ctx.details.finalTransport = engine.transport.name;
    // the connection is usable after the upgrade
    const pong = await within(socket.emitWithAck("message-with-ack", "after-handshake"), timeoutMs, "ack after handshake");
    assert.equal(pong, "after-handshake");
  },

  // The CONNECT packet carries the auth payload to the server.
  async auth(ctx) {
    const auth = baseAuth({ token: expectToken ?? "abc", n: 1 });
    const socket = ctx.connect("/", { auth });
    const gotAuth = once(socket, "auth");
    await once(socket, "connect");
    const [payload] = await gotAuth;
    ctx.details.auth = payload;
    assert.deepEqual(payload, auth, "server saw the auth payload unchanged");
  },

  // A namespace middleware rejects: CONNECT_ERROR carries message and data.
  async connect_error(ctx) {
    if (expectToken === undefined) {
      throw new Error("connect_error needs a server started with --auth-token X and --expect-token X");
    }
    const bad = ctx.connect("/", { auth: { token: expectToken + "-wrong" } });
    const [err] = await once(bad, "connect_error", { failOn: ["connect"] });
    ctx.details.message = err.message;
    ctx.details.data = err.data;
    assert.equal(err.message, "not authorized");
    assert.deepEqual(err.data, { reason: "bad token" });
    assert.equal(bad.connected, false, "rejected socket is not connected");

    const noAuth = ctx.connect("/", { auth: undefined }); // bare "40"
    const [err2] = await once(noAuth, "connect_error", { failOn: ["connect"] });
    assert.equal(err2.message, "not authorized", "no token at all is rejected too");

    const good = ctx.connect("/", { auth: { token: expectToken } });
    const gotAuth = once(good, "auth");
    await once(good, "connect");
    const [payload] = await gotAuth;
    assert.deepEqual(payload, { token: expectToken }, "the right token connects");
  },

  // Plain events, with UTF-8 text and nested JSON, both ways.
  async events(ctx) {
    const socket = ctx.connect();
    await once(socket, "connect");
    const sent = ["a", 1, { b: [true, null] }, "ünïcødé <&>"];
    const back = once(socket, "message-back");
    socket.emit("message", ...sent);
    const args = await back;
    ctx.details.received = args;
    assert.deepEqual(args, sent, "message-back echoes every argument");

    // an event with no arguments at all
    const empty = once(socket, "message-back");
    socket.emit("message");
    assert.deepEqual(await empty, [], "an event with no arguments echoes as none");
  },

  // Acknowledgements: client→server and server→client.
  async acks(ctx) {
    const socket = ctx.connect();
    await once(socket, "connect");

    // callback form: the callback gets every ack argument
    const all = await within(
      new Promise((resolve) => socket.emit("message-with-ack", 1, "two", { three: 3 }, (...a) => resolve(a))),
      timeoutMs,
      "ack callback",
    );
    ctx.details.callbackArgs = all;
    assert.deepEqual(all, [1, "two", { three: 3 }], "ack callback gets all arguments");

    // emitWithAck (4.8) resolves with the FIRST ack argument only
    const first = await within(socket.emitWithAck("message-with-ack", 1, "two", { three: 3 }), timeoutMs, "emitWithAck");
    ctx.details.emitWithAck = first;
    assert.equal(first, 1, "emitWithAck resolves with the first ack argument");

    // timeout(...) form: callback is (err, ...args) with err === null on success
    const timed = await within(
      new Promise((resolve) => socket.timeout(timeoutMs).emit("message-with-ack", "t", (err, ...a) => resolve([err, ...a]))),
      timeoutMs + 1000,
      "timeout().emit ack",
    );
    assert.deepEqual(timed, [null, "t"], "timeout().emit callback gets (null, ...args)");

    // server → client: the server emits with an ack callback, we answer it
    const request = new Promise((resolve) => {
      socket.on("server-ack-request", (...args) => {
        const callback = args.pop();
        assert.equal(typeof callback, "function", "server-ack-request carries an ack id");
        callback("pong", 42);
        resolve(args);
      });
    });
    const result = once(socket, "server-ack-result");
    socket.emit("server-ack", "x", 2);
    const reqArgs = await within(request, timeoutMs, "server-ack-request");
    ctx.details.serverAckRequest = reqArgs;
    assert.deepEqual(reqArgs, ["x", 2], "server-ack-request carries the emitted arguments");
    const resArgs = await result;
    ctx.details.serverAckResult = resArgs;
    assert.deepEqual(resArgs, ["pong", 42], "server received our ack arguments");
  },

  // Binary attachments (BINARY_EVENT / BINARY_ACK), both ways.
  async binary(ctx) {
    const socket = ctx.connect();
    await once(socket, "connect");

    const a = Buffer.from([1, 2, 3]);
    const b = Buffer.from([0, 255]);
    const back = once(socket, "message-back");
    socket.emit("message", a, { nested: b });
    const args = await back;
    ctx.details.received = show(args);
    assert.equal(args.length, 2, "two arguments back");
    assertBuffer(args[0], a, "first argument");
    assert.deepEqual(Object.keys(args[1]), ["nested"], "second argument is {nested}");
    assertBuffer(args[1].nested, b, "nested buffer");

    // mixed text/binary, an empty buffer and a large one (> 64 KiB)
    const big = Buffer.alloc(100_000, 0xab);
    const mixed = ["text", Buffer.alloc(0), 7, [big]];
    const back2 = once(socket, "message-back");
    socket.emit("message", ...mixed);
    const args2 = await back2;
    assert.equal(args2[0], "text");
    assertBuffer(args2[1], Buffer.alloc(0), "empty buffer");
    assert.equal(args2[2], 7);
    assertBuffer(args2[3][0], big, "100000-byte buffer");

    // binary in an ack
    const ackArgs = await within(
      new Promise((resolve) => socket.emit("message-with-ack", a, { nested: b }, (...x) => resolve(x))),
      timeoutMs,
      "binary ack",
    );
    ctx.details.ack = show(ackArgs);
    assertBuffer(ackArgs[0], a, "ack first argument");
    assertBuffer(ackArgs[1].nested, b, "ack nested buffer");
  },

  // Namespaces multiplexed over ONE Engine.IO connection, and a refused one.
  async namespace(ctx) {
    // separate connection to /custom: the "auth" event arrives there
    const custom = ctx.connect("/custom", { auth: baseAuth({ ns: "custom" }) });
    const gotAuth = once(custom, "auth");
    await once(custom, "connect");
    assert.deepEqual((await gotAuth)[0], baseAuth({ ns: "custom" }), "/custom got the auth payload");
    ctx.details.customId = custom.id;

    // separate connection to an unknown namespace: CONNECT_ERROR
    const forbidden = ctx.connect("/forbidden");
    const [err] = await once(forbidden, "connect_error", { failOn: ["connect"] });
    ctx.details.forbiddenError = { message: err.message, data: err.data };
    assert.equal(err.message, "Invalid namespace");

    // one Manager = one Engine.IO connection carrying three namespaces
    const m = ctx.manager();
    const root = m.socket("/", baseAuth() ? { auth: baseAuth() } : {});
    const cust = m.socket("/custom", { auth: baseAuth({ ns: "custom" }) });
    const bad = m.socket("/forbidden", baseAuth() ? { auth: baseAuth() } : {});
    // listen for everything first: the three CONNECTs are answered in any order
    const rootAuth = once(root, "auth");
    const custAuth = once(cust, "auth");
    const badRefused = once(bad, "connect_error", { failOn: ["connect"] });
    await Promise.all([once(root, "connect"), once(cust, "connect")]);
    const [badErr] = await badRefused;
    assert.equal(badErr.message, "Invalid namespace", "multiplexed refusal");
    await Promise.all([rootAuth, custAuth]);
    assert.notEqual(root.id, cust.id, "each namespace has its own socket id");
    // the refusal must not have closed the shared connection
    const echo = await within(cust.emitWithAck("message-with-ack", "still-here"), timeoutMs, "ack on /custom");
    assert.equal(echo, "still-here");
    const echo2 = await within(root.emitWithAck("message-with-ack", "root-too"), timeoutMs, "ack on /");
    assert.equal(echo2, "root-too");
    assert.ok(root.connected && cust.connected, "both namespaces still connected");
    ctx.details.multiplexed = { engineId: m.engine.id, rootId: root.id, customId: cust.id };
  },

  // Rooms: A, B and C join one room ("r1-..."); socket.to(room) (broadcast)
  // excludes the sender, io.to(room) includes it; nobody gets duplicates.
  async rooms(ctx) {
    const names = ["A", "B", "C"];
    const socks = names.map(() => ctx.connect());
    await Promise.all(socks.map((s) => once(s, "connect")));
    const [A] = socks;
    const bcast = socks.map((s) => record(s, "broadcast"));
    const toRoom = socks.map((s) => record(s, "emit-to-room"));

    // join, then a round-trip ack on the same socket: packets of one socket
    // are handled in order, so after the ack the join has happened.
    // A unique room name, so that concurrent runs against one server (say,
    // one per transport) cannot hear each other's broadcasts.
    const room = `r1-${transportsName}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    ctx.details.room = room;
    for (const s of socks) {
      s.emit("join", room);
      await within(s.emitWithAck("message-with-ack", "sync"), timeoutMs, "sync after join");
    }

    A.emit("broadcast", room, "hello");
    await until(() => bcast[1].length > 0 && bcast[2].length > 0, "B and C get the broadcast");
    await sleep(300); // give a wrong delivery to A (or a duplicate) time to show up
    ctx.details.broadcast = Object.fromEntries(names.map((n, i) => [n, bcast[i]]));
    assert.deepEqual(bcast[0], [], "A (the sender) gets no broadcast");
    assert.deepEqual(bcast[1], [["hello"]], "B gets the broadcast exactly once");
    assert.deepEqual(bcast[2], [["hello"]], "C gets the broadcast exactly once");

    A.emit("emit-to-room", room, "all");
    await until(() => toRoom.every((r) => r.length > 0), "everyone gets emit-to-room");
    await sleep(300);
    ctx.details.emitToRoom = Object.fromEntries(names.map((n, i) => [n, toRoom[i]]));
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(toRoom[i], [["all"]], `${names[i]} gets emit-to-room exactly once`);
    }
  },

  // Client-side disconnect: local event, then a fresh client still works.
  async disconnect(ctx) {
    const socket = ctx.connect();
    await once(socket, "connect");
    const firstId = socket.id;
    const reason = once(socket, "disconnect", { failOn: [] });
    socket.disconnect();
    const [why] = await reason;
    ctx.details.reason = why;
    assert.equal(why, "io client disconnect");
    assert.equal(socket.connected, false);
    // the last socket of a Manager closes the Engine.IO connection too
    await until(() => socket.io.engine.readyState === "closed", "engine closed");

    const again = ctx.connect();
    await once(again, "connect");
    assert.notEqual(again.id, firstId, "a new connection gets a new socket id");
    const pong = await within(again.emitWithAck("message-with-ack", "alive"), timeoutMs, "ack after reconnect");
    assert.equal(pong, "alive");
  },

  // Heartbeat: the server pings (every pingInterval) and the client's pongs
  // keep the connection alive well past pingInterval + pingTimeout.
  async heartbeat(ctx) {
    const socket = ctx.connect();
    await once(socket, "connect");
    const pings = record(socket.io, "ping"); // Manager re-emits the engine's "ping"
    const disconnects = record(socket, "disconnect");
    const hs = { pingInterval: socket.io.engine._pingInterval, pingTimeout: socket.io.engine._pingTimeout };
    ctx.details.handshake = hs;
    // long enough for several pings, and for the server to give up on us
    // (pingInterval + pingTimeout) if it did not accept our pongs
    const wait = Math.max(1200, 2 * (hs.pingInterval || 300) + (hs.pingTimeout || 200));
    await sleep(wait);
    ctx.details.pings = pings.length;
    ctx.details.waitedMs = wait;
    ctx.details.disconnects = disconnects;
    assert.deepEqual(disconnects, [], `no disconnect while idle (got ${JSON.stringify(disconnects)})`);
    assert.ok(socket.connected, "still connected");
    assert.ok(pings.length >= 2, `expected >= 2 server pings in ${wait}ms, got ${pings.length}`);
  },

  // Connection state recovery (server started with --recovery; run it by
  // name, it is not part of "all"). The transport drops, the client
  // reconnects with {pid, offset} in its CONNECT payload, and the server
  // restores the session: same socket id, rooms kept, missed packets
  // replayed. With recovery on, the server appends an offset (a string) as
  // an extra last argument to every event it emits; the client keeps it
  // (it does not strip it) and sends the latest one back when it reconnects.
  async recovery(ctx) {
    const s = ctx.connect("/", {
      reconnection: true,
      reconnectionDelay: 500, // fixed: no jitter (randomizationFactor 0)
      reconnectionDelayMax: 500,
      randomizationFactor: 0,
    });
    const other = ctx.connect();
    await Promise.all([once(s, "connect"), once(other, "connect")]);
    assert.equal(s.recovered, false, "first connection is not a recovery");
    const firstId = s.id;
    const room = `rec-${transportsName}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    s.emit("join", room);
    await within(s.emitWithAck("message-with-ack", "sync"), timeoutMs, "sync after join");
    const missed = record(s, "emit-to-room");

    // drop the Engine.IO connection under the socket (not socket.disconnect(),
    // which would end the session): the client reports "forced close" and,
    // with reconnection on, reconnects by itself
    const dropped = once(s, "disconnect", { failOn: [] });
    s.io.engine.close();
    const [reason] = await dropped;
    ctx.details.dropReason = reason;
    assert.equal(reason, "forced close");

    // while s is away (reconnectionDelay 500 ms), the room gets a message
    other.emit("emit-to-room", room, "missed");
    await within(other.emitWithAck("message-with-ack", "sync"), timeoutMs, "sync after emit");

    const gotAuth = once(s, "auth");
    await once(s, "connect");
    ctx.details.recovered = s.recovered;
    assert.equal(s.recovered, true, "socket.recovered after reconnect");
    assert.equal(s.id, firstId, "a recovered socket keeps its id");
    const [auth] = await gotAuth;
    ctx.details.authAfterRecovery = auth;
    assert.equal(typeof auth.pid, "string", "the client sent its pid in the CONNECT payload");
    assert.equal(typeof auth.offset, "string", "the client sent its last offset in the CONNECT payload");

    await until(() => missed.length > 0, "the missed room message is replayed");
    ctx.details.missed = missed;
    assert.equal(missed.length, 1, "replayed exactly once");
    assert.equal(missed[0][0], "missed");
    assert.equal(missed[0].length, 2, "event args + the offset");
    assert.equal(typeof missed[0][1], "string", "the last argument is the offset");
  },
};

// Scenarios left out of "all": they need a server started with a flag.
const NOT_IN_ALL = {
  connect_error: () => expectToken === undefined, // needs --auth-token X / --expect-token X
  recovery: () => true, // needs --recovery; run with --scenario recovery
};

// ------------------------------------------------------------------ runner

// Last resort: a stray rejection is logged, never fatal (a crash would lose
// the JSON lines of the scenarios still to run).
process.on("unhandledRejection", (err) => {
  console.error("client-scenarios: unhandled rejection:", err);
});

if (flags.list) {
  for (const name of Object.keys(scenarios)) console.log(name);
  process.exit(0);
}

function usage(msg) {
  console.error(`client-scenarios: ${msg}`);
  console.error(
    "usage: node client-scenarios.mjs --url http://127.0.0.1:PORT --transports polling|websocket|default" +
      " [--scenario NAME|all] [--timeout-ms 10000] [--expect-token X] [--list]",
  );
  process.exit(2);
}

if (!url) usage("--url is required");
if (!(transportsName in TRANSPORTS)) usage(`unknown --transports ${transportsName}`);
if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) usage("--timeout-ms must be a positive integer");

let selected;
if (flags.scenario === "all") {
  selected = Object.keys(scenarios).filter((n) => !(n in NOT_IN_ALL && NOT_IN_ALL[n]()));
} else {
  selected = flags.scenario.split(",");
  for (const n of selected) if (!(n in scenarios)) usage(`unknown scenario ${n}`);
}

let allOk = true;
for (const name of selected) {
  const ctx = makeContext();
  const started = Date.now();
  let ok = true;
  let error = "";
  try {
    // a whole scenario gets a few waits' worth of time, then it fails
    await within(scenarios[name](ctx), 3 * timeoutMs, `scenario ${name}`);
  } catch (err) {
    ok = false;
    error = err && err.message ? err.message : String(err);
    console.error(`[${name}/${transportsName}] FAILED:`, err && err.stack ? err.stack : err);
  } finally {
    try {
      ctx.close();
    } catch (err) {
      console.error(`[${name}/${transportsName}] close:`, err);
    }
  }
  ctx.details.elapsedMs = Date.now() - started;
  allOk &&= ok;
  const line = { scenario: name, transports: transportsName, ok, error, details: show(ctx.details) };
  process.stdout.write(JSON.stringify(line) + "\n");
  await sleep(20); // let close frames go out before the next scenario
}

// Exit explicitly: an open handle (a socket a broken server never closed)
// must not keep the process alive.
process.exitCode = allOk ? 0 : 1;
setTimeout(() => process.exit(allOk ? 0 : 1), 100).unref();
