package codec

import "fmt"

// Kind classifies a decoding error.
type Kind int

const (
	// KindEmpty: no bytes where a packet was expected.
	KindEmpty Kind = iota + 1
	// KindType: an unknown packet type.
	KindType
	// KindNamespace: a namespace that does not start with "/" or is unterminated.
	KindNamespace
	// KindAckID: an ack id that is not a decimal number.
	KindAckID
	// KindJSON: a payload that is not valid JSON or not the JSON kind the
	// packet type requires.
	KindJSON
	// KindAttachments: a bad attachment count or placeholder.
	KindAttachments
	// KindBase64: a bad base64 body of a "b" packet.
	KindBase64
	// KindOpen: an open packet without the fields the spec requires.
	KindOpen
)

func (k Kind) String() string {
	switch k {
	case KindEmpty:
		return "empty"
	case KindType:
		return "packet type"
	case KindNamespace:
		return "namespace"
	case KindAckID:
		return "ack id"
	case KindJSON:
		return "json"
	case KindAttachments:
		return "attachments"
	case KindBase64:
		return "base64"
	case KindOpen:
		return "open packet"
	}
	return "unknown"
}

// Error is a decoding error.
type Error struct {
	Kind  Kind
	Input string // the offending input, truncated
	Msg   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("codec: %s: %s (input %q)", e.Kind, e.Msg, e.Input)
}

func errorf(kind Kind, input []byte, format string, args ...any) error {
	in := string(input)
	if len(in) > 80 {
		in = in[:80] + "…"
	}
	return &Error{Kind: kind, Input: in, Msg: fmt.Sprintf(format, args...)}
}
