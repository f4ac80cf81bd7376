// app.mjs — the socketlab app contract (docs/contract.md) written the way a
// typical Node developer would: the official socket.io 4.8 for real time,
// jsonwebtoken for tokens, busboy for uploads, ffprobe/ffmpeg for
// processing, and node:http for the REST API. It is the second
// implementation the conformance harness judges, next to the Go reference
// (reference/app): where both pass a clause, the clause is implementable
// with ordinary tools; README.md lists where this one deliberately differs.
//
//   node app.mjs --port 0 --secret s3cret --data ./data [--origin https://app.example]...
//                [--max-upload BYTES] [--workers N] [--process-timeout SECONDS]
//                [--recovery on|off] [--ping-interval MS] [--ping-timeout MS]
//
// It listens on 127.0.0.1, prints exactly one line, {"url":"http://127.0.0.1:PORT"},
// on stdout, logs to stderr, and exits on SIGTERM, SIGINT, or EOF on a
// piped stdin (so it never outlives the harness that started it).
//
// Storage is an in-memory Map plus one folder per video under
// <data>/videos/<id>/ (the upload, "video", and its "thumbnail.jpg"): a
// restart forgets the videos, which the harness never needs.

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { spawn } from "node:child_process";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { Server } from "socket.io";
import * as sioParser from "socket.io-parser";
import jwt from "jsonwebtoken";
import busboy from "busboy";

const log = (...args) => console.error("app:", ...args);

// =================================================================== config

const MiB = 1024 * 1024;

function usage(problem) {
  console.error(`app: ${problem}
usage: node app.mjs --port 0 --secret S --data DIR [--origin O]... [--max-upload BYTES]
                    [--workers N] [--process-timeout SECONDS] [--recovery on|off]
                    [--ping-interval MS] [--ping-timeout MS]
(the secret may come from SOCKETLAB_JWT_SECRET instead)`);
  process.exit(2);
}

function positiveInt(name, text, { allowZero = false } = {}) {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || (n === 0 && !allowZero)) {
    usage(`--${name} must be a ${allowZero ? "non-negative" : "positive"} integer, got ${JSON.stringify(text)}`);
  }
  return n;
}

function readConfig(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: "string", default: "0" },
        secret: { type: "string" },
        data: { type: "string", default: "./data" },
        origin: { type: "string", multiple: true, default: [] },
        "max-upload": { type: "string", default: String(100 * MiB) },
        workers: { type: "string", default: "2" },
        "process-timeout": { type: "string", default: "600" },
        recovery: { type: "string", default: "on" },
        // socket.io's connectTimeout in ms: how long a connection may stay
        // without joining a namespace (socket.io's default: 45 s).
        "connect-timeout": { type: "string", default: "45000" },
        // Engine.IO's heartbeat in ms (socket.io's defaults: 25 s and 20 s).
        "ping-interval": { type: "string", default: "25000" },
        "ping-timeout": { type: "string", default: "20000" },
      },
    }));
  } catch (err) {
    usage(err.message);
  }
  const secret = values.secret ?? process.env.SOCKETLAB_JWT_SECRET ?? "";
  if (secret === "") usage("a secret is required: --secret or SOCKETLAB_JWT_SECRET");
  if (!["on", "off"].includes(values.recovery)) usage("--recovery must be on or off");
  return {
    port: positiveInt("port", values.port, { allowZero: true }),
    secret,
    dataDir: path.resolve(values.data),
    origins: values.origin,
    maxUpload: positiveInt("max-upload", values["max-upload"]),
    workers: positiveInt("workers", values.workers),
    processTimeoutMs: positiveInt("process-timeout", values["process-timeout"]) * 1000,
    recovery: values.recovery === "on",
    connectTimeoutMs: positiveInt("connect-timeout", values["connect-timeout"]),
    pingIntervalMs: positiveInt("ping-interval", values["ping-interval"]),
    pingTimeoutMs: positiveInt("ping-timeout", values["ping-timeout"]),
  };
}

// ===================================================================== auth
// Contract §3. A client only ever learns one of two messages; the cause is
// kept for the log. The checks jsonwebtoken leaves open (payload shape, exp
// required, claim types, key-selecting headers) are made here, before and
// after jwt.verify, which itself checks the signature, alg and time claims.

const MSG_AUTH_REQUIRED = "Authentication required";
const MSG_INVALID_TOKEN = "Invalid token";
const MAX_TOKEN_BYTES = 8192; // AUTH-7, judged before any decoding
const LEEWAY_SECONDS = 5; // AUTH-6
const MAX_DATE = 2 ** 53; // beyond this a NumericDate is nonsense
// Headers that name or carry a key, or demand extensions we do not know
// (AUTH-4). The contract allows either answer for such a header on a token
// signed with the shared secret; refusing is simpler and cannot be wrong.
const KEY_HEADERS = ["kid", "jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit"];

const refused = (message, cause) => ({ ok: false, message, cause });
const invalidToken = (cause) => refused(MSG_INVALID_TOKEN, cause);

// decodeSegment decodes canonical unpadded base64url, or returns null: a
// token has exactly one spelling, so '+', '/', '=' and stray trailing bits
// are refused (Buffer.from alone would skip them).
function decodeSegment(segment) {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return null;
  const bytes = Buffer.from(segment, "base64url");
  return bytes.toString("base64url") === segment ? bytes : null;
}

function isPlainObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function parseJSONObject(bytes) {
  if (bytes === null) return null;
  try {
    const value = JSON.parse(bytes.toString("utf8"));
    return isPlainObject(value) ? value : null;
  } catch {
    return null;
  }
}

// checkShape returns why the token's structure is refused, or null.
function checkShape(token) {
  const parts = token.split(".");
  if (parts.length !== 3) return `${parts.length} segments, want 3`;
  const header = parseJSONObject(decodeSegment(parts[0]));
  if (header === null) return "header is not a base64url JSON object";
  // Exactly "HS256": not "none" in any casing, not HS384/HS512 even under
  // our secret, not "hs256" (AUTH-3).
  if (header.alg !== "HS256") return `alg ${JSON.stringify(header.alg)} not allowed`;
  const keyHeader = KEY_HEADERS.find((name) => Object.hasOwn(header, name));
  if (keyHeader) return `header ${keyHeader} not allowed`;
  if (parseJSONObject(decodeSegment(parts[1])) === null) return "payload is not a base64url JSON object";
  if (decodeSegment(parts[2]) === null) return "signature is not base64url";
  return null;
}

const isNumericDate = (v) => typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= MAX_DATE;
const isNonEmptyString = (v) => typeof v === "string" && v !== "";

// checkClaims returns why the payload's claims are refused, or null
// (AUTH-5, and exp required by AUTH-6: jsonwebtoken accepts a token
// without exp and does not look at iat's type).
function checkClaims(p) {
  if (!isNonEmptyString(p.userId)) return "userId missing, empty or not a string";
  if (!isNonEmptyString(p.organizationId)) return "organizationId missing, empty or not a string";
  if (p.role !== "admin" && p.role !== "member") return "role is neither admin nor member";
  if (!isNumericDate(p.exp)) return "exp missing or not a number";
  for (const name of ["nbf", "iat"]) {
    if (Object.hasOwn(p, name) && !isNumericDate(p[name])) return `${name} is not a number`;
  }
  return null;
}

class Verifier {
  constructor(secret) {
    // A KeyObject, so jsonwebtoken never tries to read the secret as a PEM
    // public key: the token never chooses the key (AUTH-4).
    this.key = crypto.createSecretKey(Buffer.from(secret, "utf8"));
  }

