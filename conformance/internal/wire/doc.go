// Package wire holds the conformance harness's own strict protocol drivers.
// They are written from the specs (RFC 6455, Engine.IO v4, Socket.IO v5)
// and share no code with socketlab/reference, so that the harness can judge
// the reference too.
//
// Layers, bottom up, each recording every byte it exchanges into a
// *wirelog.Log from the first byte on:
//
//   - HTTP: a polling driver with full control of the request (any method,
//     query, headers, body, chunked or not) and RawConn, a bare TCP
//     connection for requests net/http refuses to send (2000 headers, a
//     malformed request line, a reset mid-request);
//   - WS: a WebSocket driver that performs the upgrade itself and can write
//     any frame, valid or not (Frame, AppendHeader). A goroutine started at
//     connect reads every frame into an unbounded queue, so nothing the
//     target sends is lost between two waits;
//   - Session: an Engine.IO v4 session over either transport (handshake,
//     packets, automatic pongs, the polling → WebSocket upgrade);
//   - SIO: a Socket.IO v5 client on a Session (CONNECT, events, acks,
//     binary attachments).
//
// Errors are typed so that cases decide verdicts with errors.As/Is, never by
// reading messages: *ClosedError (ErrClosed: the target ended the connection
// or the session, with the close code or HTTP status), *TimeoutError
// (ErrTimeout), *DroppedError (ErrDropped: the connection died with no
// answer), *StatusError (an HTTP status the operation did not expect),
// *ProtocolError (the target sent something the specs forbid, wrapping a
// *FrameError or a *codec.Error when a decoder found it), *UnexpectedError
// (a valid packet, but not the one the step needs) and *ConnectError (a
// Socket.IO CONNECT refused). TargetFault says which of them blame the
// target rather than the harness.
package wire
