// Package socketio registers the conformance level "socketio": the
// Socket.IO v5 protocol, checked on the testee's echo server at
// /socket.io/ the way the official socketio/socket.io-protocol test-suite
// checks it (namespaces "/" and "/custom" emit "auth" with the handshake
// payload, echo "message" as "message-back", acknowledge
// "message-with-ack" with its arguments, refuse other namespaces), plus
// malformed packets and the regressions of socket.io's and
// socket.io-parser's security history. One file per spec section.
package socketio