  // verify returns {ok: true, claims} or {ok: false, message, cause}.
  verify(token) {
    // `token == null`, not `!token`: false and 0 are invalid, not missing (AUTH-2).
    if (token == null || token === "") return refused(MSG_AUTH_REQUIRED, "no token");
    if (typeof token !== "string") return invalidToken(`token is ${typeof token}, not a string`);
    if (Buffer.byteLength(token, "utf8") > MAX_TOKEN_BYTES) return invalidToken("token too long");
    const shape = checkShape(token);
    if (shape) return invalidToken(shape);
    let payload;
    try {
      payload = jwt.verify(token, this.key, { algorithms: ["HS256"], clockTolerance: LEEWAY_SECONDS });
    } catch (err) {
      return invalidToken(err.message);
    }
    const claimProblem = checkClaims(payload);
    if (claimProblem) return invalidToken(claimProblem);
    const { userId, organizationId, role, exp } = payload;
    return { ok: true, claims: { userId, organizationId, role, exp } };
  }

  // verifyRequest reads "Authorization: Bearer <token>" (AUTH-9): the
  // scheme is case-insensitive; no header, another scheme or empty
  // credentials mean the token is missing. Query strings and cookies are
  // never looked at.
  verifyRequest(req) {
    const values = req.headersDistinct.authorization ?? [];
    if (values.length === 0) return refused(MSG_AUTH_REQUIRED, "no Authorization header");
    // Node keeps only the first of several Authorization headers; refuse
    // the ambiguity instead.
    if (values.length > 1) return invalidToken("several Authorization headers");
    const value = values[0].trim();
    const space = value.indexOf(" ");
    const scheme = space < 0 ? value : value.slice(0, space);
    if (scheme.toLowerCase() !== "bearer") return refused(MSG_AUTH_REQUIRED, `scheme ${scheme}`);
    return this.verify(space < 0 ? "" : value.slice(space + 1).trim());
  }
}

// ==================================================================== store
// Videos live in memory; every state is written before its event is
// emitted (VID-3). Node runs this code on one thread, so a write is
// readable by the very next request.

const STAGE_PROGRESS = { metadata: 10, thumbnail: 40, sensitivity: 70 };
const VIDEO_ID = /^[A-Za-z0-9_-]{1,64}$/; // VID-1; JS's $ never matches before a "\n"

class VideoStore {
  constructor() {
    this.videos = new Map();
    this.sequence = 0; // breaks createdAt ties: latest upload first
  }

  create({ id, title, organizationId, uploadedBy }) {
    const video = {
      _id: id,
      title,
      organizationId,
      uploadedBy,
      status: "processing",
      progress: 0,
      stage: null,
      metadata: null,
      thumbnail: null,
      sensitivity: null,
      error: null,
      createdAt: new Date().toISOString(),
    };
    this.videos.set(id, { video, sequence: ++this.sequence });
    return video;
  }

  // find returns the video only when it belongs to organizationId: another
  // organization's video and an unknown or malformed id are all "not
  // found", so no caller can leak which it was (ROOM-4, REST-11).
  find(organizationId, id) {
    if (typeof id !== "string" || !VIDEO_ID.test(id)) return undefined;
    const video = this.videos.get(id)?.video;
    return video && video.organizationId === organizationId ? video : undefined;
  }

  byId(id) {
    return this.videos.get(id)?.video;
  }

  // list returns the organization's videos, newest createdAt first (REST-10).
  list(organizationId) {
    return [...this.videos.values()]
      .filter((entry) => entry.video.organizationId === organizationId)
      .sort((a, b) => b.video.createdAt.localeCompare(a.video.createdAt) || b.sequence - a.sequence)
      .map((entry) => entry.video);
  }
}

// =================================================================== media
// Signed stream URLs (STREAM-2, STREAM-3) and where files live.

const LINK_TTL_SECONDS = 3600;

function signMedia(secret, id, exp) {
  return crypto.createHmac("sha256", secret).update(`media:${id}:${exp}`).digest("base64url");
}

function streamUrl(secret, id) {
  const exp = Math.floor(Date.now() / 1000) + LINK_TTL_SECONDS;
  return `/api/videos/${id}/stream?exp=${exp}&sig=${signMedia(secret, id, exp)}`;
}

// validLink checks the exp and sig of a signed media request for id: one
// of each, exp an integer not in the past and at most an hour ahead, sig
// the HMAC of "media:<id>:<exp>" (compared in constant time).
function validLink(secret, id, query) {
  const exps = query.getAll("exp");
  const sigs = query.getAll("sig");
  if (exps.length !== 1 || sigs.length !== 1 || !/^-?\d{1,19}$/.test(exps[0])) return false;
  if (!VIDEO_ID.test(id)) return false;
  const exp = BigInt(exps[0]); // BigInt: "0123" signs as 123, huge values stay exact
  const nowMs = BigInt(Date.now());
  if (nowMs > exp * 1000n || exp > nowMs / 1000n + BigInt(LINK_TTL_SECONDS)) return false;
  const want = Buffer.from(signMedia(secret, id, exp.toString()));
  const got = Buffer.from(sigs[0]);
  return got.length === want.length && crypto.timingSafeEqual(got, want);
}

class Files {
  constructor(dataDir) {
    this.root = path.join(dataDir, "videos");
    fs.mkdirSync(this.root, { recursive: true });
  }
  // Ids are generated by us or checked against VIDEO_ID before they get
  // here, so a path never leaves the root; client filenames never reach a
  // path (SEC-6).
  dir(id) {
    return path.join(this.root, id);
  }
  video(id) {
    return path.join(this.dir(id), "video");
  }
  thumbnail(id) {
    return path.join(this.dir(id), "thumbnail.jpg");
  }
}

// videoJSON is the contract's video JSON (VID-1), members in its order,
// with a freshly signed streamUrl.
function videoJSON(video, secret) {
  return { ...video, streamUrl: streamUrl(secret, video._id) };
}

// ================================================================ realtime
// Contract §3–§8 and §13 on the official socket.io.

const room = {
  org: (organizationId) => organizationId, // the bare id, as in the seed
  user: (userId) => `user:${userId}`,
  video: (videoId) => `video:${videoId}`,
};
const CLIENT_EVENTS = new Set(["video:subscribe", "video:unsubscribe"]);
const NOT_FOUND_ACK = Object.freeze({ ok: false, error: "Video not found" });
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout fires at once beyond this
const RECOVERY_WINDOW_MS = 2 * 60 * 1000;

class Realtime {
  constructor({ httpServer, verifier, store, secret, origins, recovery, connectTimeoutMs, pingIntervalMs, pingTimeoutMs }) {
    this.verifier = verifier;
    this.store = store;
    this.secret = secret;
    this.origins = origins;
    // pid → the identity that owns the session (see guardRecovery).
    this.sessionOwners = new Map();
    this.io = new Server(httpServer, {
      path: "/socket.io/",
      serveClient: false,
      connectTimeout: connectTimeoutMs,
      pingInterval: pingIntervalMs,
      pingTimeout: pingTimeoutMs,
      cors: (req, callback) => callback(null, this.corsOptions(req)),
      parser: recovery ? guardedParser((packet) => this.guardRecovery(packet)) : undefined,
      connectionStateRecovery: recovery
        ? { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: false }
        : undefined,
    });
    refuseForeignWebSockets(httpServer, (origin) => this.origins.has(origin));
    this.io.use((socket, next) => this.authenticate(socket, next));
    this.io.on("connection", (socket) => this.onConnection(socket));
  }

  // corsOptions echoes an allowed Origin with credentials and says nothing
  // to any other: the cors package, given a static list, would still send
  // Access-Control-Allow-Credentials to a refused origin (SEC-2).
  corsOptions(req) {
    const origin = req.headers.origin;
    if (origin === undefined || !this.origins.has(origin)) return { origin: false };
    return { origin, credentials: true, methods: ["GET", "POST"] };
  }

