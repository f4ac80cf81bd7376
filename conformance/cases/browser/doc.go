// Package browser holds the cases of level "browser": the official
// socket.io-client 4.8.4, loaded from its browser bundle in headless
// Chromium, against the app target — what a real front-end sees. The page
// is served from the origin the target allows, at another address than
// the target, so CORS, the polling-to-WebSocket upgrade, errors surfaced
// to the page and reconnection are the browser's own, not a simulation.
//
// Cases drive the page through internal/browser: one shared Chromium, one
// tab per case, every CDP WebSocket frame and polling request in the
// case's wire log (conn "browser"). Without Chromium or the client bundle
// the cases SKIP, except in CI (CI=true), where they are ERROR.
package browser
