// Package scriptserver is the server the harness plays for level
// "client": an Engine.IO v4 + Socket.IO v5 server on 127.0.0.1:0 whose
// every move is decided by a case's script, so that a Socket.IO client can
// be judged the way Autobahn's fuzzingserver judges WebSocket clients.
//
// It is written from the protocol specs on the harness's own codec
// (internal/codec) and gorilla/websocket, and speaks both transports with
// the upgrade, since real clients open with long-polling and then probe a
// WebSocket. Per case it can:
//
//   - refuse handshakes, attempt by attempt (Options.Policy): HTTP 503,
//     or the TCP connection dropped without an answer;
//   - accept them, ping on its own heartbeat and time each pong (and end a
//     session whose pong is late, as a real server does), or never ping;
//   - let the script read what the client sent (Session.Expect) and send
//     Socket.IO packets (Session.Send): CONNECT with or without a recovery
//     pid, CONNECT_ERROR, events with offsets or ack ids, DISCONNECT;
//   - end a session cleanly (Session.Close: an Engine.IO close packet) or
//     cut it (Session.Cut: every TCP connection of the session closed);
//   - note every breach of the Engine.IO rules that bind a client (a
//     second GET or POST in flight, a request without the sid, polling
//     after the upgrade, a client ping…) as a Violation.
//
// Every HTTP exchange, WebSocket frame and TCP drop goes into the case's
// wire log, labelled with the client's name. Browsers load the client from
// another origin, so the server answers CORS for any origin (echoed, with
// credentials) and accepts WebSockets from any Origin.
package scriptserver