  // authenticate is the CONNECT middleware: the token is the "token"
  // member of the auth payload and nothing else (AUTH-1).
  authenticate(socket, next) {
    const result = this.verifier.verify(socket.handshake.auth?.token);
    if (!result.ok) {
      log(`socket.io: refused ${socket.handshake.address}: ${result.cause}`);
      return next(new Error(result.message)); // → 44{"message":"…"}, no data
    }
    socket.data.claims = result.claims;
    next();
  }

  onConnection(socket) {
    const { claims } = socket.data;
    // A recovered socket got its rooms back from socket.io (RECOV-1).
    if (!socket.recovered) socket.join([room.org(claims.organizationId), room.user(claims.userId)]);
    this.trackSessionOwner(socket, claims);
    socket.on("video:subscribe", (...args) => this.subscribe(socket, args));
    socket.on("video:unsubscribe", (...args) => this.unsubscribe(socket, args));
    socket.onAny((event, ...args) => {
      if (!CLIENT_EVENTS.has(event)) reply(takeAck(args), { ok: false, error: "Unknown event" }); // EVT-3, EVT-5
    });
    this.armExpiry(socket, claims);
  }

  // subscribe answers video:subscribe (ROOM-3, ROOM-4): only a video of the
  // socket's own organization is joined; every refusal is the same bytes.
  subscribe(socket, args) {
    const ack = takeAck(args);
    const video = this.store.find(socket.data.claims.organizationId, args[0]);
    if (!video) return reply(ack, NOT_FOUND_ACK);
    socket.join(room.video(video._id));
    reply(ack, { ok: true, video: videoJSON(video, this.secret) });
  }

  // unsubscribe answers video:unsubscribe (ROOM-5, EVT-4).
  unsubscribe(socket, args) {
    const ack = takeAck(args);
    const id = args[0];
    if (typeof id !== "string") return reply(ack, { ok: false, error: "videoId must be a string" });
    // Only ever a video room, even for an organization named "video:…".
    if (room.video(id) !== room.org(socket.data.claims.organizationId)) socket.leave(room.video(id));
    reply(ack, { ok: true });
  }

  // armExpiry sends session:expired, then disconnects, when the token
  // stops being acceptable at exp + 5 s (AUTH-11). Long delays are chained:
  // setTimeout cannot wait more than ~24.8 days.
  armExpiry(socket, claims) {
    const deadline = (claims.exp + LEEWAY_SECONDS) * 1000;
    let timer;
    const check = () => {
      const left = deadline - Date.now();
      if (left > 0) {
        timer = setTimeout(check, Math.min(left, MAX_TIMER_MS));
        return;
      }
      if (!socket.connected) return;
      socket.emit("session:expired", { message: "Token expired" });
      socket.disconnect(true);
    };
    socket.on("disconnect", () => clearTimeout(timer));
    check();
  }

  // --- connection state recovery (§13)
  //
  // socket.io restores a session — rooms joined, missed packets written —
  // inside the Socket constructor, before any middleware runs, so the auth
  // middleware alone cannot keep a bad token or another user's token from
  // getting a replay (contract §15). guardRecovery sees every CONNECT
  // packet as it is decoded, before the namespace does, and removes pid and
  // offset unless the token is valid now and names the user and
  // organization that own the session: socket.io then starts a fresh
  // session, and the middleware refuses a bad token as usual (RECOV-3) or
  // connects another user fresh (RECOV-4).
  guardRecovery(packet) {
    const auth = packet.data;
    if (packet.type !== sioParser.PacketType.CONNECT || !isPlainObject(auth) || !("pid" in auth)) return packet;
    const result = this.verifier.verify(auth.token);
    const owner = this.sessionOwners.get(auth.pid);
    if (result.ok && owner?.key === ownerKey(result.claims)) return packet;
    const { pid, offset, ...rest } = auth;
    packet.data = rest;
    return packet;
  }

  // trackSessionOwner records who owns the socket's recovery session, and
  // forgets it once socket.io would have dropped the session too. socket.pid
  // is socket.io's private session id; without it every pid is removed by
  // guardRecovery, which fails closed (no recovery, no leak).
  trackSessionOwner(socket, claims) {
    if (typeof socket.pid !== "string") return;
    const entry = { key: ownerKey(claims) };
    this.sessionOwners.set(socket.pid, entry);
    socket.on("disconnect", () => {
      setTimeout(() => {
        if (this.sessionOwners.get(socket.pid) === entry) this.sessionOwners.delete(socket.pid);
      }, RECOVERY_WINDOW_MS + 5000).unref();
    });
  }

  // --- server events (§6–§8). The processing events go to the union of
  // the organization room and the video room: one emit, so a socket in
  // both receives it once (PROG-6).

  toVideoRooms(video) {
    return this.io.to(room.org(video.organizationId)).to(room.video(video._id));
  }

  progress(video) {
    this.toVideoRooms(video).emit("video:progress", {
      videoId: video._id,
      progress: video.progress,
      stage: video.stage,
    });
  }

  processed(video) {
    const { _id: videoId, metadata, thumbnail, sensitivity } = video;
    this.toVideoRooms(video).emit("video:processed", { videoId, status: "completed", metadata, thumbnail, sensitivity });
    this.personal(video, "video:ready", `Your video ${JSON.stringify(video.title)} is ready`);
  }

  failed(video) {
    this.toVideoRooms(video).emit("video:failed", { videoId: video._id, error: video.error });
    this.personal(video, "video:failed", `Your video ${JSON.stringify(video.title)} could not be processed`);
  }

  // personal notifies the uploader's sockets only, after the terminal
  // event (NOTIF-1, NOTIF-2).
  personal(video, kind, message) {
    this.io.to(room.user(video.uploadedBy)).emit("notification:personal", { kind, videoId: video._id, message });
  }

  // announce reaches every socket of "/", every organization (ANN-4).
  announce(announcement) {
    this.io.emit("server:announcement", announcement);
  }

  close(callback) {
    this.io.close(callback);
  }
}

const ownerKey = (claims) => JSON.stringify([claims.userId, claims.organizationId]);

// takeAck removes and returns the acknowledgement callback socket.io
// appends to an event's arguments when the client asked for one.
function takeAck(args) {
  return typeof args.at(-1) === "function" ? args.pop() : undefined;
}

function reply(ack, value) {
  if (ack) ack(value);
}

// guardedParser is socket.io's own parser whose Decoder passes every
// decoded packet through guard before socket.io sees it. The "parser"
// server option is public; the wrapper keeps the listener reachable for
// socket.io's removeListener (component-emitter matches on .fn).
function guardedParser(guard) {
  class GuardedDecoder extends sioParser.Decoder {
    on(event, listener) {
      if (event !== "decoded") return super.on(event, listener);
      const wrapped = (packet) => listener(guard(packet));
      wrapped.fn = listener;
      return super.on(event, wrapped);
    }
  }
  return { ...sioParser, Decoder: GuardedDecoder };
}

