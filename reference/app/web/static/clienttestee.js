// clienttestee.js — the page module of clienttestee.html: socketlab's own
// browser client (./client/index.js) connects to the harness's scripted
// server and reports what its API tells the page, the same contract as the
// Node and Go client testees (docs/conformance.md, "Client conformance"):
//
//   - connect to ?server= with auth { token: ?token= } and the reconnection
//     options of the query (reconnectionAttempts, reconnectionDelay,
//     reconnectionDelayMax, randomizationFactor, transports);
//   - POST every lifecycle event and every received event to ?report=, as
//     JSON lines, in order;
//   - answer "echo" with "echo-back" and the same arguments, and call its
//     ack with them too; stop at "exit" or after ?maxSeconds=.

import { io } from "./client/index.js";

const query = new URLSearchParams(location.search);
const serverURL = query.get("server");
const reportURL = query.get("report");

const statusOut = document.getElementById("status");
const logList = document.getElementById("log");

// --------------------------------------------------------------- report

let seq = 0;
let queue = [];
let sending = null;

function report(record) {
  const line = JSON.stringify({ seq: seq++, at: Date.now(), ...record });
  const item = document.createElement("li");
  item.textContent = line;
  logList.append(item);
  if (!reportURL) return;
  queue.push(line);
  if (!sending) sending = drain();
}

async function drain() {
  while (queue.length > 0) {
    const body = queue.join("\n") + "\n";
    queue = [];
    try {
      // text/plain keeps it a "simple" cross-origin request: no preflight.
      await fetch(reportURL, { method: "POST", body, headers: { "Content-Type": "text/plain" }, mode: "cors" });
    } catch (err) {
      console.error("clienttestee: report:", err);
    }
  }
  sending = null;
}

// -------------------------------------------------------------- options

function number(name) {
  const v = query.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

const opts = { auth: { token: query.get("token") ?? "" } };
for (const name of ["reconnectionAttempts", "reconnectionDelay", "reconnectionDelayMax", "randomizationFactor"]) {
  const v = number(name);
  if (v !== undefined) opts[name] = v;
}
if (query.get("transports")) opts.transports = query.get("transports").split(",").map((t) => t.trim());
const maxSeconds = number("maxSeconds") ?? 60;

// --------------------------------------------------------------- client

function start() {
  if (!serverURL) {
    statusOut.textContent = "no ?server= given";
    return;
  }
  report({ kind: "start", client: "socketlab browser client (" + navigator.userAgent + ")" });
  const socket = io(serverURL, opts);
  const manager = socket.io;
  const transport = () => manager.engine?.transport?.name;

  socket.on("connect", () => {
    statusOut.textContent = "connected as " + socket.id;
    report({ kind: "connect", id: socket.id, recovered: socket.recovered, transport: transport() });
  });
  socket.on("connect_error", (err) => report({ kind: "connect_error", message: err.message, data: err.data ?? null, active: socket.active }));
  socket.on("disconnect", (reason) => {
    statusOut.textContent = "disconnected: " + reason;
    report({ kind: "disconnect", reason, active: socket.active });
  });
  manager.on("reconnect_attempt", (attempt) => report({ kind: "reconnect_attempt", attempt }));
  manager.on("reconnect", (attempt) => report({ kind: "reconnect", attempt }));
  manager.on("reconnect_error", (err) => report({ kind: "reconnect_error", message: err.message }));
  manager.on("reconnect_failed", () => report({ kind: "reconnect_failed" }));

  socket.onAny((event, ...args) => report({ kind: "event", event, args: args.filter((a) => typeof a !== "function") }));
  socket.on("echo", (...args) => {
    const ack = typeof args.at(-1) === "function" ? args.pop() : null;
    socket.emit("echo-back", ...args);
    if (ack) ack(...args);
  });

  let finished = false;
  const finish = (why) => {
    if (finished) return;
    finished = true;
    report({ kind: "exit", reason: why });
    socket.disconnect();
    statusOut.textContent = "finished: " + why;
  };
  socket.on("exit", () => finish("exit event"));
  setTimeout(() => finish("max seconds"), maxSeconds * 1000);
}

start();
