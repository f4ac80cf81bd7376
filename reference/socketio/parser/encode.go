package parser

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"
)

// encodeBuffer is a reusable output buffer, with a json.Encoder appending
// to it for the values the hand-written encoder leaves to encoding/json
// (see jsonencode.go). Encode runs once per broadcast; pooling it keeps
// the usual packet at one allocation, the returned text.
type encodeBuffer struct {
	out   []byte
	pairs []mapEntry // the sorted entries of the maps being written
	enc   *json.Encoder
}

// maxPooledBuffer keeps a rare huge packet from pinning its buffer in the
// pool for the life of the process.
const maxPooledBuffer = 64 << 10

// maxPooledPairs does the same for the map entries.
const maxPooledPairs = 1024

var encodeBuffers = sync.Pool{New: func() any {
	b := new(encodeBuffer)
	b.enc = json.NewEncoder(b)
	// JSON.stringify does not escape <, > and &; neither do we, so a
	// message reads the same on both sides and costs no extra bytes.
	b.enc.SetEscapeHTML(false)
	return b
}}

// Encode returns the text form and the binary attachments (nil when none),
// e.g. `2["hello",1]`, `51-/admin,7["up",{"_placeholder":true,"num":0}]`.
// The namespace "/" is omitted; a non-root namespace is followed by ",".
// Strings are JSON-encoded without HTML escaping (as JSON.stringify does).
//
// EVENT and BINARY_EVENT are one kind for Encode: the binary form is chosen
// when Data holds a []byte (see Packet), the plain form otherwise; likewise
// ACK and BINARY_ACK. The attachments are the caller's []byte values
// themselves, not copies: do not modify them until they are sent. p is
// never modified.
//
// Encode refuses (with an error wrapping ErrCannotEncode) any packet that
// the decoder of this package, and so socket.io, would reject: the rules
// are in the package documentation.
func Encode(p *Packet) (text []byte, attachments [][]byte, err error) {
	if !p.Type.valid() {
		return nil, nil, &encodeError{msg: "unknown packet type " + p.Type.String()}
	}
	kind := p.Type.textual()
	if err := checkNamespace(p.Namespace); err != nil {
		return nil, nil, err
	}
	id := NoAckID
	if kind == Event || kind == Ack {
		id = p.ID
		if id < NoAckID || (kind == Ack && id == NoAckID) {
			return nil, nil, &encodeError{msg: kind.String() + " with ack id " + strconv.FormatInt(p.ID, 10)}
		}
	}

	data := p.Data
	if kind == Event || kind == Ack {
		found, err := hasBinary(data, 0)
		if err != nil {
			return nil, nil, err
		}
		if found {
			var d deconstructor
			data, _, err = d.deconstruct(data, 0)
			if err != nil {
				return nil, nil, err
			}
			attachments = d.attachments
		}
	}

	b := encodeBuffers.Get().(*encodeBuffer)
	defer b.release()
	b.out = appendHeader(b.out, kind, len(attachments) > 0, len(attachments), p.Namespace, id)
	if err := b.writePayload(kind, data); err != nil {
		return nil, nil, err
	}
	return bytes.Clone(b.out), attachments, nil
}

func (b *encodeBuffer) release() {
	clear(b.pairs) // left over by a failed encode
	b.out, b.pairs = b.out[:0], b.pairs[:0]
	if cap(b.out) > maxPooledBuffer {
		return
	}
	if cap(b.pairs) > maxPooledPairs {
		b.pairs = nil
	}
	encodeBuffers.Put(b)
}

// appendHeader appends `<type>[<attachments>-][<namespace>,][<ack id>]`.
func appendHeader(dst []byte, kind PacketType, binary bool, attachments int, namespace string, id int64) []byte {
	t := kind
	if binary {
		t = BinaryEvent
		if kind == Ack {
			t = BinaryAck
		}
	}
	dst = append(dst, '0'+byte(t))
	if binary {
		dst = strconv.AppendInt(dst, int64(attachments), 10)
		dst = append(dst, '-')
	}
	if namespace != "" && namespace != "/" {
		dst = append(dst, namespace...)
		dst = append(dst, ',')
	}
	if id >= 0 {
		dst = strconv.AppendInt(dst, id, 10)
	}
	return dst
}