// refuseForeignWebSockets answers a WebSocket handshake on /socket.io/
// from an Origin outside the allow-list with engine.io's own 403 error
// body (SEC-5); engine.io's allowRequest would answer "400 Bad Request".
// Requests without Origin (non-browser clients) pass.
function refuseForeignWebSockets(httpServer, allowed) {
  const engineListeners = httpServer.listeners("upgrade");
  httpServer.removeAllListeners("upgrade");
  httpServer.on("upgrade", (req, socket, head) => {
    const origin = req.headers.origin;
    if (req.url.startsWith("/socket.io/") && origin !== undefined && !allowed(origin)) {
      const body = JSON.stringify({ code: 4, message: "Forbidden" });
      socket.on("error", () => {});
      socket.end(
        "HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: application/json\r\n" +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    for (const listener of engineListeners) listener.call(httpServer, req, socket, head);
  });
}

// =============================================================== processing
// Three stages, each announced before it runs (PROG-1, PROG-2): metadata
// (ffprobe, then one decoded frame), thumbnail (ffmpeg, 320 px wide, at 10 %
// of the duration), sensitivity (ffmpeg decoding small RGB frames to a
// pipe, then the WCAG 2.3.1 general flash count). The tools get arguments,
// never a shell; the input is always "file:<absolute path>" and only the
// listed demuxers may open it, so no upload can make ffmpeg read another
// file or URL (playlists, concat:, …).

const FORMATS = "mov,matroska,avi,mpegts,mpeg,flv,ogg,asf,mxf,nut,ivf,mp3,wav,flac";
const INPUT_OPTIONS = ["-protocol_whitelist", "file", "-format_whitelist", FORMATS];
const FFMPEG = ["-nostdin", "-hide_banner", "-v", "error", ...INPUT_OPTIONS];
const ANALYSIS_SIDE = 64; // flash frames are scaled (area-averaged) to 64×64
const MAX_ANALYSIS_FPS = 60;

// ProcessingError carries the reason video:failed shows: one short line,
// never a path or a stack (SEC-7, SEC-8).
class ProcessingError extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

// runTool runs a tool to completion and resolves {code, stdout, stderr}:
// stdout up to stdoutLimit bytes (or handed to onStdout), the end of stderr
// on one line. A tool that cannot start rejects with a ProcessingError; an
// aborted run rejects with the signal's AbortError (the child is killed).
function runTool(name, args, { signal, stdoutLimit = 0, onStdout } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(name, args, { stdio: ["ignore", "pipe", "pipe"], signal, killSignal: "SIGKILL" });
    const chunks = [];
    let kept = 0;
    let overflow = false;
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      if (onStdout) return onStdout(chunk);
      const room = stdoutLimit - kept;
      if (chunk.length > room) overflow = true;
      if (room > 0) chunks.push(chunk.subarray(0, room));
      kept += Math.min(room, chunk.length);
    });
    child.stderr.on("data", (chunk) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-2048);
    });
    child.on("error", (err) => {
      if (err.code === "ENOENT" || err.code === "EACCES") reject(new ProcessingError(`${name} is not available`));
      else reject(err);
    });
    child.on("close", (code) => {
      resolve({ code: overflow ? -1 : code, stdout: Buffer.concat(chunks), stderr: stderr.split(/\s+/).join(" ").trim() });
    });
  });
}

// --- metadata (VID-5)

function firstVideoStream(streams) {
  return streams.findIndex((s) => s?.codec_type === "video" && Number(s.disposition?.attached_pic ?? 0) === 0);
}

// rate reads an ffprobe frame rate, "30000/1001" or "25"; "0/0" is none.
function rate(text) {
  const [num, den = "1"] = String(text ?? "").split("/");
  const r = Number(num) / Number(den);
  return Number.isFinite(r) && r > 0 ? r : undefined;
}

const intOf = (v) => (/^-?\d+$/.test(String(v ?? "").trim()) ? Number(v) : undefined);
const positiveNumber = (v) => {
  const n = Number(v);
  return v !== undefined && v !== null && v !== "" && Number.isFinite(n) && n > 0 ? n : undefined;
};

// parseProbe turns ffprobe's JSON into the contract's metadata plus the
// index of the video stream to decode; size and bitRate are filled by the
// caller, which knows the file's size.
function parseProbe(text) {
  let probe;
  try {
    probe = JSON.parse(text);
  } catch {
    throw new ProcessingError("corrupt file: unreadable ffprobe output");
  }
  if (!isPlainObject(probe?.format)) throw new ProcessingError("corrupt file: ffprobe could not read it");
  const streams = Array.isArray(probe.streams) ? probe.streams : [];
  const at = firstVideoStream(streams);
  if (at < 0) throw new ProcessingError("not a video: no video stream");
  const stream = streams[at];
  const index = intOf(stream.index);
  if (index === undefined || index < 0) throw new ProcessingError("corrupt file: invalid stream index");
  const codec = String(stream.codec_name ?? "").trim();
  if (codec === "" || codec === "none") throw new ProcessingError("not a video: unknown video codec");
  const width = intOf(stream.width);
  const height = intOf(stream.height);
  if (!(width > 0 && height > 0 && width <= 65536 && height <= 65536)) {
    throw new ProcessingError("corrupt file: invalid video dimensions");
  }
  const duration = positiveNumber(probe.format.duration) ?? positiveNumber(stream.duration);
  if (duration === undefined) throw new ProcessingError("not a video: it has no duration");
  const fps = rate(stream.avg_frame_rate) ?? rate(stream.r_frame_rate) ?? 0;
  const bitRate = intOf(probe.format.bit_rate);
  return {
    index,
    formatBitRate: bitRate > 0 ? bitRate : undefined,
    metadata: {
      duration,
      width,
      height,
      codec,
      fps: Math.round(fps * 1000) / 1000,
      bitRate: 0,
      size: 0,
      hasAudio: streams.some((s) => s?.codec_type === "audio"),
    },
  };
}

async function readMetadata(file, signal) {
  const { size } = await fs.promises.stat(file);
  if (size === 0) throw new ProcessingError("corrupt file: it is empty");
  const input = `file:${file}`;
  const probe = await runTool("ffprobe", ["-v", "error", ...INPUT_OPTIONS,
    "-print_format", "json", "-show_format", "-show_streams", input], { signal, stdoutLimit: MiB });
  if (probe.code !== 0) {
    if (probe.stderr.includes("not on whitelist")) throw new ProcessingError("not a video: unsupported file format");
    throw new ProcessingError("corrupt file: ffprobe could not read it");
  }
  const parsed = parseProbe(probe.stdout.toString("utf8"));
  const md = parsed.metadata;
  md.size = size; // exactly the uploaded size
  md.bitRate = parsed.formatBitRate ?? Math.round((size * 8) / md.duration);
  // ffprobe reads headers only: make sure the video stream really decodes,
  // so that an undecodable file fails here, at the first stage.
  const side = 8;
  const frame = await runTool("ffmpeg", [...FFMPEG, "-i", input, "-map", `0:${parsed.index}`, "-frames:v", "1",
    "-vf", `scale=${side}:${side},format=gray`, "-f", "rawvideo", "pipe:1"], { signal, stdoutLimit: side * side });
  if (frame.code !== 0 || frame.stdout.length < side * side) {
    throw new ProcessingError("corrupt file: its video stream does not decode");
  }
  return parsed;
}

// --- thumbnail (VID-6)

async function isJPEG(file) {
  const handle = await fs.promises.open(file, "r").catch(() => null);
  if (!handle) return false;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(3), 0, 3, 0);
    return bytesRead === 3 && buffer[0] === 0xff && buffer[1] === 0xd8 && buffer[2] === 0xff;
  } finally {
    await handle.close();
  }
}

// makeThumbnail writes the frame at 10 % of the duration (the first frame
// if there is none there), 320 px wide, as a JPEG.
async function makeThumbnail(file, target, probe, signal) {
  const tmp = `${target}.tmp`;
  for (const at of [probe.metadata.duration * 0.1, 0]) {
    await fs.promises.rm(tmp, { force: true });
    const run = await runTool("ffmpeg", [...FFMPEG, "-ss", at.toFixed(3), "-i", `file:${file}`,
      "-map", `0:${probe.index}`, "-frames:v", "1", "-vf", "scale=320:-2", "-q:v", "4",
      "-c:v", "mjpeg", "-f", "mjpeg", "-y", `file:${tmp}`], { signal });
    if (run.code === 0 && (await isJPEG(tmp))) {
      await fs.promises.rename(tmp, target);
      return;
    }
  }
  await fs.promises.rm(tmp, { force: true });
  throw new ProcessingError("corrupt file: no frame could be decoded for the thumbnail");
}

// --- sensitivity (VID-7): the same algorithm and thresholds as the Go
// reference (reference/app/pipeline/flash.go), so both give the same
// numbers for the same file.

