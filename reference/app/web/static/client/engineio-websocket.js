// engineio-websocket.js — the WebSocket transport: one packet per frame,
// no separator, no batching. A text frame is "<digit><data>", a binary
// frame is a binary message with no type digit.
//
//   → GET ws://…/socket.io/?EIO=4&transport=websocket&sid=abc   (upgrade)
//   → 2probe   ← 3probe   → 5   then ordinary packets both ways

import { Transport } from "./engineio-transport.js";
import { decodePacket, encodePacket } from "./engineio-parser.js";

export class WebSocketTransport extends Transport {
  name = "websocket";
  #ws = null;

  open() {
    this.readyState = "opening";
    const ws = new WebSocket(this.uri(true));
    ws.binaryType = "arraybuffer";
    ws.onopen = () => this.onOpen();
    ws.onmessage = (ev) => this.#onMessage(ev.data);
    // Browsers tell scripts nothing about why a WebSocket failed (a
    // privacy rule), so there is no detail to pass on.
    ws.onerror = () => this.onError("websocket error");
    ws.onclose = () => this.onClose("transport close");
    this.#ws = ws;
  }

  // send writes one frame per packet. WebSocket.send only queues, so the
  // transport is writable again at once; "drain" still comes on a later
  // task so that the caller never re-enters its own flush.
  send(packets) {
    this.writable = false;
    for (const packet of packets) this.#ws.send(encodePacket(packet));
    setTimeout(() => {
      if (this.readyState !== "open") return;
      this.writable = true;
      this.emitLocal("drain");
    });
  }

  close() {
    this.readyState = "closed";
    this.writable = false;
    this.#ws?.close();
  }

  #onMessage(data) {
    let packet;
    try {
      packet = decodePacket(typeof data === "string" ? data : new Uint8Array(data));
    } catch (err) {
      this.onError("invalid websocket frame", err);
      return;
    }
    if (packet.type === "close") return this.onClose("transport close");
    this.onPacket(packet);
  }
}
