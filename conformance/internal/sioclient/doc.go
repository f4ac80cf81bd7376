// Package sioclient is the harness's well-behaved Socket.IO v5 client
// (Engine.IO v4 over WebSocket or long-polling) for the contract cases. It
// is built on the harness's own strict codec, so that it judges the target
// with code it does not share with any implementation.
//
// Well-behaved means it does what the official client does on the wire —
// one CONNECT with an auth payload, a pong for every ping, DISCONNECT on
// Close — and nothing else unless a case asks for it (SendText, Cut). A
// recorder keeps EVERY packet the server sends from the moment the
// transport opens, with its arrival time, so that a case never races a
// listener: it connects, acts, then asks the record what arrived (Wait,
// Events). Every frame and HTTP exchange goes into the case's wire log.
//
//	s, err := sioclient.Dial(ctx, base, map[string]any{"token": tok}, sioclient.Options{Log: c.Log, Name: "alice"})
//	var refused *sioclient.ConnectError
//	if errors.As(err, &refused) { … refused.Message … }
//	ack, err := s.EmitWithAck(ctx, "video:subscribe", id)
//	ev, err := s.Wait(ctx, sioclient.EventNamed("video:processed"))
package sioclient
