// socketio-parser.js — Socket.IO v5 packets, carried as the data of
// Engine.IO "message" packets (which is why they show up on the wire with
// a leading 4: 42[…] is Engine.IO message + Socket.IO EVENT).
//
//   <type>[<namespace>,][<ack id>][<JSON payload>]
//
//   0 CONNECT        0{"token":"…"}          ← 0{"sid":"…"}
//   1 DISCONNECT     1
//   2 EVENT          2["video:progress",{…}]   21["hello",1]  (asks for ack 1)
//   3 ACK            31[{"ok":true}]            (answers ack 1)
//   4 CONNECT_ERROR  4{"message":"Invalid token"}
//   5, 6             binary EVENT and ACK: not supported by this client
//
// The namespace "/" is left out; any other comes first, ended by a comma:
// 0/admin,{"token":"…"}.
//
// decode is strict: a packet that is not exactly of this form, or whose
// payload has the wrong shape for its type, throws a ParseError, and the
// Manager then closes the connection ("parse error"), as the official
// client does. Guessing at a broken packet only hides bugs.

export const PacketType = Object.freeze({
  CONNECT: 0,
  DISCONNECT: 1,
  EVENT: 2,
  ACK: 3,
  CONNECT_ERROR: 4,
  BINARY_EVENT: 5,
  BINARY_ACK: 6,
});

// Event names the protocol keeps for itself: a server may not send them,
// and Socket.emit refuses them.
export const RESERVED_EVENTS = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

export class ParseError extends Error {
  name = "ParseError";
}

// encode writes {type, nsp, id, data} as text.
export function encode({ type, nsp = "/", id, data }) {
  let text = String(type);
  if (nsp !== "/") text += nsp + ",";
  if (id !== undefined) text += id;
  if (data !== undefined) text += JSON.stringify(data);
  return text;
}

// decode reads one packet; it throws ParseError on anything invalid.
export function decode(text) {
  if (typeof text !== "string") {
    throw new ParseError("binary messages are not supported by this client");
  }
  if (!/^[0-6]$/.test(text[0] ?? "")) throw new ParseError("unknown packet type");
  const type = Number(text[0]);
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    throw new ParseError("binary packets are not supported by this client");
  }
  let rest = text.slice(1);

  let nsp = "/";
  if (rest.startsWith("/")) {
    const comma = rest.indexOf(",");
    nsp = comma < 0 ? rest : rest.slice(0, comma);
    rest = comma < 0 ? "" : rest.slice(comma + 1);
  }

  let id;
  const digits = /^\d+/.exec(rest);
  if (digits) {
    id = Number(digits[0]);
    if (!Number.isSafeInteger(id)) throw new ParseError("ack id out of range");
    if (type !== PacketType.EVENT && type !== PacketType.ACK) {
      throw new ParseError("only EVENT and ACK packets carry an ack id");
    }
    rest = rest.slice(digits[0].length);
  }

  let data;
  if (rest !== "") {
    try {
      data = JSON.parse(rest);
    } catch {
      throw new ParseError("payload is not JSON");
    }
  }
  if (!validPayload(type, data, id)) throw new ParseError("payload of the wrong shape");
  return { type, nsp, id, data };
}

function validPayload(type, data, id) {
  switch (type) {
    case PacketType.CONNECT:
      return isObject(data); // the server's answer: {"sid": …}
    case PacketType.DISCONNECT:
      return data === undefined;
    case PacketType.CONNECT_ERROR:
      return typeof data === "string" || isObject(data);
    case PacketType.EVENT:
      return (
        Array.isArray(data) &&
        typeof data[0] === "string" && // also false for an empty array
        !RESERVED_EVENTS.has(data[0])
      );
    case PacketType.ACK:
      return id !== undefined && Array.isArray(data);
  }
  return false;
}

function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
