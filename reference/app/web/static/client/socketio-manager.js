// socketio-manager.js — the Manager owns the Engine.IO connection and
// brings it back when it breaks, for all the sockets (namespaces) on it.
//
// Reconnection, as in socket.io-client 4.8:
//
//   connection lost ("transport close", "ping timeout", …)
//     → "close" (reason), then wait backoff.duration()
//     → "reconnect_attempt" (n = 1, 2, …) and open a new connection
//         fails:    "reconnect_error" (err), wait longer, try again
//         succeeds: "reconnect" (n), the backoff starts over, and every
//                   socket sends its CONNECT again
//     → after reconnectionAttempts failures: "reconnect_failed", stop.
//
// A connection the client closes on purpose (socket.disconnect()) or a
// server-side DISCONNECT is not "lost": no reconnection follows.

import { Emitter, listen } from "./emitter.js";
import { EngineSocket } from "./engineio-socket.js";
import { decode, encode } from "./socketio-parser.js";
import { managerBackoff } from "./backoff.js";
import { Socket } from "./socketio-socket.js";

export class Manager extends Emitter {
  // opts: everything EngineSocket takes (path, transports, upgrade), plus
  // reconnection (true), reconnectionAttempts (Infinity),
  // reconnectionDelay (1000), reconnectionDelayMax (5000),
  // randomizationFactor (0.5), timeout (20000 ms for one connection
  // attempt; false: none) and autoConnect (true).
  constructor(uri, opts = {}) {
    super();
    this.uri = uri;
    this.opts = opts;
    this.reconnection = opts.reconnection !== false;
    this.reconnectionAttempts = opts.reconnectionAttempts || Infinity;
    this.timeout = opts.timeout ?? 20000;
    this.autoConnect = opts.autoConnect !== false;
    this.backoff = managerBackoff(opts);
    this.readyState = "closed"; // "opening", "open", "closed"
    this.reconnecting = false;
    this.skipReconnect = !this.reconnection;
    this.engine = null;
    if (this.autoConnect) this.open();
  }

  #sockets = new Map(); // namespace → Socket
  #subs = []; // undo functions: listeners and timers of the current attempt

  // socket returns the Socket of a namespace, creating it the first time.
  socket(nsp = "/", opts = {}) {
    let socket = this.#sockets.get(nsp);
    if (!socket) {
      socket = new Socket(this, nsp, opts);
      this.#sockets.set(nsp, socket);
    }
    if (this.autoConnect && !socket.active) socket.connect();
    return socket;
  }

  // open starts a connection unless one is open or opening. fn, if given,
  // is called with the outcome (an error or nothing) instead of starting
  // the reconnection logic: that is how #reconnect chains its attempts.
  open(fn) {
    if (this.readyState === "opening" || this.readyState === "open") return this;
    const engine = new EngineSocket(this.uri, this.opts);
    this.engine = engine;
    this.readyState = "opening";
    this.skipReconnect = false;

    const failed = (err) => {
      this.#cleanup();
      this.readyState = "closed";
      this.emitLocal("error", err);
      if (fn) fn(err);
      else this.#maybeReconnectOnOpen();
    };
    const offOpen = listen(engine, "open", () => {
      this.#onOpen();
      fn?.();
    });
    this.#subs.push(offOpen, listen(engine, "error", failed));
    if (this.timeout !== false) {
      // A handshake that hangs (a black-holed network) must fail too.
      const timer = setTimeout(() => {
        offOpen();
        failed(new Error("timeout"));
        engine.close();
      }, this.timeout);
      this.#subs.push(() => clearTimeout(timer));
    }
    engine.open();
    return this;
  }

  // packet sends a Socket.IO packet (the sockets call it).
  packet(packet) {
    this.engine?.send(encode(packet));
  }

  // destroy is called by a socket that stops; the connection closes once
  // no socket wants it.
  destroy() {
    for (const socket of this.#sockets.values()) if (socket.active) return;
    this.close();
  }

  // close ends the connection on purpose: no reconnection follows.
  close() {
    this.skipReconnect = true;
    this.reconnecting = false;
    this.#onClose("forced close");
  }

  // ------------------------------------------------------------ internals

  #onOpen() {
    this.#cleanup();
    this.readyState = "open";
    this.emitLocal("open");
    const engine = this.engine;
    this.#subs.push(
      listen(engine, "ping", () => this.emitLocal("ping")),
      listen(engine, "message", (data) => this.#onData(data)),
      listen(engine, "error", (err) => this.emitLocal("error", err)),
      listen(engine, "close", (reason, err) => this.#onClose(reason, err)),
    );
  }

  #onData(data) {
    let packet;
    try {
      packet = decode(data);
    } catch (err) {
      // A packet we cannot read means we no longer know where we are in
      // the conversation: start a fresh connection.
      return this.#onClose("parse error", err);
    }
    this.emitLocal("packet", packet);
  }

  #cleanup() {
    const subs = this.#subs;
    this.#subs = [];
    subs.forEach((undo) => undo());
  }

  #onClose(reason, err) {
    this.#cleanup();
    this.engine?.close(); // no-op if the engine closed by itself
    this.backoff.reset();
    this.readyState = "closed";
    this.emitLocal("close", reason, err);
    if (this.reconnection && !this.skipReconnect) this.#reconnect();
  }

  // The very first connection failed: start reconnecting, unless that is
  // already going on.
  #maybeReconnectOnOpen() {
    if (!this.reconnecting && this.reconnection && this.backoff.attempts === 0) this.#reconnect();
  }

  #reconnect() {
    if (this.reconnecting || this.skipReconnect) return;
    if (this.backoff.attempts >= this.reconnectionAttempts) {
      this.backoff.reset();
      this.reconnecting = false;
      return this.emitLocal("reconnect_failed");
    }
    const delay = this.backoff.duration();
    this.reconnecting = true;
    const timer = setTimeout(() => {
      if (this.skipReconnect) return;
      this.emitLocal("reconnect_attempt", this.backoff.attempts);
      if (this.skipReconnect) return; // a listener may have closed us
      this.open((err) => {
        if (err) {
          this.reconnecting = false;
          this.#reconnect();
          this.emitLocal("reconnect_error", err);
        } else {
          this.#onReconnect();
        }
      });
    }, delay);
    this.#subs.push(() => clearTimeout(timer));
  }

  #onReconnect() {
    const attempts = this.backoff.attempts;
    this.reconnecting = false;
    this.backoff.reset();
    this.emitLocal("reconnect", attempts);
  }
}
