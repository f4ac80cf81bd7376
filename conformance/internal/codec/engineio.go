package codec

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// EIOType is an Engine.IO packet type, written as one ASCII digit.
type EIOType byte

// The Engine.IO v4 packet types.
const (
	EIOOpen    EIOType = '0'
	EIOClose   EIOType = '1'
	EIOPing    EIOType = '2'
	EIOPong    EIOType = '3'
	EIOMessage EIOType = '4'
	EIOUpgrade EIOType = '5'
	EIONoop    EIOType = '6'
)

func (t EIOType) String() string {
	switch t {
	case EIOOpen:
		return "open"
	case EIOClose:
		return "close"
	case EIOPing:
		return "ping"
	case EIOPong:
		return "pong"
	case EIOMessage:
		return "message"
	case EIOUpgrade:
		return "upgrade"
	case EIONoop:
		return "noop"
	}
	return "invalid"
}

// Separator joins packets in a polling payload (the record separator).
const Separator = '\x1e'

// EIOPacket is one Engine.IO packet. Binary marks a binary message: over
// WebSocket it travels as a binary frame with no type byte, over polling as
// "b" + base64.
type EIOPacket struct {
	Type   EIOType
	Data   []byte
	Binary bool
}

// Text returns a text packet of type t carrying data.
func Text(t EIOType, data string) EIOPacket { return EIOPacket{Type: t, Data: []byte(data)} }

// Bin returns a binary message packet.
func Bin(data []byte) EIOPacket { return EIOPacket{Type: EIOMessage, Data: data, Binary: true} }

// EncodeText encodes p for a WebSocket text frame, or, when p is binary,
// for a polling payload ("b" + base64).
func EncodeText(p EIOPacket) []byte {
	if p.Binary {
		out := make([]byte, 1+base64.StdEncoding.EncodedLen(len(p.Data)))
		out[0] = 'b'
		base64.StdEncoding.Encode(out[1:], p.Data)
		return out
	}
	out := make([]byte, 0, 1+len(p.Data))
	out = append(out, byte(p.Type))
	return append(out, p.Data...)
}

// DecodeText decodes the text form of one packet (a WebSocket text frame or
// one element of a polling payload).
func DecodeText(b []byte) (EIOPacket, error) {
	if len(b) == 0 {
		return EIOPacket{}, errorf(KindEmpty, b, "empty packet")
	}
	if b[0] == 'b' {
		data, err := base64.StdEncoding.DecodeString(string(b[1:]))
		if err != nil {
			return EIOPacket{}, errorf(KindBase64, b, "%v", err)
		}
		return Bin(data), nil
	}
	t := EIOType(b[0])
	if t < EIOOpen || t > EIONoop {
		return EIOPacket{}, errorf(KindType, b, "unknown Engine.IO packet type %q", b[0])
	}
	return EIOPacket{Type: t, Data: append([]byte(nil), b[1:]...)}, nil
}

// EncodePayload joins packets into a polling request or response body.
func EncodePayload(ps ...EIOPacket) []byte {
	var buf bytes.Buffer
	for i, p := range ps {
		if i > 0 {
			buf.WriteByte(Separator)
		}
		buf.Write(EncodeText(p))
	}
	return buf.Bytes()
}

// DecodePayload splits a polling body into packets. Any bad element makes
// the whole payload an error, as the spec requires of servers.
func DecodePayload(b []byte) ([]EIOPacket, error) {
	if len(b) == 0 {
		return nil, errorf(KindEmpty, b, "empty payload")
	}
	var out []EIOPacket
	for part := range bytes.SplitSeq(b, []byte{Separator}) {
		p, err := DecodeText(part)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Open is the JSON body of an open packet.
type Open struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// DecodeOpen parses and checks an open packet's data: every field the v4
// spec lists must be present with the right JSON type.
func DecodeOpen(data []byte) (Open, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return Open{}, errorf(KindOpen, data, "not a JSON object: %v", err)
	}
	for _, field := range []string{"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"} {
		if _, ok := raw[field]; !ok {
			return Open{}, errorf(KindOpen, data, "missing %q", field)
		}
	}
	var o Open
	if err := json.Unmarshal(data, &o); err != nil {
		return Open{}, errorf(KindOpen, data, "wrong field type: %v", err)
	}
	if o.SID == "" {
		return Open{}, errorf(KindOpen, data, "empty sid")
	}
	if o.PingInterval <= 0 || o.PingTimeout <= 0 || o.MaxPayload <= 0 {
		return Open{}, errorf(KindOpen, data, "pingInterval, pingTimeout and maxPayload must be positive")
	}
	return o, nil
}
