// index.js — the entry point of socketlab's own Socket.IO client for the
// browser: Engine.IO v4 + Socket.IO v5, text packets only, in plain ES
// modules with no dependency. It speaks the same protocol as the official
// socket.io-client 4.8 and reconnects with the same backoff.
//
//   import { io } from "/static/client/index.js";
//   const socket = io(location.origin, { auth: { token } });
//   socket.on("connect", () => console.log("connected as", socket.id));
//   socket.on("video:progress", ({ videoId, progress, stage }) => …);
//   socket.emit("video:subscribe", videoId, (answer) => …);
//
// The layers, bottom up:
//   engineio-parser.js     packets and polling payloads ("\x1e")
//   engineio-polling.js    HTTP long-polling transport
//   engineio-websocket.js  WebSocket transport
//   engineio-socket.js     handshake, heartbeat, upgrade, write buffer
//   socketio-parser.js     Socket.IO packets inside Engine.IO messages
//   socketio-manager.js    one connection, reconnection with backoff.js
//   socketio-socket.js     one namespace: connect, events, acks

import { Manager } from "./socketio-manager.js";

export { Manager } from "./socketio-manager.js";
export { Socket } from "./socketio-socket.js";
export { EngineSocket } from "./engineio-socket.js";
export { Backoff, managerBackoff } from "./backoff.js";
export * as engineioParser from "./engineio-parser.js";
export * as socketioParser from "./socketio-parser.js";

// io connects to the namespace named by url's path ("/" for a bare
// origin) with a Manager of its own. opts go to the Manager, except auth,
// the CONNECT payload of the socket.
export function io(url = location.origin, opts = {}) {
  const target = new URL(url, location.href);
  const manager = new Manager(target.origin, opts);
  return manager.socket(target.pathname || "/", { auth: opts.auth });
}