const FLASH_DELTA = 0.1; // a transition: a change of at least 10 % of max luminance
const FLASH_DARK_LIMIT = 0.8; // … whose darker extreme is below 0.80
const MAX_SAFE_FLASHES = 3; // "no more than three flashes in any one second"
const EPS = 1e-9; // absorbs rounding (0.3 − 0.2 < 0.1 in binary floating point)

// SRGB_TO_LINEAR maps an 8-bit sRGB component to linear light (IEC 61966-2-1).
const SRGB_TO_LINEAR = Float64Array.from({ length: 256 }, (_, i) => {
  const c = i / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

// frameLuminance is the mean relative luminance of an rgb24 frame,
// Y = 0.2126 R + 0.7152 G + 0.0722 B of linearized components.
function frameLuminance(rgb) {
  const pixels = Math.floor(rgb.length / 3);
  if (pixels === 0) return 0;
  let sum = 0;
  for (let i = 0; i < pixels * 3; i += 3) {
    sum += 0.2126 * SRGB_TO_LINEAR[rgb[i]] + 0.7152 * SRGB_TO_LINEAR[rgb[i + 1]] + 0.0722 * SRGB_TO_LINEAR[rgb[i + 2]];
  }
  return sum / pixels;
}

// turningPoints follows the luminance as a zigzag with a threshold of
// FLASH_DELTA: a running extreme becomes a turning point once the sequence
// has come back from it by at least FLASH_DELTA, so noise does not cut one
// large change into several small ones. Returns [] when it never moves.
function turningPoints(lum) {
  const turns = [];
  let lo = { i: 0, y: lum[0] };
  let hi = { i: 0, y: lum[0] };
  let cand;
  let dir = 0; // +1 rising, −1 falling, 0 not yet moved by FLASH_DELTA
  for (let i = 1; i < lum.length; i++) {
    const y = lum[i];
    if (dir === 0) {
      if (y < lo.y) lo = { i, y };
      if (y > hi.y) hi = { i, y };
      if (hi.y - lo.y >= FLASH_DELTA - EPS) {
        // The first turning point is whichever extreme came first.
        const rising = lo.i < hi.i;
        turns.push(rising ? lo : hi);
        cand = rising ? hi : lo;
        dir = rising ? +1 : -1;
      }
    } else if (dir * (y - cand.y) > 0) {
      cand = { i, y }; // still going the same way
    } else if (dir * (cand.y - y) >= FLASH_DELTA - EPS) {
      turns.push(cand);
      cand = { i, y };
      dir = -dir;
    }
  }
  if (dir === 0) return [];
  turns.push(cand);
  return turns;
}

// transitions returns the frame index at which each counted transition
// completes: two successive opposite extremes, the darker below 0.80.
function transitions(lum) {
  if (lum.length < 2) return [];
  const turns = turningPoints(lum);
  const at = [];
  for (let k = 1; k < turns.length; k++) {
    const [a, b] = [turns[k - 1], turns[k]];
    if (Math.abs(b.y - a.y) >= FLASH_DELTA - EPS && Math.min(a.y, b.y) < FLASH_DARK_LIMIT) at.push(b.i);
  }
  return at;
}

// maxFlashesPerSecond is the largest ⌊transitions ÷ 2⌋ in any window of
// frames [s, s + fps).
function maxFlashesPerSecond(lum, fps) {
  if (!(fps > 0) || !Number.isFinite(fps)) fps = 1;
  const at = transitions(lum);
  let most = 0;
  let start = 0;
  for (let end = 0; end < at.length; end++) {
    while (at[end] - at[start] >= fps - EPS) start++;
    most = Math.max(most, end - start + 1);
  }
  return Math.floor(most / 2);
}

function assess(lum, fps) {
  const n = maxFlashesPerSecond(lum, fps);
  return { status: n > MAX_SAFE_FLASHES ? "flagged" : "safe", maxFlashesPerSecond: n, method: "wcag-2.3.1-general-flash" };
}

// analyseFlashes decodes every frame (evenly decimated to at most 60 per
// second; 25 when the rate is unknown) as 64×64 rgb24 and assesses the
// luminance sequence. Frames are measured as they arrive, never buffered.
async function analyseFlashes(file, probe, signal) {
  const fps = Math.min(probe.metadata.fps > 0 ? probe.metadata.fps : 25, MAX_ANALYSIS_FPS);
  const frameSize = ANALYSIS_SIDE * ANALYSIS_SIDE * 3;
  const frame = Buffer.alloc(frameSize);
  let filled = 0;
  const lum = [];
  const onStdout = (chunk) => {
    for (let off = 0; off < chunk.length; ) {
      const n = chunk.copy(frame, filled, off, off + Math.min(frameSize - filled, chunk.length - off));
      off += n;
      filled += n;
      if (filled === frameSize) {
        lum.push(frameLuminance(frame));
        filled = 0;
      }
    }
  };
  const run = await runTool("ffmpeg", [...FFMPEG, "-i", `file:${file}`, "-map", `0:${probe.index}`,
    "-vf", `fps=${fps},scale=${ANALYSIS_SIDE}:${ANALYSIS_SIDE}:flags=area,format=rgb24`,
    "-f", "rawvideo", "pipe:1"], { signal, onStdout });
  if (run.code !== 0) throw new ProcessingError("corrupt file: the video does not decode");
  if (lum.length === 0) throw new ProcessingError("corrupt file: no frame of the video decodes");
  return assess(lum, fps);
}

// --- the pool

// Processor runs queued videos, at most `workers` at once, and for each
// step stores the new state, then emits its event (VID-3).
class Processor {
  constructor({ store, files, realtime, workers, timeoutMs }) {
    Object.assign(this, { store, files, realtime, workers, timeoutMs });
    this.queue = [];
    this.running = new Set(); // AbortControllers of the running jobs
    this.closed = false;
  }

  enqueue(id) {
    this.queue.push(id);
    this.pump();
  }

  pump() {
    while (!this.closed && this.running.size < this.workers && this.queue.length > 0) {
      const id = this.queue.shift();
      const job = new AbortController();
      this.running.add(job);
      this.process(id, job.signal)
        .catch((err) => log(`processing ${id}: ${err.stack ?? err}`))
        .finally(() => {
          this.running.delete(job);
          this.pump();
        });
    }
  }

  // close kills the running tools; the videos stay processing (the process
  // is exiting, and the store goes with it).
  close() {
    this.closed = true;
    for (const job of this.running) job.abort();
  }

  async process(id, shutdown) {
    const video = this.store.byId(id);
    if (!video || video.status !== "processing") return;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = AbortSignal.any([shutdown, timeout]);
    const file = this.files.video(id);
    try {
      this.stage(video, "metadata");
      const probe = await readMetadata(file, signal);
      this.stage(video, "thumbnail");
      await makeThumbnail(file, this.files.thumbnail(id), probe, signal);
      this.stage(video, "sensitivity");
      const sensitivity = await analyseFlashes(file, probe, signal);
      this.complete(video, probe.metadata, sensitivity);
    } catch (err) {
      if (shutdown.aborted) return;
      this.fail(video, this.reason(err, timeout));
    }
  }

  reason(err, timeout) {
    if (err instanceof ProcessingError) return err.reason;
    if (timeout.aborted) return `processing timed out after ${this.timeoutMs / 1000} s`;
    log(`processing: ${err.stack ?? err}`);
    return "processing failed: internal error";
  }

  stage(video, stage) {
    video.progress = STAGE_PROGRESS[stage];
    video.stage = stage;
    this.realtime.progress(video);
  }

  complete(video, metadata, sensitivity) {
    Object.assign(video, {
      status: "completed",
      progress: 100,
      stage: null,
      metadata,
      thumbnail: `/api/videos/${video._id}/thumbnail`,
      sensitivity,
    });
    this.realtime.processed(video);
    log(`video ${video._id} processed (${sensitivity.status}, ${sensitivity.maxFlashesPerSecond} flashes/s)`);
  }

  // fail keeps the progress and stage the video failed at (VID-2).
  fail(video, reason) {
    Object.assign(video, { status: "failed", error: reason });
    this.realtime.failed(video);
    log(`video ${video._id} failed: ${reason}`);
  }
}

// ===================================================================== http
// The REST API of §8–§12. Checks run in the order of REST-2:
// authentication (401), then role and tenancy (403, 404), then input.

const JSON_TYPE = "application/json; charset=utf-8";
const MAX_TITLE_BYTES = 4096;
const MAX_ANNOUNCE_BODY = 64 * 1024;
const MULTIPART_OVERHEAD = MiB; // body bytes allowed beyond the file limit
const CORS_METHODS = "GET, POST, OPTIONS";
const CORS_HEADERS = "Authorization, Content-Type, Range, If-Range";
const CORS_EXPOSE = "Content-Range, Accept-Ranges, Location, Content-Length";

function sendJSON(res, status, body) {
  if (res.headersSent) return res.destroy();
  res.statusCode = status;
  res.removeHeader("Content-Length");
  res.setHeader("Content-Type", JSON_TYPE);
  res.setHeader("Cache-Control", "no-store");
  res.end(`${JSON.stringify(body)}\n`);
}

const sendError = (res, status, message) => sendJSON(res, status, { error: message });

function unauthorized(res, message) {
  // RFC 6750: say why only when a token was presented (AUTH-10).
  res.setHeader("WWW-Authenticate", message === MSG_INVALID_TOKEN ? 'Bearer error="invalid_token"' : "Bearer");
  sendError(res, 401, message);
}

// splitURL separates the raw path from the query without resolving
// anything: "//x" or "/a/../b" must stay what the client sent.
function splitURL(url) {
  const q = url.indexOf("?");
  return { rawPath: q < 0 ? url : url.slice(0, q), query: new URLSearchParams(q < 0 ? "" : url.slice(q + 1)) };
}

function decodePathSegment(segment) {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null; // malformed escape: names nothing
  }
}

// route maps /api/… paths to {name, id}; unknown paths give name
// "unknown". Segments are percent-decoded one by one, so an id never
// spans a "/" and "..%2F.." is just a malformed id.
function route(rawPath) {
  const segments = rawPath.split("/").slice(2); // after "" and "api"
  if (segments.some((s) => s === "" || s === "." || s === "..")) return { name: "unknown" };
  const parts = segments.map(decodePathSegment);
  const [first, id, sub, ...more] = parts;
  if (more.length > 0 || parts.includes(null)) return { name: "unknown" };
  if (first === "announcements" && id === undefined) return { name: "announcements" };
  if (first !== "videos") return { name: "unknown" };
  if (id === undefined) return { name: "videos" };
  if (sub === undefined) return { name: "video", id };
  if (sub === "thumbnail" || sub === "stream") return { name: sub, id };
  return { name: "unknown" };
}

// Methods of each route; HEAD goes with GET.
const ROUTE_METHODS = {
  videos: ["GET", "HEAD", "POST"],
  video: ["GET", "HEAD"],
  thumbnail: ["GET", "HEAD"],
  stream: ["GET", "HEAD"],
  announcements: ["POST"],
};

class Api {
  constructor({ verifier, store, files, realtime, processor, secret, origins, maxUpload }) {
    Object.assign(this, { verifier, store, files, realtime, processor, secret, origins, maxUpload });
  }

  handle(req, res) {
    const { rawPath, query } = splitURL(req.url ?? "/");
    if (rawPath !== "/api" && !rawPath.startsWith("/api/")) return this.outsideApi(req, res, rawPath);
    if (!this.cors(req, res)) return;
    const r = { ...route(rawPath), query };
    const methods = ROUTE_METHODS[r.name];
    const signed = (r.name === "stream" || r.name === "thumbnail") && query.has("sig");
    if (signed && methods.includes(req.method)) return this.signedMedia(req, res, r);
    const auth = this.verifier.verifyRequest(req);
    if (!auth.ok) return unauthorized(res, auth.message);
    if (!methods) return sendError(res, 404, "Not found"); // REST-13, after authentication
    if (!methods.includes(req.method)) {
      res.setHeader("Allow", methods.join(", "));
      return sendError(res, 405, "Method not allowed");
    }
    return this.dispatch(req, res, r, auth.claims);
  }

  dispatch(req, res, r, claims) {
    switch (r.name) {
      case "videos":
        return req.method === "POST" ? this.upload(req, res, claims) : this.list(res, claims);
      case "video":
        return this.getVideo(res, r.id, claims);
      case "thumbnail":
        return this.thumbnail(req, res, r.id, claims);
      case "stream":
        return this.stream(req, res, r.id, claims);
      case "announcements":
        return this.announce(req, res, claims);
    }
  }

  outsideApi(req, res, rawPath) {
    if (rawPath === "/" && (req.method === "GET" || req.method === "HEAD")) {
      res.setHeader("Content-Type", "text/plain; charset=utf-8");
      return res.end("socketlab Node target: REST under /api/, Socket.IO under /socket.io/\n");
    }
    sendError(res, 404, "Not found");
  }

  // cors applies the allow-list (SEC-1 to SEC-4); false when it answered
  // the request itself (a preflight).
  cors(req, res) {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // not a browser: served as usual
    res.setHeader("Vary", "Origin");
    const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    const allowed = this.origins.has(origin); // exact match only
    if (!allowed) {
      if (preflight) sendError(res, 403, "Origin not allowed");
      return !preflight;
    }
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Allow-Credentials", "true");
    if (!preflight) {
      res.setHeader("Access-Control-Expose-Headers", CORS_EXPOSE);
      return true;
    }
    res.setHeader("Access-Control-Allow-Methods", CORS_METHODS);
    res.setHeader("Access-Control-Allow-Headers", CORS_HEADERS);
    res.setHeader("Access-Control-Max-Age", "600");
    res.statusCode = 204;
    res.end();
    return false;
  }

  // --- videos

  list(res, claims) {
    sendJSON(res, 200, this.store.list(claims.organizationId).map((v) => videoJSON(v, this.secret)));
  }

  getVideo(res, id, claims) {
    const video = this.store.find(claims.organizationId, id);
    if (!video) return sendError(res, 404, "Video not found");
    sendJSON(res, 200, videoJSON(video, this.secret));
  }

  thumbnail(req, res, id, claims) {
    const video = this.store.find(claims.organizationId, id);
    if (!video) return sendError(res, 404, "Video not found");
    if (video.thumbnail === null) return sendError(res, 404, "Thumbnail not ready");
    return serveFile(req, res, this.files.thumbnail(id), "image/jpeg", "Thumbnail not ready");
  }

  stream(req, res, id, claims) {
    const video = this.store.find(claims.organizationId, id);
    if (!video) return sendError(res, 404, "Video not found");
    return serveFile(req, res, this.files.video(id), null, "Video not found");
  }

  // signedMedia serves …/stream and …/thumbnail judged by exp and sig
  // alone, Authorization ignored (STREAM-1, STREAM-3, STREAM-11).
  signedMedia(req, res, r) {
    if (!validLink(this.secret, r.id, r.query)) return sendError(res, 403, "Invalid or expired link");
    const video = this.store.byId(r.id);
    if (!video) return sendError(res, 404, "Video not found");
    if (r.name === "stream") return serveFile(req, res, this.files.video(r.id), null, "Video not found");
    if (video.thumbnail === null) return sendError(res, 404, "Thumbnail not ready");
    return serveFile(req, res, this.files.thumbnail(r.id), "image/jpeg", "Thumbnail not ready");
  }

  // --- upload (REST-3 to REST-9)

  upload(req, res, claims) {
    const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    if (type !== "multipart/form-data") return sendError(res, 400, "No video file");
    new Upload(this, req, res, claims).start();
  }

  // accept stores a fully received upload and starts its processing.
  accept(res, { id, title, claims }) {
    const video = this.store.create({ id, title, organizationId: claims.organizationId, uploadedBy: claims.userId });
    res.setHeader("Location", `/api/videos/${id}`);
    sendJSON(res, 201, videoJSON(video, this.secret)); // the upload state, before any stage
    this.processor.enqueue(id);
  }

  // --- announcements (ANN-1 to ANN-3)

  announce(req, res, claims) {
    if (claims.role !== "admin") return sendError(res, 403, "Admin role required");
    readBody(req, res, MAX_ANNOUNCE_BODY, (err, body) => {
      if (err) return sendError(res, err.tooLarge ? 413 : 400, err.tooLarge ? "Request body too large" : "Invalid JSON body");
      let parsed;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        return sendError(res, 400, "Invalid JSON body");
      }
      if (!isPlainObject(parsed)) return sendError(res, 400, "Invalid JSON body");
      const { message } = parsed;
      // Code points, not UTF-16 units: [...s] walks the string by code point.
      const length = typeof message === "string" ? [...message].length : 0;
      if (length < 1 || length > 1000) return sendError(res, 400, "message must be 1 to 1000 characters");
      const announcement = { message, from: claims.userId, at: new Date().toISOString() };
      this.realtime.announce(announcement);
      sendJSON(res, 202, announcement);
    });
  }
}

