// Package browser drives the official socket.io-client in headless
// Chromium for the conformance harness's browser level: what a real
// front-end sees — CORS, the polling-to-WebSocket upgrade, errors surfaced
// to the page, reconnection after the network goes away.
//
// The harness serves a small page (page/index.html, page/harness.js) that
// loads the client's browser bundle (dist/socket.io.min.js, socket.io-client
// 4.8.4 installed by npm in conformance/fixtures/browser) from the origin the
// target allows. Chromium resolves that origin's name to the page server
// (--host-resolver-rules), so the page keeps the allowed origin while the
// target sits at another address: every request is cross-origin, judged by
// the browser's own CORS checks.
//
// One Chromium serves the whole run (Shared, Shutdown); each case opens a
// Tab in its own browser context. The page records everything the client
// reports, with the page's timestamps; cases read the records back and
// decide in Go. CDP's Network events — WebSocket frames, polling requests
// and their bodies — go into the case's wire log (conn "browser").
package browser
