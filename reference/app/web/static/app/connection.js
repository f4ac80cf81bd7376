// connection.js — the connection indicator in the top bar.
//
// It shows what the socket and its Manager report, and exposes it as
// data-* attributes for tests:
//   data-status     "connecting" | "connected" | "reconnecting" | "offline"
//   data-attempt    the current reconnection attempt (0 when connected)
//   data-transport  "polling", then "websocket" once upgraded
//   data-recovered  "true" when the server restored the session after a
//                   cut (connection state recovery: no event was lost)

export function showConnection(socket, el) {
  const text = el.querySelector("[data-role=text]");
  const set = (status, label, attempt = 0) => {
    el.dataset.status = status;
    el.dataset.attempt = String(attempt);
    text.textContent = label;
  };
  const connected = () => set("connected", `connected · ${el.dataset.transport}`);
  set("connecting", "connecting…");

  socket.on("connect", () => {
    el.dataset.recovered = String(socket.recovered);
    connected();
  });
  socket.on("disconnect", (reason) => set("offline", `offline (${reason})`));
  socket.on("connect_error", (err) => {
    // During reconnection each failed attempt reports an error; the
    // "reconnecting, attempt N" label says more than the error.
    if (!socket.io.reconnecting) set("offline", `offline: ${err.message}`);
  });
  socket.io.on("reconnect_attempt", (n) => set("reconnecting", `reconnecting, attempt ${n}`, n));
  socket.io.on("reconnect_failed", () => set("offline", "offline (gave up reconnecting)"));

  // Each connection has an Engine.IO socket of its own: watch its
  // transport, which changes when polling is upgraded to WebSocket.
  const watchTransport = () => {
    const engine = socket.io.engine;
    el.dataset.transport = engine.transport.name;
    engine.on("upgrade", (name) => {
      el.dataset.transport = name;
      if (socket.connected) connected();
    });
  };
  if (socket.io.readyState === "open") watchTransport();
  socket.io.on("open", watchTransport);
}
