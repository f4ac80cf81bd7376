// socketio-socket.js — one Socket.IO socket: our membership of one
// namespace ("/" here) over the Manager's connection.
//
//   socket.on("video:progress", (p) => …)        events from the server
//   socket.emit("video:subscribe", id, (res) => …)   event with an ack
//   socket.on("connect" | "connect_error" | "disconnect", …)
//
// Connecting means sending a CONNECT packet with the auth payload and
// getting back either CONNECT {sid} or CONNECT_ERROR {message, data}:
//
//   → 40{"token":"eyJ…"}          ← 40{"sid":"pe7w…","pid":"k2Q…"}
//   → 40{"token":"expired"}       ← 44{"message":"Invalid token"}
//
// After a lost connection the Manager reconnects, and the socket sends its
// CONNECT again by itself. If the server offers connection state recovery
// (a "pid" in its answer), that CONNECT also carries the pid and the
// offset of the last event received, so the server can replay what was
// missed and keep our rooms.

import { Emitter, listen } from "./emitter.js";
import { PacketType, RESERVED_EVENTS } from "./socketio-parser.js";

// The listeners of onAny live in the emitter under a name no event can have.
const ANY = Symbol("any event");

export class Socket extends Emitter {
  constructor(manager, nsp, { auth } = {}) {
    super();
    this.io = manager; // the Manager, as in socket.io-client
    this.nsp = nsp;
    this.auth = auth ?? {}; // may be replaced before connect() (new token)
    this.connected = false;
    this.id = undefined; // the socket id the server gave
    this.recovered = false; // true when the server restored our session
  }

  #subs = null; // our listeners on the Manager, while we want a connection
  #nextAckId = 0;
  #acks = new Map(); // ack id → callback
  #sendBuffer = []; // emits made while disconnected
  #receiveBuffer = []; // events received before the CONNECT answer
  #pid; // recovery: private session id from the server
  #lastOffset; // recovery: offset of the last event received

  // active: the socket wants to be connected (it reconnects by itself).
  get active() {
    return this.#subs !== null;
  }

  connect() {
    if (this.connected) return this;
    this.#subscribe();
    if (!this.io.reconnecting) this.io.open(); // no-op if already opening
    if (this.io.readyState === "open") this.#sendConnect();
    return this;
  }

  // emit sends an event. A function as last argument asks the server for
  // an acknowledgement and is called with the server's answer.
  emit(event, ...args) {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    const packet = { type: PacketType.EVENT };
    if (typeof args.at(-1) === "function") {
      packet.id = this.#nextAckId++;
      this.#acks.set(packet.id, args.pop());
    }
    packet.data = [event, ...args];
    // While disconnected, keep the event and send it once connected, as
    // socket.io-client does: the caller need not watch the connection.
    if (this.connected) this.#packet(packet);
    else this.#sendBuffer.push(packet);
    return this;
  }

  // onAny registers fn(event, ...args) for every event from the server.
  onAny(fn) {
    return this.on(ANY, fn);
  }

  disconnect() {
    const wasConnected = this.connected;
    if (wasConnected) this.#packet({ type: PacketType.DISCONNECT });
    this.#destroy();
    if (wasConnected) this.#onClose("io client disconnect");
    return this;
  }

  // ----------------------------------------------------------- internals

  #subscribe() {
    if (this.#subs) return;
    const io = this.io;
    this.#subs = [
      listen(io, "open", () => this.#sendConnect()),
      listen(io, "packet", (p) => this.#onPacket(p)),
      listen(io, "error", (err) => this.#onError(err)),
      listen(io, "close", (reason, err) => this.#onClose(reason, err)),
    ];
  }

  // #destroy stops listening to the Manager (no more reconnection for this
  // socket) and lets the Manager close the connection if nobody else
  // uses it.
  #destroy() {
    this.#subs?.forEach((off) => off());
    this.#subs = null;
    this.io.destroy(this);
  }

  #sendConnect() {
    const data = this.#pid ? { pid: this.#pid, offset: this.#lastOffset, ...this.auth } : this.auth;
    this.#packet({ type: PacketType.CONNECT, data });
  }

  #packet(packet) {
    packet.nsp = this.nsp;
    this.io.packet(packet);
  }

  #onPacket(packet) {
    if (packet.nsp !== this.nsp) return;
    switch (packet.type) {
      case PacketType.CONNECT:
        if (typeof packet.data.sid !== "string") {
          return this.emitLocal("connect_error", new Error("CONNECT answer without a sid"));
        }
        return this.#onConnect(packet.data.sid, packet.data.pid);
      case PacketType.EVENT:
        return this.#onEvent(packet);
      case PacketType.ACK:
        return this.#onAck(packet);
      case PacketType.DISCONNECT:
        // The server threw us out: do not reconnect on our own.
        this.#destroy();
        return this.#onClose("io server disconnect");
      case PacketType.CONNECT_ERROR: {
        this.#destroy();
        const { message, data } = typeof packet.data === "string" ? { message: packet.data } : packet.data;
        const err = new Error(message);
        err.data = data;
        return this.emitLocal("connect_error", err);
      }
    }
  }

  #onConnect(id, pid) {
    this.id = id;
    this.recovered = Boolean(pid) && pid === this.#pid;
    this.#pid = pid;
    this.connected = true;
    // Replayed events (recovery) arrive before the CONNECT answer: hand
    // them over first, then whatever was emitted while disconnected.
    for (const args of this.#receiveBuffer) this.#emitEvent(args);
    this.#receiveBuffer = [];
    for (const packet of this.#sendBuffer) this.#packet(packet);
    this.#sendBuffer = [];
    this.emitLocal("connect");
  }

  #onEvent(packet) {
    const args = [...packet.data];
    if (packet.id !== undefined) args.push(this.#ackCallback(packet.id));
    if (this.connected) this.#emitEvent(args);
    else this.#receiveBuffer.push(args);
  }

  #emitEvent(args) {
    // With recovery on, the server appends an offset string to each event:
    // remember the last one, to ask for what follows it after a cut.
    if (this.#pid && typeof args.at(-1) === "string") this.#lastOffset = args.at(-1);
    this.emitLocal(ANY, ...args);
    this.emitLocal(...args);
  }

  // #ackCallback is what a handler calls to answer the server's ack
  // request; a second call sends nothing (an ack answers once).
  #ackCallback(id) {
    let sent = false;
    return (...args) => {
      if (sent) return;
      sent = true;
      this.#packet({ type: PacketType.ACK, id, data: args });
    };
  }

  #onAck(packet) {
    const fn = this.#acks.get(packet.id);
    if (!fn) return; // unknown or already answered: ignore, as the official client does
    this.#acks.delete(packet.id);
    fn(...packet.data);
  }

  #onError(err) {
    if (!this.connected) this.emitLocal("connect_error", err);
  }

  #onClose(reason, err) {
    this.connected = false;
    this.id = undefined;
    this.emitLocal("disconnect", reason, err);
  }
}
