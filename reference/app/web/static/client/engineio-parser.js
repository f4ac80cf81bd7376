// engineio-parser.js — Engine.IO v4 packets as text.
//
// A packet is one digit, its type, followed by its data:
//
//   0{"sid":"…","upgrades":["websocket"],"pingInterval":25000,…}   open
//   1   close        2   ping         3   pong
//   4…  message (here: a Socket.IO packet, e.g. 42["hello",1])
//   5   upgrade      6   noop (releases a pending poll during an upgrade)
//
// A long-polling body holds several packets separated by the ASCII
// record separator 0x1e ("\x1e"): a character that JSON text never
// contains unescaped, so it cannot appear inside a packet.
//
// Binary messages travel as "b" + base64 in polling bodies and as binary
// frames on WebSocket. This client sends text only, but still decodes
// binary correctly so that the layer above can refuse it cleanly.

export const SEPARATOR = "\x1e";

// The index of a name is its digit on the wire.
const TYPES = ["open", "close", "ping", "pong", "message", "upgrade", "noop"];

// encodePacket turns {type, data} into its text form, e.g. "3probe".
export function encodePacket({ type, data = "" }) {
  const digit = TYPES.indexOf(type);
  if (digit < 0) throw new Error(`engine.io: unknown packet type "${type}"`);
  if (typeof data !== "string") throw new Error("engine.io: this client sends text packets only");
  return digit + data;
}

// decodePacket turns one text packet (or the bytes of a binary WebSocket
// frame) into {type, data}. It throws on anything that is not a packet.
export function decodePacket(raw) {
  if (typeof raw !== "string") {
    return { type: "message", data: raw }; // a binary frame is always a message
  }
  if (raw.startsWith("b")) {
    return { type: "message", data: base64ToBytes(raw.slice(1)) };
  }
  const type = TYPES[raw.charCodeAt(0) - 48]; // "0" is char code 48
  if (type === undefined) {
    throw new Error(`engine.io: invalid packet ${JSON.stringify(raw.slice(0, 20))}`);
  }
  return { type, data: raw.slice(1) };
}

// encodePayload joins packets for one polling request body.
export function encodePayload(packets) {
  return packets.map(encodePacket).join(SEPARATOR);
}

// decodePayload splits a polling response body into packets.
export function decodePayload(body) {
  return body.split(SEPARATOR).map(decodePacket);
}

function base64ToBytes(b64) {
  const text = atob(b64); // throws on invalid base64, which is what we want
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
