// official.cjs drives the official socket.io-client (the pinned copy of
// interop/node) for contract IO-2. The harness writes JSON commands to
// stdin, one per line; every observation goes to stdout as one JSON line.
// The clients get no option but auth (and transports to pin one).
//
//   {"cmd":"start","url":"http://…","clients":[{"name":"polling","token":"…","transports":["polling"]}, …]}
//   {"cmd":"emit","client":"polling","req":1,"event":"video:subscribe","args":["…"]}   (with an ack)
//   {"cmd":"quit"}
"use strict";
const { io } = require("socket.io-client");
const readline = require("readline");

const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const sockets = new Map();

function start(url, clients) {
  for (const c of clients) {
    const opts = { auth: { token: c.token } };
    if (c.transports) opts.transports = c.transports;
    const s = io(url, opts);
    sockets.set(c.name, s);
    s.io.on("open", () => s.io.engine.on("upgrade", (t) => out({ c: c.name, t: "upgrade", transport: t.name })));
    s.on("connect", () => out({ c: c.name, t: "connect", id: s.id, transport: s.io.engine.transport.name }));
    s.on("connect_error", (err) => out({ c: c.name, t: "connect_error", message: String(err && err.message) }));
    s.on("disconnect", (reason) => out({ c: c.name, t: "disconnect", reason }));
    s.onAny((event, ...args) => out({ c: c.name, t: "event", event, args }));
  }
}

function quit() {
  for (const s of sockets.values()) s.disconnect();
  setTimeout(() => process.exit(0), 50);
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch (e) {
    out({ t: "error", message: "bad command: " + e.message });
    return;
  }
  if (msg.cmd === "start") start(msg.url, msg.clients);
  else if (msg.cmd === "emit") {
    const s = sockets.get(msg.client);
    if (!s) return out({ c: msg.client, t: "error", message: "no such client" });
    s.emit(msg.event, ...(msg.args || []), (...res) => out({ c: msg.client, t: "ack", req: msg.req, res }));
  } else if (msg.cmd === "quit") quit();
});
rl.on("close", quit);
out({ t: "ready" });
