package wire

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Opcode is a WebSocket frame opcode (RFC 6455 §5.2).
type Opcode byte

// The opcodes RFC 6455 defines; the others are reserved.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

func (o Opcode) String() string {
	switch o {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return fmt.Sprintf("reserved(0x%X)", byte(o))
}

// IsControl reports whether o is a control opcode (high bit set).
func (o Opcode) IsControl() bool { return o&0x8 != 0 }

func (o Opcode) defined() bool {
	switch o {
	case OpContinuation, OpText, OpBinary, OpClose, OpPing, OpPong:
		return true
	}
	return false
}

// The reserved bits, as they sit in Frame.RSV.
const (
	RSV1 byte = 0x4
	RSV2 byte = 0x2
	RSV3 byte = 0x1
)

// MaxControlPayload is the largest payload of a control frame (§5.5).
const MaxControlPayload = 125

// Frame is one WebSocket frame; Payload is always the unmasked data.
type Frame struct {
	Fin     bool
	RSV     byte // 3 bits: RSV1|RSV2|RSV3
	Op      Opcode
	Masked  bool
	Key     [4]byte
	Payload []byte
}

// LengthForm chooses how AppendHeader writes the payload length.
type LengthForm int

const (
	// LenMinimal is the form RFC 6455 requires: 7 bits up to 125, then 16,
	// then 64 bits.
	LenMinimal LengthForm = iota
	// Len7, Len16 and Len64 force a form, even a wrong one (the value is
	// truncated to the field): for hostile frames.
	Len7
	Len16
	Len64
)

// AppendHeader appends a frame header declaring length bytes of payload,
// in the given form; the length may lie and the 64-bit form may set its
// most significant bit, which RFC 6455 forbids (hostile cases).
func AppendHeader(dst []byte, fin bool, rsv byte, op Opcode, masked bool, key [4]byte, length uint64, form LengthForm) []byte {
	b0 := byte(op&0xF) | (rsv&0x7)<<4
	if fin {
		b0 |= 0x80
	}
	var b1 byte
	if masked {
		b1 = 0x80
	}
	if form == LenMinimal {
		switch {
		case length <= 125:
			form = Len7
		case length <= 0xFFFF:
			form = Len16
		default:
			form = Len64
		}
	}
	switch form {
	case Len7:
		dst = append(dst, b0, b1|byte(length&0x7F))
	case Len16:
		dst = append(dst, b0, b1|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(length))
	default:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, length)
	}
	if masked {
		dst = append(dst, key[:]...)
	}
	return dst
}

// EncodeFrame encodes f with the minimal length form, masking the payload
// with f.Key when f.Masked.
func EncodeFrame(f Frame) []byte {
	out := AppendHeader(make([]byte, 0, 14+len(f.Payload)), f.Fin, f.RSV, f.Op, f.Masked, f.Key, uint64(len(f.Payload)), LenMinimal)
	start := len(out)
	out = append(out, f.Payload...)
	if f.Masked {
		maskBytes(out[start:], f.Key)
	}
	return out
}

// maskBytes applies (or removes) the masking of §5.3 in place.
func maskBytes(b []byte, key [4]byte) {
	for i := range b {
		b[i] ^= key[i&3]
	}
}

// NewMaskKey returns a fresh random masking key, as §5.3 requires of
// clients ("unpredictable").
func NewMaskKey() [4]byte {
	var k [4]byte
	_, _ = rand.Read(k[:])
	return k
}

// FrameErrorKind classifies what is wrong with a received frame.
type FrameErrorKind int

const (
	// FrameTruncated: the stream ended inside a frame.
	FrameTruncated FrameErrorKind = iota + 1
	// FrameReserved: a reserved bit is set with no extension negotiated.
	FrameReserved
	// FrameOpcode: a reserved opcode.
	FrameOpcode
	// FrameControl: a control frame fragmented or over 125 bytes.
	FrameControl
	// FrameLength: a 64-bit length with its most significant bit set.
	FrameLength
	// FrameNonMinimal: a length not written in its minimal form.
	FrameNonMinimal
	// FrameTooBig: a payload over the reader's limit.
	FrameTooBig
	// FrameClosePayload: a Close payload of one byte.
	FrameClosePayload
	// FrameCloseCode: a Close status code RFC 6455 does not allow on the wire.
	FrameCloseCode
	// FrameUTF8: a text message or close reason that is not valid UTF-8.
	FrameUTF8
)

func (k FrameErrorKind) String() string {
	switch k {
	case FrameTruncated:
		return "truncated frame"
	case FrameReserved:
		return "reserved bits set"
	case FrameOpcode:
		return "reserved opcode"
	case FrameControl:
		return "bad control frame"
	case FrameLength:
		return "length with the most significant bit set"
	case FrameNonMinimal:
		return "length not in minimal form"
	case FrameTooBig:
		return "payload over the limit"
	case FrameClosePayload:
		return "bad close payload"
	case FrameCloseCode:
		return "bad close code"
	case FrameUTF8:
		return "invalid UTF-8"
	}
	return "unknown"
}

// FrameError reports a frame RFC 6455 does not allow.
type FrameError struct {
	Kind FrameErrorKind
	Msg  string
	Err  error // the underlying read error, for FrameTruncated
}

