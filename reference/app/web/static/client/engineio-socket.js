// engineio-socket.js — one Engine.IO v4 session: the handshake, the
// heartbeat, the upgrade from polling to WebSocket, and a write buffer.
//
// Events: "open", "message" (data), "ping", "upgrade" (transport name),
// "upgradeError" (err), "error" (err), "close" (reason, err).
// Close reasons: "forced close" (we called close()), "transport close"
// (the server or the network ended it), "transport error", "ping timeout".

import { Emitter, listen } from "./emitter.js";
import { Polling } from "./engineio-polling.js";
import { WebSocketTransport } from "./engineio-websocket.js";
import { encodePacket } from "./engineio-parser.js";

const TRANSPORTS = { polling: Polling, websocket: WebSocketTransport };

export class EngineSocket extends Emitter {
  // opts: path ("/socket.io/"), transports (["polling", "websocket"]: the
  // first one opens the session), upgrade (true), query (extra parameters).
  constructor(uri, opts = {}) {
    super();
    this.opts = {
      path: "/socket.io/",
      transports: ["polling", "websocket"],
      upgrade: true,
      query: {},
      ...opts,
    };
    this.url = new URL(this.opts.path, uri).href;
    this.readyState = "closed"; // "opening", "open", "closing", "closed"
    this.id = null; // the session id (sid) of the handshake
    this.transport = null;
    this.writeBuffer = []; // packets not yet handed to a transport
    this.#sent = 0; // how many of them the transport is sending now
  }

  #sent;
  #upgrading = false; // between "3probe" and the switch: hold writes
  #detach = () => {}; // removes our listeners from the current transport
  #pingTimer = null;
  #pingDeadline = 0;

  open() {
    this.readyState = "opening";
    this.#use(this.#createTransport(this.opts.transports[0]));
    this.transport.open();
    return this;
  }

  // send queues a message (a Socket.IO packet, as text).
  send(data) {
    this.#sendPacket("message", data);
    return this;
  }

  // close ends the session once the write buffer is flushed, so that a
  // last packet (a Socket.IO DISCONNECT, say) still reaches the server.
  close() {
    if (this.readyState !== "opening" && this.readyState !== "open") return this;
    this.readyState = "closing";
    const closeNow = () => this.#onClose("forced close");
    const afterUpgrade = () => {
      // An upgrade in progress ends one way or the other; close after it.
      if (!this.#upgrading) return closeNow();
      this.once("upgrade", closeNow);
      this.once("upgradeError", closeNow);
    };
    if (this.writeBuffer.length > 0) this.once("drain", afterUpgrade);
    else afterUpgrade();
    return this;
  }

  // ----------------------------------------------------------- transports

  #createTransport(name) {
    const Kind = TRANSPORTS[name];
    if (!Kind) throw new Error(`engine.io: unknown transport "${name}"`);
    const query = { ...this.opts.query, EIO: "4", transport: name };
    if (this.id) query.sid = this.id; // probes join the existing session
    return new Kind({ url: this.url, query });
  }

  // #use makes t the transport of the session. The previous one, if any,
  // is left alone: after an upgrade it is a paused polling transport with
  // nothing in flight, and closing it would send a close packet that ends
  // the whole session.
  #use(t) {
    this.#detach();
    this.transport = t;
    const subs = [
      listen(t, "packet", (p) => this.#onPacket(p)),
      listen(t, "drain", () => this.#onDrain()),
      listen(t, "error", (err) => this.#onError(err)),
      listen(t, "close", (reason) => this.#onClose(reason)),
    ];
    this.#detach = () => subs.forEach((off) => off());
  }

  // -------------------------------------------------------------- reading

  #onPacket(packet) {
    if (this.readyState === "closed") return;
    switch (packet.type) {
      case "open":
        return this.#onHandshake(packet.data);
      case "ping":
        // Any ping proves the server alive: push the deadline back, answer.
        this.#resetPingTimer();
        this.#sendPacket("pong");
        return this.emitLocal("ping");
      case "message":
        return this.emitLocal("message", packet.data);
      // "noop" only releases a poll during an upgrade; "close" was handled
      // by the transport. Nothing else is meant for a client.
    }
  }

  #onHandshake(json) {
    let hs;
    try {
      hs = JSON.parse(json);
    } catch (err) {
      return this.#onError(new Error("engine.io: invalid handshake", { cause: err }));
    }
    this.id = hs.sid;
    this.transport.query.sid = hs.sid; // every later request names the session
    this.upgrades = (hs.upgrades ?? []).filter((name) => this.opts.transports.includes(name));
    this.pingInterval = hs.pingInterval;
    this.pingTimeout = hs.pingTimeout;
    this.maxPayload = hs.maxPayload;
    this.readyState = "open";
    this.emitLocal("open");
    if (this.readyState !== "open") return; // a listener closed us
    this.#resetPingTimer();
    this.#flush();
    if (this.opts.upgrade && this.transport.name === "polling") {
      for (const name of this.upgrades) this.#probe(name);
    }
  }

  // ------------------------------------------------------------ heartbeat

  // The server pings every pingInterval and expects a pong within
  // pingTimeout. If no ping comes within their sum, the server (or the
  // network) is gone even though no error was reported: close, and let
  // the Manager reconnect.
  #resetPingTimer() {
    clearTimeout(this.#pingTimer);
    const wait = this.pingInterval + this.pingTimeout;
    this.#pingDeadline = Date.now() + wait;
    this.#pingTimer = setTimeout(() => this.#onClose("ping timeout"), wait);
  }

  // Timers of a background tab or a sleeping laptop can fire late. Before
  // writing, the clock tells whether the deadline has silently passed.
  #pingExpired() {
    return this.#pingDeadline !== 0 && Date.now() > this.#pingDeadline;
  }

