// Package socketio is a Socket.IO v5 server over Engine.IO v4 (package
// socketlab/reference/engineio), wire-compatible with the official
// socket.io-client 4.x in browsers and Node: a client connects to it with
// no special option.
//
// # Layers
//
// An Engine.IO session (one per client connection, over HTTP long-polling
// or WebSocket) carries Socket.IO packets, encoded by package
// socketlab/reference/socketio/parser. On one session a client joins one
// or more namespaces ("/" and, say, "/admin"): each membership is a
// Socket. Inside a namespace, sockets are grouped in rooms, the unit of
// broadcasting.
//
//	Engine.IO session  ──  conn  ──┬── Socket in "/"       rooms: {id, "acme", ...}
//	                               └── Socket in "/admin"  rooms: {id}
//
// # Wire examples
//
// Each line is one Engine.IO message; the leading "4" is Engine.IO's
// "message" type, the next digit Socket.IO's packet type.
//
//	client → 40{"token":"abc"}              CONNECT "/" with an auth payload
//	server → 40{"sid":"Nj8x...(20 chars)"}  CONNECT reply with the socket id
//	client → 40/admin,                      CONNECT "/admin", no auth
//	server → 44/admin,{"message":"Invalid namespace"}
//	client → 42["chat:message","hi"]        EVENT
//	client → 4213["save",{"n":1}]           EVENT asking for ack 13
//	server → 4313[{"ok":true}]              ACK 13
//	server → 451-["img",{"_placeholder":true,"num":0}]   BINARY_EVENT,
//	server → <binary frame: the attachment>                then its attachment
//	server → 41                             DISCONNECT "/" (server side)
//	server → 44{"message":"not authorized","data":{"reason":"expired"}}
//
// # Using it
//
//	io := socketio.NewServer(socketio.Options{})
//	io.Use(func(s *socketio.Socket) error {          // runs before CONNECT is answered
//		claims, err := verify(s.Handshake().Auth["token"])
//		if err != nil {
//			return socketio.NewConnectError("Invalid token", nil)
//		}
//		s.Data = claims
//		return nil
//	})
//	io.OnConnection(func(s *socketio.Socket) {
//		s.Join(s.Data.(Claims).Org)
//		s.On("chat:message", func(e *socketio.Event) {
//			s.To(s.Data.(Claims).Org).Emit("chat:message", e.Args...) // everyone else in the org
//		})
//	})
//	http.Handle("/socket.io/", io)
//
// # Semantics kept from socket.io
//
//   - Socket ids are random, 20 characters, distinct from the Engine.IO
//     session id (which is a credential over polling).
//   - Every socket is in a room named after its id; To(a).To(b) targets the
//     union of a and b, each socket once; Except removes rooms;
//     Socket.To/Broadcast exclude the sender. Rooms are left on disconnect.
//   - Middleware errors become CONNECT_ERROR {"message","data"}; an unknown
//     namespace gets {"message":"Invalid namespace"} and the connection
//     stays open.
//   - A connection that joins no namespace within ConnectTimeout (45s) is
//     closed.
//   - Any malformed packet, a packet for a namespace not joined, a second
//     CONNECT to a joined namespace, or a CONNECT_ERROR sent by a client
//     closes the whole connection (reason "parse error"). An event named
//     "error" is an ordinary event; the names connect, connect_error,
//     disconnect, disconnecting, newListener and removeListener are
//     reserved and close the connection when a client sends them.
//   - Disconnect reasons use socket.io's strings: "transport close",
//     "transport error", "ping timeout", "parse error", "server namespace
//     disconnect", "client namespace disconnect", "server shutting down",
//     "forced server close", "forced close".
//
// # Concurrency and performance
//
// Handlers of one connection run on that connection's goroutine, in the
// order the packets arrived; different connections run in parallel.
// Emitting never blocks on the network: packets join the session's
// bounded queue, and a client that does not read is disconnected rather
// than allowed to grow server memory. A broadcast encodes its packet once
// and hands the same Engine.IO messages (and, over WebSocket, the same
// prepared frame) to every target.
//
// # Values
//
// Incoming arguments are decoded JSON with numbers as json.Number (so
// echoing a value sends it back digit for digit) and binary attachments as
// []byte; Event.Bind decodes one into a Go type. Outgoing arguments are
// anything encoding/json accepts; []byte values (at top level or inside
// []any and map[string]any) travel as binary attachments.
package socketio
