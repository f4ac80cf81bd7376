// Package parser is the Socket.IO v5 packet codec: the Go counterpart of the
// npm package socket.io-parser 4.2.x, which socket.io and socket.io-client
// 4.x use by default. It turns a [Packet] into the messages that carry it
// ([Encode]) and reassembles packets from those messages ([Decoder]).
//
// The codec knows nothing of transports. Each Socket.IO packet travels as one
// Engine.IO "message" packet holding its text form, followed, for a packet
// with binary data, by one binary Engine.IO message per attachment. The
// Engine.IO layer adds its own type digit "4" in front of every text
// message: the `40` a client sends to join the main namespace is Engine.IO's
// "4" (message) followed by this codec's `0` (CONNECT), and it is `0` that
// this package encodes and decodes.
//
// # Packet types
//
//	Type           Digit  Direction        Meaning
//	CONNECT        0      both             join a namespace; server reply carries {"sid": ...}
//	DISCONNECT     1      both             leave a namespace
//	EVENT          2      both             an event: ["name", args...]
//	ACK            3      both             the reply to an EVENT that had an ack id
//	CONNECT_ERROR  4      server → client  the namespace refused the client
//	BINARY_EVENT   5      both             an EVENT whose arguments hold binary data
//	BINARY_ACK     6      both             an ACK whose arguments hold binary data
//
// # Wire format
//
// The text form of a packet is
//
//	<type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]
//
// where:
//
//   - type: one digit, 0 to 6.
//   - attachments: on BINARY_EVENT and BINARY_ACK only, and there mandatory:
//     the decimal number of binary attachments that follow, then "-".
//   - namespace: omitted for the main namespace "/"; otherwise it starts with
//     "/" and is followed by ",". A decoder also accepts a namespace that
//     runs to the end of the message without the comma (`0/admin`).
//   - ack id: decimal digits, on EVENT and ACK types only. An EVENT with an
//     ack id asks the receiver for an ACK with the same id.
//   - payload: one JSON value, as JSON.stringify writes it.
//
// Examples, as this package encodes them (the Packet fields are Type,
// Namespace, ID, Data; NoAckID is -1):
//
//	Packet                                                    Text
//	{Connect, "/", -1, nil}                                   0
//	{Connect, "/", -1, {"token": "x"}}                        0{"token":"x"}
//	{Connect, "/admin", -1, nil}                              0/admin,
//	{Connect, "/admin", -1, {"token": "x"}}                   0/admin,{"token":"x"}
//	{Connect, "/", -1, {"sid": "wZX3oN0bSVIhsaknAAAI"}}       0{"sid":"wZX3oN0bSVIhsaknAAAI"}
//	{Disconnect, "/admin", -1, nil}                           1/admin,
//	{Event, "/", -1, ["hello", 1]}                            2["hello",1]
//	{Event, "/admin", 12, ["ev"]}                             2/admin,12["ev"]
//	{Ack, "/", 12, ["ok"]}                                    312["ok"]
//	{Ack, "/", 12, []}                                        312[]
//	{ConnectError, "/", -1, {"message": "Not authorized"}}    4{"message":"Not authorized"}
//	{ConnectError, "/", -1, "Not authorized"}                 4"Not authorized"
//
// On the wire, inside Engine.IO, `2["hello",1]` is sent as `42["hello",1]`.
//
// # Binary attachments
//
// JSON cannot hold bytes, so each []byte in the data of an EVENT or ACK is
// replaced by a placeholder object {"_placeholder":true,"num":N}, the
// packet type becomes BINARY_EVENT or BINARY_ACK, the text announces the
// number of attachments, and the N-th []byte is sent as the N-th binary
// Engine.IO message after the text:
//
//	Packet                                        Messages
//	{Event, "/", -1, ["up", <01 02 03 04>]}       51-["up",{"_placeholder":true,"num":0}]
//	                                              <01 02 03 04>
//	{Event, "/admin", -1, ["baz", <01 02>,        52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]
//	                      <03 04>]}               <01 02>
//	                                              <03 04>
//	{Event, "/", 14, ["foo", <01>]}               51-14["foo",{"_placeholder":true,"num":0}]
//	                                              <01>
//	{Ack, "/admin", 3, [<78>]}                    61-/admin,3[{"_placeholder":true,"num":0}]
//	                                              <78>
//
// Placeholders may sit at any depth. This packet carries one []byte, at
// Data[1]["b"][1]:
//
//	51-["a",{"b":["c",{"_placeholder":true,"num":0}]}]
//
// # Encoding
//
// [Encode] returns the text message and the attachments (nil when there are
// none); send the text first, then each attachment as a binary message, in
// order. It never modifies the packet or its data, and it is safe for
// concurrent use: a server encodes a broadcast once and sends the same
// messages to every recipient.
//
// Data is written as encoding/json marshals it, HTML escaping off (a "<"
// stays "<", as with JSON.stringify). Map keys come out sorted, as
// encoding/json writes them. Any value json.Marshal accepts can be used:
// []any, map[string]any, typed slices, structs, json.RawMessage (written
// as it is, compacted), json.Number (written as the number it holds). The
// usual values ([]any, map[string]any, string, json.Number, bool, nil, the
// int, uint and float types, []byte) are written by a hand-written encoder,
// without reflection, to the same bytes; any other value is handed to
// encoding/json.
//
// Binary values are found in EVENT and ACK data only, and only where the
// codec looks: Data itself when it is a []byte, and at any depth inside
// []any and map[string]any values. There each []byte becomes an
// attachment, numbered in the order the placeholders appear in the text, so
// the output is deterministic. A []byte anywhere else (a struct field, a
// map[string][]byte, a [][]byte, the data of a CONNECT) is marshalled by
// encoding/json as a base64 string, not as an attachment: build arguments
// from []any and map[string]any to send binary data. json.RawMessage is
// never treated as binary.
//
// When Data holds no []byte (the usual case) Encode walks it once without
// allocating and writes it once into a pooled buffer: when Data is made of
// the usual values, the returned text is the only allocation. When it
// holds some,
// the containers on the path to each []byte are copied with placeholders in
// place of the bytes; everything else is shared with the caller. The
// attachments returned are the caller's []byte values themselves, not
// copies: leave them unmodified until they have been sent.
//
// The Type decides the kind of packet, the Data whether the binary form is
// used: an EVENT or a BINARY_EVENT is written `2...` when Data holds no
// []byte and `5<n>-...` when it does; likewise ACK and BINARY_ACK.
//
// ID is the ack id. IDs start at 0 in socket.io, so 0 is a real id: set ID
// to [NoAckID] (-1) on an EVENT that requests no acknowledgement. An ACK
// needs an id (>= 0). ID is ignored for the other types, which carry none.
//
// An ACK with nil Data (or Data that marshals to null, such as a nil
// []any) is written with the empty array: `312[]` acknowledges with no
// arguments. For the other types, Data that marshals to null is treated as
// absent.
//
// Encode refuses, with an error wrapping [ErrCannotEncode], every packet
// that the decoding rules below would reject, so that what it writes is
// accepted by socket.io-client and by [Decoder]:
//
//   - an unknown Type; a Namespace that is neither "" (meaning "/") nor a
//     valid namespace; an EVENT ID below -1; an ACK without ID;
//   - Data that breaks its type's payload rule (an EVENT without a string
//     event name, or with a reserved one; a CONNECT with an array...);
//   - Data that encoding/json cannot marshal (the json error is wrapped
//     too, for errors.As), or that nests more than 100000 levels deep in
//     []any and map[string]any (a cyclic []any);
//   - binary data next to an object with "_placeholder": true, which the
//     receiver would take for one of the placeholders.
//
// Encode does not limit the number of attachments, but socket.io-parser
// 4.2.6 and later (hence up-to-date socket.io-client and socket.io) reject a
// packet announcing more than 10 unless configured otherwise.
//
// # Decoding
//
// A [Decoder] reassembles the packets of one connection. Feed it every
// Engine.IO message, text or binary, in order:
//
//	var d parser.Decoder
//	for msg := range messages {
//		p, err := d.Add(msg.Data, msg.Binary)
//		if err != nil {
//			// a protocol violation: close the connection
//		}
//		if p != nil {
//			// a complete packet
//		}
//	}
//
// Add returns a packet as soon as it is complete: at once for a text
// packet, after its last attachment for a binary one ((nil, nil) in
// between). A Decoder holds at most one incomplete packet and at most
// [Decoder.MaxAttachments] attachments, so its memory is bounded by that
// limit times the Engine.IO message size limit. After an error the Decoder
// is reset; the connection should nonetheless be closed, as socket.io does,
// since the rest of the stream can no longer be trusted. A Decoder is not
// safe for concurrent use.
//
// A decoded packet has:
//
//   - Type: CONNECT, DISCONNECT, EVENT, ACK or CONNECT_ERROR. A
//     BINARY_EVENT comes out as EVENT and a BINARY_ACK as ACK, as
//     socket.io-parser does; its attachments are []byte values in Data.
//   - Namespace: "/" when the text names none.
//   - ID: the ack id, or NoAckID.
//   - Data: nil when the text has no payload, else the JSON value as
//     encoding/json decodes it into an any with UseNumber: map[string]any
//     (the last of duplicate keys wins), []any, json.Number (the text of
//     the number), string (escapes decoded, invalid UTF-8 and lone
//     surrogates replaced by U+FFFD), bool, nil, with each placeholder
//     replaced by its attachment.
//
// Add takes ownership of a binary message's data: the []byte becomes part
// of the packet without being copied, so the caller must pass a slice it
// will not reuse (the Engine.IO layer reads each message into a fresh one).
// A text message's bytes are not retained; the strings of a payload of up
// to 1 KB share one copy of it (one allocation instead of one per string).
//
// The JSON decoder is hand-written and iterative: the goroutine stack it
// needs does not depend on the payload, and it stays small (about 1 KB
// for Add with a typical event, against 2.9 KB with encoding/json, which
// needs more with each level of nesting), so that a connection's reader
// goroutine keeps a small stack.
//
// # Validation
//
// Decoding follows socket.io-parser 4.2.6, hardened in 4.2.1 (placeholder
// num checks, CVE-2022-2421), 4.2.3 (payload and event name checks,
// CVE-2023-32695) and 4.2.6 (at most 10 attachments by default), and is
// stricter where the specification or this package's contract is. Each
// rule, with the Reason of the [DecodeError] it yields:
//
//   - The message is not empty ([ReasonEmptyPacket]) and starts with a digit
//     from 0 to 6 ([ReasonUnknownType]).
//   - BINARY_EVENT and BINARY_ACK carry one or more ASCII digits then "-"
//     ([ReasonIllegalAttachments]); the number is at most MaxAttachments,
//     10 by default ([ReasonTooManyAttachments]). Zero is allowed: `50-["x"]`
//     is an EVENT. The other types carry no count: `21-[...]` is rejected
//     ([ReasonIllegalAttachments]).
//   - A namespace starts with "/" and ends at "," or at the end of the
//     message. It holds no control character (C0, DEL, C1) and is valid
//     UTF-8 ([ReasonIllegalNamespace]); socket.io-parser accepts any
//     characters, but no client sends those, since namespaces come from URL
//     paths.
//   - An ack id appears only on EVENT and ACK types, has at most 19 digits
//     and fits an int64 ([ReasonInvalidAckID]). ACK and BINARY_ACK require
//     one ([ReasonInvalidAckID]).
//   - The payload is exactly one JSON value, optionally surrounded by JSON
//     whitespace as JSON.parse allows; anything after it is rejected
//     ([ReasonInvalidJSON]). Arrays and objects nest at most 500 levels
//     deep ([ReasonInvalidJSON]).
//   - The payload fits the type ([ReasonInvalidPayload]):
//     CONNECT: absent or an object;
//     DISCONNECT: absent;
//     CONNECT_ERROR: an object or a string;
//     EVENT, BINARY_EVENT: a non-empty array whose first element, the
//     event name, is a string;
//     ACK, BINARY_ACK: an array, possibly empty.
//   - The event name is none of [ReservedEvents]: connect, connect_error,
//     disconnect, disconnecting, newListener, removeListener
//     ([ReasonReservedEventName]). The comparison is exact: "error" and
//     "Connect" are ordinary names.
//   - In BINARY_EVENT and BINARY_ACK, a placeholder is any object whose
//     "_placeholder" is the JSON true (extra keys are ignored, the object is
//     replaced whole). Its "num" must be a JSON integer (not 1.5, 1.0, 1e0,
//     "0" or null, and present) in [0, attachments), and each attachment
//     must be referenced by exactly one placeholder ([ReasonInvalidPlaceholder]).
//     These are checked when the text arrives, before any attachment is
//     buffered. In (non-binary) EVENT and ACK packets such objects are
//     plain data.
//   - A binary message arrives only while a binary packet awaits
//     attachments ([ReasonUnexpectedBinary]), and a text message only when
//     none does ([ReasonUnexpectedText]).
//
// # Differences from socket.io-parser
//
// Where socket.io-parser 4.2.6 is more lenient, this package is stricter.
// None of these rules rejects what the socket.io and socket.io-client
// encoders produce:
//
//   - An event name must be a string; socket.io-parser also accepts a
//     number (`2[1,"a"]`). socket.io's API names events with strings.
//   - EVENT and ACK need a payload and ACK an id, as the specification
//     says; socket.io-parser validates a payload only when one is present.
//     CONNECT_ERROR needs a payload too.
//   - CONNECT, DISCONNECT and CONNECT_ERROR cannot carry an ack id
//     (socket.io-parser reads one; socket.io ignores it).
//   - The attachment count is plain digits: socket.io-parser's Number()
//     conversion also takes "", " 1" or "0x1".
//   - Each attachment must be referenced exactly once: socket.io-parser
//     ignores unreferenced attachments and lets a placeholder number repeat,
//     so that a 1 MB attachment referenced a thousand times would be sent
//     back a thousand times by a server relaying the arguments. Every
//     socket.io encoder gives each []byte its own attachment, so real
//     clients are unaffected.
//   - A placeholder in a BINARY_EVENT announcing 0 attachments is rejected;
//     socket.io-parser leaves it as an object.
//   - Namespaces with control characters or invalid UTF-8 are rejected.
//   - Payloads nesting arrays and objects more than 500 levels deep are
//     rejected (encoding/json allows 10000, JSON.parse as many as its stack
//     allows); no application sends such data.
//
// # Errors
//
// Every decode failure is a *[DecodeError] that wraps [ErrInvalidPacket]:
//
//	p, err := d.Add(data, binary)
//	if errors.Is(err, parser.ErrInvalidPacket) { ... }
//	var de *parser.DecodeError
//	if errors.As(err, &de) && de.Reason == parser.ReasonReservedEventName { ... }
//
// Reason is one of the Reason* constants; Input is the offending message cut
// to 64 bytes (a binary message is described by its size); Detail adds what
// went wrong, for logs. Error() reads, for instance:
//
//	socketio: invalid packet: reserved event name (disconnect): "2[\"disconnect\"]"
//
// Encode errors wrap [ErrCannotEncode].
package parser
