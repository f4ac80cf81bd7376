package engineio

import (
	"encoding/base64"
	"unicode/utf8"
)

// PacketType is the type of an Engine.IO v4 packet, as the ASCII digit that
// starts the packet on the wire.
type PacketType byte

// The packet types of Engine.IO v4.
const (
	PacketOpen    PacketType = '0'
	PacketClose   PacketType = '1'
	PacketPing    PacketType = '2'
	PacketPong    PacketType = '3'
	PacketMessage PacketType = '4'
	PacketUpgrade PacketType = '5'
	PacketNoop    PacketType = '6'
)

// Valid reports whether t is one of the seven packet types.
func (t PacketType) Valid() bool { return t >= PacketOpen && t <= PacketNoop }

var packetTypeNames = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// String returns the name socket.io gives the type ("open", "ping"...).
func (t PacketType) String() string {
	if !t.Valid() {
		const hex = "0123456789abcdef"
		return "PacketType(0x" + string([]byte{hex[t>>4], hex[t&0xf]}) + ")"
	}
	return packetTypeNames[t-PacketOpen]
}

// Packet is one decoded Engine.IO packet. Binary is true only for a
// message whose Data is raw bytes (a WebSocket binary frame or a "b"+base64
// polling segment).
type Packet struct {
	Type   PacketType
	Data   []byte
	Binary bool
}

// binaryPrefix starts a base64-encoded binary message in text form.
const binaryPrefix = 'b'

// DecodePacket decodes one packet: a WebSocket frame, or one segment of a
// polling payload. binary tells whether data came in a binary WebSocket
// frame; such a frame is always a message whose Data is data itself.
//
// A text packet is a type digit followed by its data, or "b" followed by
// standard, padded base64 for a binary message. Text must be valid UTF-8.
// Anything else (empty input, an unknown type, bad base64) is
// ErrInvalidPacket. Except for base64, the returned Data aliases data.
func DecodePacket(data []byte, binary bool) (Packet, error) {
	if binary {
		return Packet{Type: PacketMessage, Data: data, Binary: true}, nil
	}
	if !utf8.Valid(data) {
		return Packet{}, ErrInvalidPacket
	}
	return decodeTextPacket(data)
}

// decodeTextPacket decodes a text packet already known to be valid UTF-8
// (the WebSocket reader and DecodePayload check that once for the whole
// frame or body).
func decodeTextPacket(data []byte) (Packet, error) {
	if len(data) == 0 {
		return Packet{}, ErrInvalidPacket
	}
	t := PacketType(data[0])
	if t == binaryPrefix {
		raw, err := decodeBase64(data[1:])
		if err != nil {
			return Packet{}, ErrInvalidPacket
		}
		return Packet{Type: PacketMessage, Data: raw, Binary: true}, nil
	}
	if !t.Valid() {
		return Packet{}, ErrInvalidPacket
	}
	return Packet{Type: t, Data: data[1:]}, nil
}

func decodeBase64(src []byte) ([]byte, error) {
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	n, err := base64.StdEncoding.Decode(dst, src)
	if err != nil {
		return nil, err
	}
	return dst[:n], nil
}

// AppendPacket appends the text form of p to dst: the type digit and the
// data, or "b" and the base64 of the data when p.Binary (a binary packet
// is always a message). This is the form of a polling payload segment and
// of a WebSocket text frame; over WebSocket a binary message is sent as
// its raw bytes instead.
//
// p.Type must be valid and, for text, p.Data must not contain the record
// separator 0x1e if the packet goes into a polling payload (Engine.IO has
// no escape for it; JSON encoders escape it as \u001e).
func AppendPacket(dst []byte, p Packet) []byte {
	if p.Binary {
		dst = append(dst, binaryPrefix)
		return base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(dst, byte(p.Type))
	return append(dst, p.Data...)
}