func (e *FrameError) Error() string {
	if e.Msg == "" {
		return "websocket frame: " + e.Kind.String()
	}
	return "websocket frame: " + e.Kind.String() + ": " + e.Msg
}

func (e *FrameError) Unwrap() error { return e.Err }

// ReadFrame reads one frame from r and checks it against RFC 6455 §5.2
// strictly (no extension is ever negotiated by this harness): reserved
// bits, reserved opcodes, control frames (§5.5), minimal length forms and
// the most significant bit of 64-bit lengths. A payload over limit bytes is
// FrameTooBig, detected before it is read. It returns io.EOF when r ends
// exactly at a frame boundary, a *FrameError for anything malformed, or the
// read error of r. Masked frames are accepted and unmasked: whether the peer
// may mask is the caller's rule (§5.1).
func ReadFrame(r io.Reader, limit uint64) (Frame, error) {
	var hdr [2]byte
	if n, err := io.ReadFull(r, hdr[:]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return Frame{}, io.EOF
		}
		return Frame{}, truncated(err)
	}
	f := Frame{Fin: hdr[0]&0x80 != 0, RSV: (hdr[0] >> 4) & 0x7, Op: Opcode(hdr[0] & 0xF), Masked: hdr[1]&0x80 != 0}
	length := uint64(hdr[1] & 0x7F)
	switch length {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return Frame{}, truncated(err)
		}
		length = uint64(binary.BigEndian.Uint16(ext[:]))
		if length <= 125 {
			return Frame{}, &FrameError{Kind: FrameNonMinimal, Msg: fmt.Sprintf("%d in the 16-bit form", length)}
		}
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return Frame{}, truncated(err)
		}
		length = binary.BigEndian.Uint64(ext[:])
		if length>>63 != 0 {
			return Frame{}, &FrameError{Kind: FrameLength, Msg: fmt.Sprintf("0x%016X", length)}
		}
		if length <= 0xFFFF {
			return Frame{}, &FrameError{Kind: FrameNonMinimal, Msg: fmt.Sprintf("%d in the 64-bit form", length)}
		}
	}
	switch {
	case f.RSV != 0:
		return Frame{}, &FrameError{Kind: FrameReserved, Msg: fmt.Sprintf("RSV=%03b", f.RSV)}
	case !f.Op.defined():
		return Frame{}, &FrameError{Kind: FrameOpcode, Msg: f.Op.String()}
	case f.Op.IsControl() && !f.Fin:
		return Frame{}, &FrameError{Kind: FrameControl, Msg: "fragmented " + f.Op.String()}
	case f.Op.IsControl() && length > MaxControlPayload:
		return Frame{}, &FrameError{Kind: FrameControl, Msg: fmt.Sprintf("%s of %d bytes", f.Op, length)}
	case length > limit:
		return Frame{}, &FrameError{Kind: FrameTooBig, Msg: fmt.Sprintf("%d bytes, limit %d", length, limit)}
	}
	if f.Masked {
		if _, err := io.ReadFull(r, f.Key[:]); err != nil {
			return Frame{}, truncated(err)
		}
	}
	// Read by copying, not by allocating the declared length up front: a
	// peer that declares megabytes and sends nothing costs nothing.
	var buf bytes.Buffer
	buf.Grow(int(min(length, 64<<10)))
	if _, err := io.CopyN(&buf, r, int64(length)); err != nil {
		return Frame{}, truncated(err)
	}
	f.Payload = buf.Bytes()
	if f.Masked {
		maskBytes(f.Payload, f.Key)
	}
	if f.Payload == nil {
		f.Payload = []byte{}
	}
	return f, nil
}

func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &FrameError{Kind: FrameTruncated, Err: io.ErrUnexpectedEOF}
	}
	return err
}

// ClosePayload builds the payload of a Close frame: a big-endian status
// code, then the reason. Any code is written, valid or not (hostile cases).
func ClosePayload(code int, reason string) []byte {
	out := binary.BigEndian.AppendUint16(nil, uint16(code))
	return append(out, reason...)
}

// ValidCloseCode reports whether code may appear in a Close frame
// (RFC 6455 §7.4.1 and the IANA registry): 1000–1003, 1007–1014 and
// 3000–4999. 1004 is reserved; 1005, 1006 and 1015 must never be sent.
func ValidCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014, code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// ParseClose decodes a Close payload: an empty one means no status (1005);
// otherwise a two-byte valid code and a UTF-8 reason (§5.5.1, §7.4).
func ParseClose(p []byte) (code int, reason string, err error) {
	switch {
	case len(p) == 0:
		return CloseNoStatus, "", nil
	case len(p) == 1:
		return 0, "", &FrameError{Kind: FrameClosePayload, Msg: "one byte"}
	}
	code = int(binary.BigEndian.Uint16(p))
	reason = string(p[2:])
	if !ValidCloseCode(code) {
		return code, reason, &FrameError{Kind: FrameCloseCode, Msg: fmt.Sprint(code)}
	}
	if !utf8.ValidString(reason) {
		return code, reason, &FrameError{Kind: FrameUTF8, Msg: "close reason"}
	}
	return code, reason, nil
}