// closeAfterAnswer makes an early error answer (413 while the client is
// still sending) the connection's last, and closes it the way Go's server
// does: a half-close (FIN) as soon as the answer is out, the full close a
// moment later. Node would otherwise destroy the socket at once with body
// bytes still unread, the kernel would answer them with a reset, and the
// client would often see "broken pipe" instead of the 413 (measured: 2 of
// 3 uploads of N + 256 MiB). Node calls socket.destroySoon() after a
// "Connection: close" response; this connection gets a patient one. The
// request stays paused meanwhile: nothing more is read.
const LINGER_MS = 1000;

function closeAfterAnswer(req, res) {
  res.setHeader("Connection", "close");
  req.socket.destroySoon = function destroySoonAfterLinger() {
    if (this.writable) this.end();
    setTimeout(() => this.destroy(), LINGER_MS).unref();
  };
}

// readBody collects a small body, refusing more than limit bytes.
function readBody(req, res, limit, callback) {
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) {
    closeAfterAnswer(req, res);
    return callback({ tooLarge: true });
  }
  const chunks = [];
  let size = 0;
  let done = false;
  const finish = (err, body) => {
    if (done) return;
    done = true;
    callback(err, body);
  };
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size > limit) {
      req.removeAllListeners("data");
      req.pause();
      closeAfterAnswer(req, res);
      return finish({ tooLarge: true });
    }
    chunks.push(chunk);
  });
  req.on("end", () => finish(null, Buffer.concat(chunks)));
  req.on("error", () => finish({ tooLarge: false }));
}

