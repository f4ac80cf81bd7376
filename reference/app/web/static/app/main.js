// main.js — the page's entry point: pick a user, log in, connect the
// socket, and route each server event to the part of the page it updates.

import { io } from "../client/index.js";
import { Api, login } from "./api.js";
import { chooseUser } from "./users.js";
import { Library } from "./library.js";
import { setupUpload } from "./upload.js";
import { setupAnnounce } from "./announce.js";
import { setupBanner, showAnnouncement, showToast } from "./notices.js";
import { showConnection } from "./connection.js";

const userId = await chooseUser();
const { token, user } = await login(userId).catch(fail);
const api = new Api(token);

document.getElementById("who-user").textContent = user.userId;
document.getElementById("who-org").textContent = `${user.organizationId} · ${user.role}`;
document.getElementById("who").hidden = false;
document.getElementById("workspace").hidden = false;

const library = new Library(api, document.getElementById("library"));
setupUpload(api, library);
setupAnnounce(api, user);
setupBanner();

// The token goes in the CONNECT packet's auth payload, never in the URL
// (URLs end up in logs): 40{"token":"eyJ…"}.
const socket = io(location.origin, { auth: { token } });
showConnection(socket, document.getElementById("connection"));

socket.on("video:progress", (p) => library.onProgress(p));
socket.on("video:processed", (p) => library.onProcessed(p));
socket.on("video:failed", (p) => library.onFailed(p));
socket.on("notification:personal", (n) => showToast(n));
socket.on("server:announcement", (a) => showAnnouncement(a));

// Events sent while we were away are lost unless the server recovered our
// session; otherwise the list is read again.
let firstConnect = true;
socket.on("connect", () => {
  if (!firstConnect && !socket.recovered) library.load().catch(console.warn);
  firstConnect = false;
});

// When the token expires the server says so, then disconnects us, and a
// server-side disconnect is never retried by the client on its own: log in
// again (dev mode makes that free) and reconnect with the new token.
let expired = false;
socket.on("session:expired", () => {
  expired = true;
  showToast({ kind: "session:expired", message: "Session expired: signing in again…" });
});
socket.on("disconnect", async (reason) => {
  if (!expired || reason !== "io server disconnect") return;
  expired = false;
  const fresh = await login(userId);
  api.token = fresh.token;
  socket.auth = { token: fresh.token };
  socket.connect();
});

await library.load().catch(fail);

// fail shows why the page cannot start (typically: the server runs
// without dev mode, so there is no demo login) and stops the script.
function fail(err) {
  const status = document.getElementById("connection");
  status.dataset.status = "offline";
  status.querySelector("[data-role=text]").textContent = `cannot start: ${err.message}`;
  throw err;
}
