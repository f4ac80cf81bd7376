// client-testee.mjs — the official socket.io-client 4.8.4 as a client
// testee of the conformance harness's level "client" (docs/conformance.md,
// "Client conformance"): it connects to the harness's scripted server and
// reports everything the client API tells it, so that the harness can
// judge the client from both ends — what it sends on the wire and what it
// tells its application.
//
//   SOCKETLAB_SERVER_URL=http://127.0.0.1:PORT SOCKETLAB_REPORT_URL=http://127.0.0.1:R/report \
//     node client-testee.mjs
//
// Environment (the harness sets it; every variable but the first two is
// optional):
//   SOCKETLAB_SERVER_URL               the server to connect to
//   SOCKETLAB_REPORT_URL               where to POST the report, JSON lines
//   SOCKETLAB_TOKEN                    auth: { token }
//   SOCKETLAB_RECONNECTION_ATTEMPTS    reconnectionAttempts (0 or unset: Infinity)
//   SOCKETLAB_RECONNECTION_DELAY       reconnectionDelay, ms
//   SOCKETLAB_RECONNECTION_DELAY_MAX   reconnectionDelayMax, ms
//   SOCKETLAB_RANDOMIZATION_FACTOR     randomizationFactor
//   SOCKETLAB_TRANSPORTS               transports, comma-separated
//   SOCKETLAB_MAX_SECONDS              exit after this long (default 60)
//
// Behaviour: the server event "echo" is answered by emitting "echo-back"
// with the same arguments, and by calling its ack (when it has one) with
// them too; the event "exit" ends the process.

import { io } from "socket.io-client";

const env = process.env;
const serverURL = env.SOCKETLAB_SERVER_URL;
const reportURL = env.SOCKETLAB_REPORT_URL;
if (!serverURL || !reportURL) {
  console.error("client-testee: SOCKETLAB_SERVER_URL and SOCKETLAB_REPORT_URL are required");
  process.exit(2);
}

// --------------------------------------------------------------- report

// Lines leave in order, batched while a POST is in flight.
let seq = 0;
let queue = [];
let sending = null;

function report(record) {
  queue.push(JSON.stringify({ seq: seq++, at: Date.now(), ...record }));
  if (!sending) sending = drain();
}

async function drain() {
  while (queue.length > 0) {
    const body = queue.join("\n") + "\n";
    queue = [];
    try {
      await fetch(reportURL, { method: "POST", headers: { "Content-Type": "text/plain" }, body });
    } catch (err) {
      console.error("client-testee: report:", err.message);
    }
  }
  sending = null;
}

async function flushed() {
  while (sending) await sending;
}

// -------------------------------------------------------------- options

function number(name) {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) {
    console.error(`client-testee: ${name}=${v} is not a number`);
    process.exit(2);
  }
  return n;
}

const opts = { auth: { token: env.SOCKETLAB_TOKEN ?? "" }, forceNew: true };
const optional = {
  reconnectionAttempts: number("SOCKETLAB_RECONNECTION_ATTEMPTS"),
  reconnectionDelay: number("SOCKETLAB_RECONNECTION_DELAY"),
  reconnectionDelayMax: number("SOCKETLAB_RECONNECTION_DELAY_MAX"),
  randomizationFactor: number("SOCKETLAB_RANDOMIZATION_FACTOR"),
};
for (const [key, value] of Object.entries(optional)) if (value !== undefined) opts[key] = value;
if (env.SOCKETLAB_TRANSPORTS) opts.transports = env.SOCKETLAB_TRANSPORTS.split(",").map((t) => t.trim());
const maxSeconds = number("SOCKETLAB_MAX_SECONDS") ?? 60;

// --------------------------------------------------------------- client

report({ kind: "start", client: "socket.io-client 4.8.4, Node " + process.version });
const socket = io(serverURL, opts);
const manager = socket.io;
const errorData = (err) => (err && err.data !== undefined ? err.data : null);
const transport = () => manager.engine?.transport?.name;

socket.on("connect", () => report({ kind: "connect", id: socket.id, recovered: socket.recovered, transport: transport() }));
socket.on("connect_error", (err) => report({ kind: "connect_error", message: err.message, data: errorData(err), active: socket.active }));
socket.on("disconnect", (reason, details) =>
  report({ kind: "disconnect", reason, description: details?.description?.message ?? (typeof details?.description === "string" ? details.description : undefined), active: socket.active }),
);
manager.on("reconnect_attempt", (attempt) => report({ kind: "reconnect_attempt", attempt }));
manager.on("reconnect", (attempt) => report({ kind: "reconnect", attempt }));
manager.on("reconnect_error", (err) => report({ kind: "reconnect_error", message: err.message }));
manager.on("reconnect_failed", () => report({ kind: "reconnect_failed" }));

// Every event, with its arguments (an ack callback is not one).
socket.onAny((event, ...args) => report({ kind: "event", event, args: args.filter((a) => typeof a !== "function") }));

socket.on("echo", (...args) => {
  const ack = typeof args.at(-1) === "function" ? args.pop() : null;
  socket.emit("echo-back", ...args);
  if (ack) ack(...args);
});

let finishing = false;
async function finish(why) {
  if (finishing) return;
  finishing = true;
  report({ kind: "exit", reason: why });
  socket.disconnect();
  await flushed();
  process.exit(0);
}

socket.on("exit", () => finish("exit event"));
setTimeout(() => finish("max seconds"), maxSeconds * 1000);
process.on("SIGTERM", () => finish("SIGTERM"));