// writePayload appends the JSON form of data and checks it against the
// rules of the packet type (on the marshalled bytes, so that typed values,
// structs and json.Marshaler implementations are checked like []any).
func (b *encodeBuffer) writePayload(kind PacketType, data any) error {
	start := len(b.out)
	if data != nil {
		if err := b.value(data, 0); err != nil {
			return err
		}
	}
	payload := b.out[start:]
	if string(payload) == "null" {
		// A nil map or slice: JSON.stringify's callers never send null,
		// and socket.io-parser skips a null payload, so write none.
		b.out = b.out[:start]
		payload = nil
	}
	if len(payload) == 0 && kind == Ack {
		// An acknowledgement without arguments.
		b.out = append(b.out, "[]"...)
		return nil
	}
	return checkEncodedPayload(kind, payload)
}

// checkEncodedPayload applies the decoder's per-type rules to a marshalled
// payload (nil when absent). encoding/json output is compact, so the first
// byte tells the JSON kind.
func checkEncodedPayload(kind PacketType, payload []byte) error {
	first := byte(0)
	if len(payload) > 0 {
		first = payload[0]
	}
	switch kind {
	case Connect:
		if first == 0 || first == '{' {
			return nil
		}
		return &encodeError{msg: "CONNECT data must be absent or a JSON object"}
	case Disconnect:
		if first == 0 {
			return nil
		}
		return &encodeError{msg: "DISCONNECT must not carry data"}
	case ConnectError:
		if first == '{' || first == '"' {
			return nil
		}
		return &encodeError{msg: "CONNECT_ERROR data must be a JSON object or a string"}
	case Ack:
		if first == '[' {
			return nil
		}
		return &encodeError{msg: "ACK data must be a JSON array"}
	default: // Event
		return checkEncodedEventName(payload)
	}
}

// checkEncodedEventName checks that an EVENT payload is an array whose
// first element is a string that is not a reserved event name.
func checkEncodedEventName(payload []byte) error {
	if len(payload) < 2 || payload[0] != '[' {
		return &encodeError{msg: "EVENT data must be a JSON array starting with the event name"}
	}
	if payload[1] != '"' {
		return &encodeError{msg: "EVENT data must start with the event name, a string"}
	}
	end, escaped := 2, false
	for end < len(payload) && payload[end] != '"' {
		if payload[end] == '\\' {
			escaped = true
			end++
		}
		end++
	}
	if end >= len(payload) {
		return &encodeError{msg: "EVENT name is an unterminated string"}
	}
	name := payload[2:end]
	if escaped {
		// Rare (a name with a quote or a control character): let
		// encoding/json undo the escapes.
		var s string
		if err := json.Unmarshal(payload[1:end+1], &s); err != nil {
			return &encodeError{msg: "EVENT name", err: err}
		}
		name = []byte(s)
	}
	for _, r := range reservedEvents {
		if string(name) == r {
			return &encodeError{msg: strconv.Quote(r) + " is a reserved event name"}
		}
	}
	return nil
}

// checkNamespace applies the decoder's namespace rules ("" stands for "/").
func checkNamespace(namespace string) error {
	if namespace == "" || validNamespace(namespace) {
		return nil
	}
	return &encodeError{msg: "illegal namespace " + strconv.Quote(namespace) +
		`: it must start with "/" and hold no ",", control character or invalid UTF-8`}
}

// validNamespace reports whether ns can be a namespace on the wire: it
// starts with "/" (that is how the decoder knows a namespace follows the
// type), holds no "," (which ends it), and no control character or invalid
// UTF-8 (no socket.io client produces them: namespaces come from URL paths).
func validNamespace(ns string) bool {
	if len(ns) == 0 || ns[0] != '/' {
		return false
	}
	for i, r := range ns {
		switch {
		case r == ',', r < 0x20, r >= 0x7f && r <= 0x9f: // C0, DEL, C1
			return false
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(ns[i:]); size == 1 {
				return false // an invalid byte, not a real U+FFFD
			}
		}
	}
	return true
}