// Upload is one POST /api/videos. The "video" part is piped to a
// temporary file next to its final place as it arrives (REST-7), busboy
// pausing the request when the disk is slower; once the part passes the
// limit, busboy's "limit" event answers 413 at once (REST-8). Everything
// else about the body is judged at its end.
class Upload {
  constructor(api, req, res, claims) {
    Object.assign(this, { api, req, res, claims });
    this.id = crypto.randomBytes(12).toString("hex"); // 24 hex digits, like a Mongo ObjectId
    this.dir = api.files.dir(this.id);
    this.tmp = path.join(this.dir, `.upload-${crypto.randomBytes(6).toString("hex")}.part`);
    this.title = "";
    this.filename = "";
    this.size = 0; // bytes of the video part
    this.received = 0; // bytes of the whole body
    this.stored = null; // promise of the video part on disk
    this.answered = false;
  }

  start() {
    let bb;
    try {
      bb = busboy({
        headers: this.req.headers,
        defParamCharset: "utf8", // filenames are UTF-8, not latin1
        // busboy signals "limit" when a part *reaches* fileSize bytes: one
        // more than the largest accepted file, so N passes and N + 1 is 413.
        limits: { fileSize: this.api.maxUpload + 1, fieldSize: MAX_TITLE_BYTES + 1 },
      });
    } catch {
      return sendError(this.res, 400, "No video file"); // no boundary, …
    }
    this.bb = bb;
    bb.on("file", (name, stream, info) => this.onFile(name, stream, info));
    bb.on("field", (name, value, info) => this.onField(name, value, info));
    bb.on("error", () => this.answer(400, "Malformed multipart body"));
    bb.on("close", () => this.finish());
    this.req.on("data", (chunk) => this.countBody(chunk));
    // A client gone mid-body leaves busboy waiting forever: clean up.
    this.res.on("close", () => this.answered || this.abandon());
    fs.mkdirSync(this.dir, { recursive: true });
    this.req.pipe(bb);
  }

  // countBody bounds the whole body, not just the file part: title and
  // unknown parts cannot make it endless either.
  countBody(chunk) {
    this.received += chunk.length;
    if (this.received > this.api.maxUpload + MULTIPART_OVERHEAD) this.tooLarge();
  }

  onFile(name, stream, info) {
    if (name === "title") return this.readTitlePart(stream);
    if (name !== "video" || this.stored) return stream.resume(); // only the first video part counts
    // busboy already keeps the last path segment only; the filename never
    // becomes a path, only a title (SEC-6).
    this.filename = lastSegment(info.filename ?? "");
    stream.on("data", (chunk) => {
      this.size += chunk.length;
    });
    stream.on("limit", () => this.tooLarge());
    this.fileStream = stream;
    const out = fs.createWriteStream(this.tmp, { flags: "wx" });
    this.out = out;
    // "close" comes last, even for a stream destroyed while still opening
    // its file: only then may the folder be removed.
    this.closed = new Promise((resolve) => out.on("close", resolve));
    this.stored = pipeline(stream, out);
    this.stored.catch(() => {}); // judged in finish()
  }

  // readTitlePart handles a "title" part sent with a filename, which busboy
  // hands over as a file.
  readTitlePart(stream) {
    const chunks = [];
    let size = 0;
    stream.on("data", (chunk) => {
      size += chunk.length;
      if (size <= MAX_TITLE_BYTES + 1) chunks.push(chunk);
    });
    stream.on("end", () => {
      if (size > MAX_TITLE_BYTES) return this.answer(400, "Title too long");
      this.title = Buffer.concat(chunks).toString("utf8");
    });
  }

  onField(name, value, info) {
    if (name !== "title") return;
    if (info.valueTruncated) return this.answer(400, "Title too long");
    this.title = value;
  }

  // tooLarge answers 413 while the client is still sending (REST-8).
  tooLarge() {
    this.answer(413, "File too large");
  }

  async finish() {
    if (this.answered) return;
    try {
      await this.stored;
    } catch {
      return this.answer(400, "Malformed multipart body"); // cut in the middle of the video part
    }
    if (this.answered) return;
    if (!this.stored || this.size === 0) return this.answer(400, "No video file");
    try {
      await fs.promises.rename(this.tmp, this.api.files.video(this.id));
    } catch (err) {
      log(`upload: storing ${this.id}: ${err.message}`);
      return this.answer(500, "Could not store the upload");
    }
    this.answered = true;
    const title = this.title !== "" ? this.title : this.filename !== "" ? this.filename : "Untitled";
    this.api.accept(this.res, { id: this.id, title, claims: this.claims });
  }

