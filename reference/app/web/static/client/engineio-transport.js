// engineio-transport.js — what every transport (polling, WebSocket) shares.
//
// A transport moves Engine.IO packets over one kind of connection. The
// Engine.IO socket above it only ever sees these events:
//
//   "open"             the connection works and can be written to
//   "packet" (packet)  one decoded packet arrived
//   "drain"            what send() handed over has left: send more
//   "error"  (err)     the connection failed
//   "close"  (reason)  the peer ended it ("transport close")
//
// and calls open(), send(packets) and close(). close() never emits
// "close": whoever calls it already knows.

import { Emitter } from "./emitter.js";

export class Transport extends Emitter {
  // url: the Engine.IO endpoint, e.g. http://127.0.0.1:8080/socket.io/
  // query: EIO=4, transport=<name> and, once known, sid=<session id>.
  constructor({ url, query }) {
    super();
    this.url = url;
    this.query = query;
    this.readyState = "closed"; // "opening", "open", "closed"
    this.writable = false; // true when send() may be called
  }

  // uri is the request URL: the endpoint plus the query string, with the
  // ws: or wss: scheme for WebSocket.
  uri(webSocket = false) {
    const u = new URL(this.url);
    for (const [key, value] of Object.entries(this.query)) {
      u.searchParams.set(key, value);
    }
    if (webSocket) u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    return u.href;
  }

  // The helpers below are for the subclasses.

  onOpen() {
    this.readyState = "open";
    this.writable = true;
    this.emitLocal("open");
  }

  onPacket(packet) {
    this.emitLocal("packet", packet);
  }

  onError(message, cause) {
    if (this.readyState === "closed") return; // we closed it: not news
    const err = new Error(message, { cause });
    err.type = "TransportError";
    this.emitLocal("error", err);
  }

  onClose(reason) {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    this.writable = false;
    this.emitLocal("close", reason);
  }
}
