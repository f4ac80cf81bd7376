// engineio-polling.js — the HTTP long-polling transport.
//
// Reading: one GET is always in flight; the server answers it when it has
// packets to send (or a ping is due), and we start the next GET at once.
// The very first GET, without a sid, is the handshake: its answer is the
// "open" packet.
//
// Writing: one POST at a time, carrying every queued packet joined by
// "\x1e". The next batch waits for the answer ("drain"): the server
// refuses two concurrent POSTs on one session.
//
//   → GET  /socket.io/?EIO=4&transport=polling             ← 0{"sid":"abc",…}
//   → POST /socket.io/?EIO=4&transport=polling&sid=abc  40{"token":"…"}   ← ok
//   → GET  /socket.io/?EIO=4&transport=polling&sid=abc     ← 40{"sid":"…"}

import { Transport } from "./engineio-transport.js";
import { decodePayload, encodePacket, encodePayload } from "./engineio-parser.js";

export class Polling extends Transport {
  name = "polling";
  #polling = false; // a GET is in flight
  #abort = new AbortController(); // cancels the requests in flight on close()

  open() {
    this.readyState = "opening";
    this.#poll();
  }

  // send POSTs packets as one payload; "drain" follows the server's answer.
  send(packets) {
    this.writable = false;
    this.#post(encodePayload(packets), this.#abort.signal)
      .then(() => {
        if (this.readyState === "closed") return;
        this.writable = true;
        this.emitLocal("drain");
      })
      .catch((err) => this.onError("polling POST failed", err));
  }

  // pause stops the GET loop and waits until nothing is in flight: the
  // upgrade to WebSocket must not lose or reorder a packet. The server
  // helps by answering the pending GET with a noop once the probe passed.
  pause(onPause) {
    this.readyState = "pausing";
    const waitFor = [];
    if (this.#polling) waitFor.push("pollComplete");
    if (!this.writable) waitFor.push("drain");
    let left = waitFor.length;
    const done = () => {
      if (this.readyState !== "pausing") return; // resumed or closed meanwhile
      this.readyState = "paused";
      onPause();
    };
    if (left === 0) return done();
    for (const event of waitFor) this.once(event, () => --left === 0 && done());
  }

  // resume restarts the GET loop after an upgrade that failed halfway.
  resume() {
    if (this.readyState !== "pausing" && this.readyState !== "paused") return;
    this.readyState = "open";
    if (!this.#polling) this.#poll();
  }

  // close tells the server, with a close packet, that the session is over
  // and abandons the requests in flight.
  close() {
    if (this.readyState === "open") {
      // keepalive: the request survives even if the page is unloading.
      this.#post(encodePacket({ type: "close" }), undefined, true).catch(() => {});
    }
    this.readyState = "closed";
    this.writable = false;
    this.#abort.abort();
  }

  async #poll() {
    this.#polling = true;
    let body;
    try {
      const res = await fetch(this.uri(), { cache: "no-store", signal: this.#abort.signal });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      body = await res.text();
    } catch (err) {
      this.#polling = false;
      this.onError("polling GET failed", err);
      return;
    }
    this.#polling = false;
    this.#onData(body);
  }

  #onData(body) {
    let packets;
    try {
      packets = decodePayload(body);
    } catch (err) {
      this.onError("invalid polling payload", err);
      return;
    }
    for (const packet of packets) {
      if (this.readyState === "opening" && packet.type === "open") this.onOpen();
      if (packet.type === "close") return this.onClose("transport close");
      this.onPacket(packet);
      if (this.readyState === "closed") return; // a listener closed us
    }
    if (this.readyState === "opening") {
      return this.onError("the handshake answer has no open packet");
    }
    this.emitLocal("pollComplete"); // pause() may be waiting for it
    if (this.readyState === "open") this.#poll();
  }

  async #post(body, signal, keepalive = false) {
    const res = await fetch(this.uri(), {
      method: "POST",
      body,
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      cache: "no-store",
      signal,
      keepalive,
    });
    const text = await res.text(); // "ok"
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${text}`);
  }
}
