// The page's API for the browser cases: window.socketlab. The Go side
// calls it with Runtime.evaluate; it never decides a verdict, it records.
//
// Every event the official client reports goes into one array, in order,
// with the page's clock (ms since the epoch, sub-millisecond): the cases
// read it back with records(from) and judge in Go. Recording instead of
// waiting in JavaScript means a case can never miss an event that arrived
// before it started to look.
(() => {
  "use strict";
  const records = [];
  const now = () => performance.timeOrigin + performance.now();
  const record = (kind, fields) => {
    records.push(Object.assign({ seq: records.length, at: now(), kind }, fields));
  };
  // describe turns an error or a disconnect's details into a string.
  const describe = (x) => {
    if (x === undefined || x === null) return "";
    if (typeof x === "string") return x;
    if (x instanceof Error) return x.message;
    if (typeof x === "object" && "description" in x) return describe(x.description);
    if (typeof x === "object" && typeof x.type === "string") return x.type; // an Event
    try { return JSON.stringify(x); } catch { return String(x); }
  };
  let socket = null;

  // watchEngine follows the Engine.IO session the manager just opened:
  // each reconnection opens a new one.
  const watchEngine = (manager) => {
    const engine = manager.engine;
    if (!engine || engine.__socketlab) return;
    engine.__socketlab = true;
    record("open", { transport: engine.transport.name, sid: engine.id || "" });
    engine.on("upgrade", (t) => record("upgrade", { transport: t.name }));
    engine.on("close", (reason, details) => record("engine_close", { reason: String(reason), description: describe(details) }));
  };

  window.socketlab = {
    // connect opens one socket to url with opts ({auth, transports,
    // withCredentials, …}); the cases open one per page.
    connect(url, opts) {
      if (socket) throw new Error("socketlab: already connected");
      record("connecting", { url, transports: opts.transports || null, withCredentials: !!opts.withCredentials });
      socket = io(url, opts);
      const manager = socket.io;
      manager.on("open", () => watchEngine(manager));
      manager.on("reconnect_attempt", (n) => record("reconnect_attempt", { attempt: n }));
      manager.on("reconnect", (n) => record("reconnect", { attempt: n }));
      manager.on("reconnect_error", (err) => record("reconnect_error", { message: describe(err) }));
      manager.on("reconnect_failed", () => record("reconnect_failed", {}));
      socket.on("connect", () => {
        watchEngine(manager);
        record("connect", { id: socket.id, transport: manager.engine.transport.name });
      });
      socket.on("connect_error", (err) => record("connect_error", {
        message: err && err.message, data: err && err.data !== undefined ? err.data : null,
        description: describe(err && err.description), active: socket.active,
      }));
      socket.on("disconnect", (reason, details) => record("disconnect", { reason, description: describe(details), active: socket.active }));
      socket.onAny((event, ...args) => record("event", { event, args }));
      return true;
    },

    // emitWithAck emits and resolves with the ack's arguments, or with
    // {timeout: true} after ms.
    emitWithAck(event, args, ms) {
      return new Promise((resolve) => {
        socket.timeout(ms).emit(event, ...args, (err, ...reply) => {
          resolve(err ? { timeout: true, args: [] } : { timeout: false, args: reply });
        });
      });
    },

    // records returns what was recorded from index from, as JSON text (so
    // that Go decodes it with encoding/json, raw arguments intact).
    records(from) { return JSON.stringify(records.slice(from)); },

    // state is the client's view right now.
    state() {
      const engine = socket && socket.io.engine;
      return JSON.stringify({
        connected: !!(socket && socket.connected),
        transport: engine && engine.transport ? engine.transport.name : "",
        id: socket && socket.id ? socket.id : "",
        online: navigator.onLine,
        origin: location.origin,
      });
    },

    close() { if (socket) socket.disconnect(); },
  };
})();
