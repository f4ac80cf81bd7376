package parser

import "strconv"

// PacketType is the kind of a Socket.IO packet: the first character of its
// text form, as a number (0..6).
type PacketType byte

// The seven packet types of the Socket.IO v5 protocol, with their wire digit.
const (
	Connect      PacketType = 0
	Disconnect   PacketType = 1
	Event        PacketType = 2
	Ack          PacketType = 3
	ConnectError PacketType = 4
	BinaryEvent  PacketType = 5
	BinaryAck    PacketType = 6
)

// packetTypeNames is indexed by PacketType; the names are the ones the
// protocol specification and socket.io-parser use.
var packetTypeNames = [...]string{
	Connect:      "CONNECT",
	Disconnect:   "DISCONNECT",
	Event:        "EVENT",
	Ack:          "ACK",
	ConnectError: "CONNECT_ERROR",
	BinaryEvent:  "BINARY_EVENT",
	BinaryAck:    "BINARY_ACK",
}

// String returns the protocol name of the type ("CONNECT", "EVENT", ...),
// or "UNKNOWN(n)" for a value outside 0..6.
func (t PacketType) String() string {
	if t.valid() {
		return packetTypeNames[t]
	}
	return "UNKNOWN(" + strconv.Itoa(int(t)) + ")"
}

func (t PacketType) valid() bool { return t <= BinaryAck }

// isBinary reports whether packets of this type announce binary attachments
// ("<n>-" after the type digit).
func (t PacketType) isBinary() bool { return t == BinaryEvent || t == BinaryAck }

// carriesAckID reports whether packets of this type may have an ack id.
func (t PacketType) carriesAckID() bool {
	return t == Event || t == Ack || t == BinaryEvent || t == BinaryAck
}

// textual returns the non-binary counterpart of a type: BINARY_EVENT is an
// EVENT whose data holds []byte values, BINARY_ACK likewise an ACK.
func (t PacketType) textual() PacketType {
	switch t {
	case BinaryEvent:
		return Event
	case BinaryAck:
		return Ack
	}
	return t
}

// NoAckID is the Packet.ID of a packet without an ack id. Packet IDs start
// at 0 in socket.io clients, so the zero value 0 is a real id: set ID to
// NoAckID on every EVENT that does not request an acknowledgement.
const NoAckID int64 = -1

// Packet is one Socket.IO packet.
//
// Data on decode: nil when absent, else the JSON value decoded with
// json.Decoder.UseNumber (objects map[string]any, arrays []any, numbers
// json.Number, strings, bools, nil) in which every
// {"_placeholder":true,"num":N} has been replaced by the []byte attachment N.
//
// Data on encode: any value json.Marshal accepts; []byte values found at any
// depth inside []any / map[string]any / []byte at top level are pulled out as
// binary attachments and replaced by placeholders (EVENT becomes
// BINARY_EVENT, ACK becomes BINARY_ACK). Other types (structs...) are
// marshalled as they are.
//
// See the package documentation for the rules each type's Data must follow.
type Packet struct {
	Type      PacketType
	Namespace string // "/" when absent on the wire
	ID        int64  // ack id; -1 (NoAckID) when absent
	Data      any
}

// ReservedEvents are the names a client may not emit.
var ReservedEvents = []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// reservedEvents is a private copy of ReservedEvents, so that a caller who
// modifies the exported slice cannot switch validation off.
var reservedEvents = append([]string(nil), ReservedEvents...)

// isReservedEvent reports whether name has a special meaning to socket.io
// (client lifecycle events, Node.js EventEmitter internals). It does not
// allocate when called as isReservedEvent(string(b)).
func isReservedEvent(name string) bool {
	for _, r := range reservedEvents {
		if name == r {
			return true
		}
	}
	return false
}
