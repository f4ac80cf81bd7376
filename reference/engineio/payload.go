package engineio

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// recordSeparator joins the packets of a polling payload (ASCII RS).
const recordSeparator = 0x1e

// DecodePayload decodes the body of a polling request: text packets joined
// by 0x1e, binary messages as "b"+base64. The body must be valid UTF-8 and
// every segment a valid packet, so an empty body, an empty segment (two
// separators in a row, a trailing separator) or a bad packet fail the whole
// payload with an error that matches both ErrInvalidPayload and
// ErrInvalidPacket. Text Data aliases body.
func DecodePayload(body []byte) ([]Packet, error) {
	if len(body) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrInvalidPayload)
	}
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: %w: not UTF-8", ErrInvalidPayload, ErrInvalidPacket)
	}
	// Every packet takes at least one byte, so k separators need 2k+1
	// bytes: a body with more (a run of separators) is rejected before
	// anything is allocated, and the count below is at most len(body)/2+1.
	n := bytes.Count(body, []byte{recordSeparator}) + 1
	if 2*n-1 > len(body) {
		return nil, fmt.Errorf("%w: %w: empty segment", ErrInvalidPayload, ErrInvalidPacket)
	}
	packets := make([]Packet, 0, n)
	for i := 0; ; i++ {
		seg, rest, more := bytes.Cut(body, []byte{recordSeparator})
		p, err := decodeTextPacket(seg)
		if err != nil {
			return nil, fmt.Errorf("%w: segment %d: %w", ErrInvalidPayload, i, err)
		}
		packets = append(packets, p)
		if !more {
			return packets, nil
		}
		body = rest
	}
}

// AppendPayload appends the polling form of packets to dst: each packet's
// text form (see AppendPacket), joined by 0x1e.
func AppendPayload(dst []byte, packets []Packet) []byte {
	for i, p := range packets {
		if i > 0 {
			dst = append(dst, recordSeparator)
		}
		dst = AppendPacket(dst, p)
	}
	return dst
}