  // answer ends the upload with an error: nothing is created, nothing is
  // emitted, the partial file goes. An answer given before the body's end
  // stops reading it and closes the connection once the answer is out.
  answer(status, message) {
    if (this.answered) return;
    this.answered = true;
    if (!this.req.complete) closeAfterAnswer(this.req, this.res);
    this.stopReading();
    sendError(this.res, status, message);
    this.discard();
  }

  abandon() {
    this.answered = true;
    this.stopReading();
    this.discard();
  }

  stopReading() {
    this.req.unpipe(this.bb);
    this.req.removeAllListeners("data");
    this.bb.removeAllListeners("close");
    this.bb.on("error", () => {});
    // Not synchronously: we are often inside one of busboy's own callbacks
    // ("limit", "field"), and busboy goes on using its state after them.
    setImmediate(() => this.teardown());
  }

  teardown() {
    this.bb.destroy();
    // Both ends of the pipeline to disk: a busboy file stream destroyed
    // between the end of its part and its "end" event closes without the
    // pipeline ever noticing, which would leave the file open.
    this.fileStream?.destroy();
    this.out?.destroy();
  }

  discard() {
    Promise.resolve(this.closed)
      .then(() => fs.promises.rm(this.dir, { recursive: true, force: true }))
      .catch((err) => log(`upload: removing ${this.id}: ${err.message}`));
  }
}

function lastSegment(name) {
  return name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
}

// ------------------------------------------------------------ media files
// serveFile serves a stored file with Range (one range), If-Range and HEAD
// (STREAM-4 to STREAM-10). contentType null means a sniffed video type, or
// application/octet-stream: never a type a browser renders (STREAM-8).

async function serveFile(req, res, file, contentType, missingMessage) {
  let handle;
  try {
    handle = await fs.promises.open(file, "r");
  } catch {
    return sendError(res, 404, missingMessage);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return sendError(res, 404, missingMessage);
    const type = contentType ?? (await sniffVideo(handle));
    const modified = new Date(Math.floor(info.mtimeMs / 1000) * 1000);
    res.setHeader("Content-Type", type);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Cache-Control", "private, no-cache");
    res.setHeader("Accept-Ranges", "bytes");
    res.setHeader("Last-Modified", modified.toUTCString());
    const range = requestedRange(req, info.size, modified);
    if (range === "unsatisfiable") {
      res.setHeader("Content-Range", `bytes */${info.size}`);
      return sendError(res, 416, "Range not satisfiable");
    }
    const { start, end } = range ?? { start: 0, end: info.size - 1 };
    res.statusCode = range ? 206 : 200;
    if (range) res.setHeader("Content-Range", `bytes ${start}-${end}/${info.size}`);
    res.setHeader("Content-Length", Math.max(0, end - start + 1));
    if (req.method === "HEAD" || end < start) return res.end();
    const body = handle.createReadStream({ start, end, autoClose: true });
    handle = null; // the stream closes it now
    await pipeline(body, res).catch(() => {}); // a client gone mid-file is not an error
  } finally {
    await handle?.close();
  }
}

// requestedRange returns the single range to serve, "unsatisfiable", or
// null for the whole file: no Range, an If-Range that does not match, or
// a Range we do not serve as a range (several ranges, another unit, a
// malformed one — STREAM-9 allows 200 for all of them).
function requestedRange(req, size, modified) {
  const header = req.headers.range;
  if (header === undefined || !ifRangeMatches(req.headers["if-range"], modified)) return null;
  if (!header.startsWith("bytes=")) return null;
  const specs = header.slice(6).split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (specs.length !== 1) return null;
  const m = /^(\d*)-(\d*)$/.exec(specs[0]);
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]); // bytes=-n: the last n bytes, all of a shorter file
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (start >= size) return "unsatisfiable";
  const end = m[2] === "" ? size - 1 : Number(m[2]);
  if (end < start) return null;
  return { start, end: Math.min(end, size - 1) };
}

// ifRangeMatches: no If-Range, or one equal to Last-Modified. We send no
// ETag, so an entity tag never matches (STREAM-7: then the whole file).
function ifRangeMatches(ifRange, modified) {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith("W/")) return false;
  return Date.parse(value) === modified.getTime();
}

// sniffVideo recognizes MP4 (the WHATWG mime-sniffing "ftyp" rule, as Go's
// http.DetectContentType applies it), WebM and AVI; anything else is
// application/octet-stream, whatever the upload claimed to be.
async function sniffVideo(handle) {
  const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0);
  const data = buffer.subarray(0, bytesRead);
  if (isMP4(data)) return "video/mp4";
  if (data.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]))) return "video/webm";
  if (data.toString("latin1", 0, 4) === "RIFF" && data.toString("latin1", 8, 12) === "AVI ") return "video/avi";
  return "application/octet-stream";
}

function isMP4(data) {
  if (data.length < 12) return false;
  const boxSize = data.readUInt32BE(0);
  if (data.length < boxSize || boxSize % 4 !== 0 || data.toString("latin1", 4, 8) !== "ftyp") return false;
  for (let at = 8; at + 3 <= boxSize; at += 4) {
    if (at === 12) continue; // the major brand's version
    if (data.toString("latin1", at, at + 3) === "mp4") return true;
  }
  return false;
}

// ================================================================ lifecycle

function watchParent(shutdown) {
  // Only a pipe or socket means a parent holds the other end; a terminal
  // or /dev/null stdin is left alone.
  try {
    const st = fs.fstatSync(0);
    if (st.isFIFO() || st.isSocket()) {
      process.stdin.on("end", () => shutdown("stdin closed"));
      process.stdin.on("error", () => shutdown("stdin error"));
      process.stdin.resume();
    }
  } catch {
    // no stdin at all: signals only
  }
}

function main() {
  const config = readConfig(process.argv.slice(2));
  const origins = new Set(config.origins);
  const verifier = new Verifier(config.secret);
  const store = new VideoStore();
  const files = new Files(config.dataDir);
  // The REST handler must be on the server before socket.io attaches:
  // socket.io wraps the "request" listeners present at that moment, takes
  // /socket.io/ and hands everything else to them. A listener added later
  // would see /socket.io/ requests too and answer them a second time.
  let api;
  const httpServer = http.createServer((req, res) => {
    Promise.resolve()
      .then(() => api.handle(req, res))
      .catch((err) => {
        log(`${req.method} ${req.url}: ${err.stack ?? err}`);
        sendError(res, 500, "Internal server error");
      });
  });
  const realtime = new Realtime({
    httpServer, verifier, store, secret: config.secret, origins, recovery: config.recovery,
    connectTimeoutMs: config.connectTimeoutMs,
    pingIntervalMs: config.pingIntervalMs, pingTimeoutMs: config.pingTimeoutMs,
  });
  const processor = new Processor({
    store, files, realtime, workers: config.workers, timeoutMs: config.processTimeoutMs,
  });
  api = new Api({
    verifier, store, files, realtime, processor, secret: config.secret, origins, maxUpload: config.maxUpload,
  });

  let closing = false;
  const shutdown = (why) => {
    if (closing) return;
    closing = true;
    log(`shutting down (${why})`);
    setTimeout(() => process.exit(0), 1000).unref(); // never hang on a stuck handle
    processor.close();
    realtime.close(() => process.exit(0)); // closes httpServer too
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  watchParent(shutdown);

  httpServer.on("error", (err) => {
    log(`http server: ${err.message}`);
    process.exit(1);
  });
  httpServer.listen(config.port, "127.0.0.1", () => {
    const url = `http://127.0.0.1:${httpServer.address().port}`;
    origins.add(url); // the app's own origin is always allowed
    process.stdout.write(`${JSON.stringify({ url })}\n`);
    log(`listening on ${url}, data ${config.dataDir}, max upload ${config.maxUpload} bytes, ` +
      `${config.workers} workers, recovery ${config.recovery ? "on" : "off"}, origins ${[...origins].join(" ")}`);
  });
}

main();