  // -------------------------------------------------------------- writing

  #sendPacket(type, data) {
    if (this.readyState === "closing" || this.readyState === "closed") return;
    this.writeBuffer.push({ type, data });
    this.#flush();
  }

  #flush() {
    if (this.readyState === "closed" || this.#upgrading) return;
    if (!this.transport.writable || this.writeBuffer.length === 0) return;
    if (this.#pingExpired()) {
      setTimeout(() => this.#onClose("ping timeout"));
      return;
    }
    const batch = this.#nextBatch();
    this.#sent = batch.length;
    this.transport.send(batch);
  }

  // A polling POST must stay within the server's maxPayload (bytes): take
  // packets while they fit, always at least one. WebSocket sends one
  // frame per packet, so it takes them all.
  #nextBatch() {
    if (this.transport.name !== "polling" || !this.maxPayload) return this.writeBuffer.slice();
    const encoder = new TextEncoder();
    let size = 0;
    for (let i = 0; i < this.writeBuffer.length; i++) {
      size += encoder.encode(encodePacket(this.writeBuffer[i])).length + (i > 0 ? 1 : 0);
      if (i > 0 && size > this.maxPayload) return this.writeBuffer.slice(0, i);
    }
    return this.writeBuffer.slice();
  }

  #onDrain() {
    this.writeBuffer.splice(0, this.#sent);
    this.#sent = 0;
    if (this.writeBuffer.length === 0) this.emitLocal("drain");
    else this.#flush();
  }

  // -------------------------------------------------------------- upgrade

  // #probe tries a WebSocket next to the working polling transport:
  //   1. open it with our sid and send "2probe";
  //   2. wait for "3probe";
  //   3. pause polling until no request is in flight;
  //   4. send "5" (upgrade) and make the WebSocket our transport.
  // Any failure before step 4 leaves us on polling: that fallback is the
  // reason Engine.IO starts with polling at all (proxies and firewalls
  // that break WebSockets still let plain HTTP through).
  #probe(name) {
    const probe = this.#createTransport(name);
    let done = false;
    const subs = [];
    const finish = () => {
      done = true;
      subs.forEach((off) => off());
    };
    let answered = false;
    const fail = (err) => {
      if (done) return;
      finish();
      probe.close();
      if (this.#upgrading) {
        // The pause had begun: polling must go on, and the writes it held
        // may leave now.
        this.#upgrading = false;
        this.transport.resume?.();
        this.#flush();
      }
      this.emitLocal("upgradeError", err);
    };
    const onProbeAnswer = (packet) => {
      if (done || answered) return; // only the first packet answers the probe
      answered = true;
      if (packet.type !== "pong" || packet.data !== "probe") {
        return fail(new Error("engine.io: unexpected answer to the upgrade probe"));
      }
      this.#upgrading = true;
      this.transport.pause(() => {
        if (done || this.readyState === "closed") return;
        finish();
        this.#use(probe);
        probe.send([{ type: "upgrade" }]);
        this.#upgrading = false;
        this.emitLocal("upgrade", name);
        this.#flush();
      });
    };
    subs.push(
      listen(probe, "open", () => probe.send([{ type: "ping", data: "probe" }])),
      listen(probe, "packet", onProbeAnswer),
      listen(probe, "error", fail),
      listen(probe, "close", () => fail(new Error("engine.io: the probe closed"))),
      listen(this, "close", () => fail(new Error("engine.io: the session closed"))),
    );
    probe.open();
  }

  // ------------------------------------------------------------ the end

  #onError(err) {
    this.emitLocal("error", err);
    this.#onClose("transport error", err);
  }

  #onClose(reason, err) {
    if (this.readyState === "closed") return;
    clearTimeout(this.#pingTimer);
    this.#pingDeadline = 0;
    this.#detach();
    this.transport.close();
    this.readyState = "closed";
    this.id = null;
    this.writeBuffer = [];
    this.#sent = 0;
    this.emitLocal("close", reason, err);
  }
}
