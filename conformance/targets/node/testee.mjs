// testee.mjs: the reference ("known good") server built with the OFFICIAL
// socket.io and engine.io npm packages.
//
// It is the protocol half of this conformance target (app.mjs, next to it,
// is the app contract on the same official server). socketlab's Go tests
// start it (interop.StartTestee) to prove that the client scenarios
// (interop/node/client-scenarios.mjs) are correct against the real thing
// before the same scenarios are pointed at socketlab's Go server, and the
// conformance harness judges it as the official side of the protocol
// cases. Its behaviour is the echo server used by the Socket.IO / Engine.IO
// protocol conformance suites, plus a few extra events on "/" (rooms,
// server→client acks).
//
// Usage:
//
//   node testee.mjs --port 0 [--ping-interval 300] [--ping-timeout 200]
//                   [--recovery] [--auth-token X]
//
// Once listening on 127.0.0.1 it prints exactly one JSON line on stdout:
//
//   {"port":12345}
//
// It exits on SIGTERM/SIGINT, and also when its stdin is a pipe that gets
// closed (so it never outlives the Go test process that started it).
//
// Endpoints on the same HTTP server:
//
//   /socket.io/  Socket.IO v5 (Engine.IO v4) server
//   /engine.io/  plain Engine.IO v4 server that echoes every message back
//
// Socket.IO behaviour:
//
//   namespaces "/" and "/custom" (any other namespace is refused by socket.io
//   itself with CONNECT_ERROR {"message":"Invalid namespace"}):
//     on connection        emit("auth", socket.handshake.auth)
//     "message" ...args    emit("message-back", ...args)       (binary included)
//     "message-with-ack" ...args, ack
//                          ack(...args)
//   namespace "/" only:
//     "join" room          socket.join(room)
//     "broadcast" room ...args
//                          socket.to(room).emit("broadcast", ...args)  (not to the sender)
//     "emit-to-room" room ...args
//                          io.to(room).emit("emit-to-room", ...args)   (sender included)
//     "server-ack" ...args emit("server-ack-request", ...args, callback); when the
//                          client calls the callback with ...res:
//                          emit("server-ack-result", ...res)
//
// Flags:
//   --recovery      enable connectionStateRecovery (skipMiddlewares: false)
//   --auth-token X  "/" middleware: reject unless handshake.auth.token === X,
//                   with Error("not authorized") and err.data = {reason: "bad token"}

import http from "node:http";
import fs from "node:fs";
import { parseArgs } from "node:util";
import { Server } from "socket.io";
import { Server as EngineServer } from "engine.io";

const { values: flags } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "ping-interval": { type: "string", default: "300" },
    "ping-timeout": { type: "string", default: "200" },
    recovery: { type: "boolean", default: false },
    "auth-token": { type: "string" },
  },
  strict: true,
});

function intFlag(name) {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`testee: --${name} must be a non-negative integer, got ${flags[name]}`);
    process.exit(2);
  }
  return n;
}

const port = intFlag("port");
const pingInterval = intFlag("ping-interval");
const pingTimeout = intFlag("ping-timeout");
const log = (...args) => console.error("testee:", ...args);

const httpServer = http.createServer();

// ---------------------------------------------------------------- Socket.IO
const io = new Server(httpServer, {
  path: "/socket.io/",
  pingInterval,
  pingTimeout,
  maxHttpBufferSize: 1e6,
  connectTimeout: 1000,
  cors: { origin: true, credentials: true },
  ...(flags.recovery
    ? { connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: false } }
    : {}),
});

if (flags["auth-token"] !== undefined) {
  const expected = flags["auth-token"];
  io.of("/").use((socket, next) => {
    if (socket.handshake.auth && socket.handshake.auth.token === expected) {
      return next();
    }
    const err = new Error("not authorized");
    err.data = { reason: "bad token" };
    next(err);
  });
}

// Handlers shared by "/" and "/custom": the conformance-suite echo server.
function echoHandlers(socket) {
  socket.emit("auth", socket.handshake.auth);

  socket.on("message", (...args) => {
    socket.emit("message-back", ...args);
  });

  socket.on("message-with-ack", (...args) => {
    const ack = args.pop();
    if (typeof ack === "function") ack(...args);
  });
}

io.of("/").on("connection", (socket) => {
  echoHandlers(socket);

  socket.on("join", (room) => {
    socket.join(room);
  });

  socket.on("broadcast", (room, ...args) => {
    socket.to(room).emit("broadcast", ...args);
  });

  socket.on("emit-to-room", (room, ...args) => {
    io.to(room).emit("emit-to-room", ...args);
  });

  socket.on("server-ack", (...args) => {
    socket.emit("server-ack-request", ...args, (...res) => {
      socket.emit("server-ack-result", ...res);
    });
  });
});

io.of("/custom").on("connection", echoHandlers);

// ------------------------------------------------------ plain Engine.IO echo
// Attached after socket.io: engine.io's attach() wraps the existing "request"
// listeners and only handles requests whose path starts with /engine.io/.
const eio = new EngineServer({
  pingInterval,
  pingTimeout,
  maxHttpBufferSize: 1e6,
  cors: { origin: true, credentials: true },
});
// destroyUpgrade false: the /socket.io/ engine answers its own upgrades.
eio.attach(httpServer, { path: "/engine.io/", destroyUpgrade: false });
eio.on("connection", (socket) => {
  socket.on("message", (data) => socket.send(data));
});

// ---------------------------------------------------------------- lifecycle
let closing = false;
function shutdown(why) {
  if (closing) return;
  closing = true;
  log(`shutting down (${why})`);
  // Never hang: exit even if some handle refuses to close.
  setTimeout(() => process.exit(0), 1000).unref();
  eio.close();
  io.close(() => process.exit(0)); // also closes httpServer
}

process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));

// Watch stdin only when it is a pipe/socket: a parent process (the Go test)
// holds the other end, and EOF means the parent is gone. A terminal or
// /dev/null stdin is ignored (otherwise `node testee.mjs < /dev/null` would
// exit at once).
try {
  const st = fs.fstatSync(0);
  if (st.isFIFO() || st.isSocket()) {
    process.stdin.on("end", () => shutdown("stdin closed"));
    process.stdin.on("error", () => shutdown("stdin error"));
    process.stdin.resume();
  }
} catch {
  // no stdin at all: rely on signals
}

httpServer.on("error", (err) => {
  log("http server error:", err.message);
  process.exit(1);
});

httpServer.listen(port, "127.0.0.1", () => {
  const { port: actual } = httpServer.address();
  process.stdout.write(JSON.stringify({ port: actual }) + "\n");
  log(
    `listening on 127.0.0.1:${actual} pingInterval=${pingInterval} pingTimeout=${pingTimeout}` +
      ` recovery=${flags.recovery} authToken=${flags["auth-token"] !== undefined}`,
  );
});
