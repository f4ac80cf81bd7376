package codec

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// SIOType is a Socket.IO packet type.
type SIOType byte

// The Socket.IO v5 packet types.
const (
	SIOConnect      SIOType = 0
	SIODisconnect   SIOType = 1
	SIOEvent        SIOType = 2
	SIOAck          SIOType = 3
	SIOConnectError SIOType = 4
	SIOBinaryEvent  SIOType = 5
	SIOBinaryAck    SIOType = 6
)

func (t SIOType) String() string {
	return [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK", "INVALID"}[min(int(t), 7)]
}

// SIOPacket is one Socket.IO packet as it travels in an Engine.IO message:
// the text part, plus the number of binary attachments that follow it.
type SIOPacket struct {
	Type        SIOType
	Namespace   string // "/" when absent on the wire
	ID          *uint64
	Data        json.RawMessage // nil when absent
	Attachments int
}

// Ack returns a pointer to id, for SIOPacket.ID.
func Ack(id uint64) *uint64 { return &id }

// EncodeSIO writes p in the text form of the v5 spec:
// type [attachments "-"] [namespace ","] [ack id] [JSON].
func EncodeSIO(p SIOPacket) []byte {
	var b []byte
	b = append(b, '0'+byte(p.Type))
	if p.Type == SIOBinaryEvent || p.Type == SIOBinaryAck {
		b = strconv.AppendInt(b, int64(p.Attachments), 10)
		b = append(b, '-')
	}
	if p.Namespace != "" && p.Namespace != "/" {
		b = append(b, p.Namespace...)
		b = append(b, ',')
	}
	if p.ID != nil {
		b = strconv.AppendUint(b, *p.ID, 10)
	}
	return append(b, p.Data...)
}

// DecodeSIO parses the text part of a Socket.IO packet and checks that its
// payload has the JSON kind its type requires.
func DecodeSIO(in []byte) (SIOPacket, error) {
	if len(in) == 0 {
		return SIOPacket{}, errorf(KindEmpty, in, "empty Socket.IO packet")
	}
	p := SIOPacket{Type: SIOType(in[0] - '0'), Namespace: "/"}
	if in[0] < '0' || p.Type > SIOBinaryAck {
		return SIOPacket{}, errorf(KindType, in, "unknown Socket.IO packet type %q", in[0])
	}
	rest := in[1:]
	if p.Type == SIOBinaryEvent || p.Type == SIOBinaryAck {
		dash := bytes.IndexByte(rest, '-')
		n, err := strconv.Atoi(string(rest[:max(dash, 0)]))
		if dash <= 0 || err != nil || n < 0 {
			return SIOPacket{}, errorf(KindAttachments, in, "missing or bad attachment count")
		}
		p.Attachments, rest = n, rest[dash+1:]
	}
	if len(rest) > 0 && rest[0] == '/' {
		end := bytes.IndexByte(rest, ',')
		if end < 0 {
			end = len(rest)
		}
		p.Namespace, rest = string(rest[:end]), rest[min(end+1, len(rest)):]
	}
	digits := 0
	for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '9' {
		digits++
	}
	if digits > 0 {
		id, err := strconv.ParseUint(string(rest[:digits]), 10, 64)
		if err != nil {
			return SIOPacket{}, errorf(KindAckID, in, "%v", err)
		}
		p.ID, rest = &id, rest[digits:]
	}
	if len(rest) > 0 {
		if !json.Valid(rest) {
			return SIOPacket{}, errorf(KindJSON, in, "payload is not valid JSON")
		}
		p.Data = append(json.RawMessage(nil), rest...)
	}
	return p, checkPayload(p, in)
}

// checkPayload enforces the payload kind each packet type carries.
func checkPayload(p SIOPacket, in []byte) error {
	first := byte(0)
	if len(p.Data) > 0 {
		first = p.Data[0]
	}
	switch p.Type {
	case SIOConnect:
		if p.Data != nil && first != '{' {
			return errorf(KindJSON, in, "CONNECT payload must be an object")
		}
	case SIODisconnect:
		if p.Data != nil {
			return errorf(KindJSON, in, "DISCONNECT carries no payload")
		}
	case SIOConnectError:
		if first != '{' {
			return errorf(KindJSON, in, "CONNECT_ERROR payload must be an object")
		}
	case SIOEvent, SIOBinaryEvent:
		var args []json.RawMessage
		if first != '[' || json.Unmarshal(p.Data, &args) != nil || len(args) == 0 || len(args[0]) == 0 || args[0][0] != '"' {
			return errorf(KindJSON, in, "EVENT payload must be an array starting with the event name")
		}
	case SIOAck, SIOBinaryAck:
		if first != '[' || p.ID == nil {
			return errorf(KindJSON, in, "ACK needs an id and an array payload")
		}
	}
	return nil
}
