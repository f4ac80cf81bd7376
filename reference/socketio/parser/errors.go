package parser

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// ErrInvalidPacket is wrapped by every decode failure: test for it with
// errors.Is(err, ErrInvalidPacket), or use errors.As with *DecodeError to
// learn the reason.
var ErrInvalidPacket = errors.New("socketio: invalid packet")

// ErrCannotEncode is wrapped by every Encode failure: a packet that a
// socket.io peer would reject (bad namespace, EVENT without a name...), or
// Data that encoding/json cannot marshal.
var ErrCannotEncode = errors.New("socketio: cannot encode packet")

// Reasons of a DecodeError. They are stable strings: compare
// DecodeError.Reason against these constants, not against Error().
const (
	ReasonEmptyPacket        = "empty packet"
	ReasonUnknownType        = "unknown packet type"
	ReasonIllegalAttachments = "illegal attachments"
	ReasonTooManyAttachments = "too many attachments"
	ReasonIllegalNamespace   = "illegal namespace"
	ReasonInvalidAckID       = "invalid ack id"
	ReasonInvalidJSON        = "invalid JSON"
	ReasonInvalidPayload     = "invalid payload"
	ReasonReservedEventName  = "reserved event name"
	ReasonInvalidPlaceholder = "invalid placeholder"
	ReasonUnexpectedBinary   = "unexpected binary attachment"
	ReasonUnexpectedText     = "unexpected text message"
)

// maxInputInError bounds DecodeError.Input, so that logging an error never
// copies a megabyte-long payload.
const maxInputInError = 64

// DecodeError is the error of every decode failure. It wraps
// ErrInvalidPacket.
type DecodeError struct {
	// Reason is one of the Reason* constants.
	Reason string
	// Input is the offending Engine.IO message, cut to 64 bytes (then
	// followed by "..."); for a binary message, a description of its size.
	Input string
	// Detail says more about the failure (the JSON syntax error, the
	// position...), for logs; it may be empty and its wording may change.
	Detail string
}

// Error returns "socketio: invalid packet: <reason> (<detail>): <input>".
func (e *DecodeError) Error() string {
	msg := ErrInvalidPacket.Error() + ": " + e.Reason
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg + ": " + strconv.Quote(e.Input)
}

// Unwrap returns ErrInvalidPacket.
func (e *DecodeError) Unwrap() error { return ErrInvalidPacket }

// newDecodeError builds the error for a text message (or the text part of a
// binary packet).
func newDecodeError(reason string, input []byte, detail string) *DecodeError {
	return &DecodeError{Reason: reason, Input: truncateInput(input), Detail: detail}
}

// newBinaryDecodeError builds the error for a binary message, which is
// described rather than quoted: its bytes are opaque.
func newBinaryDecodeError(reason string, size int, detail string) *DecodeError {
	input := "binary message of " + strconv.Itoa(size) + " bytes"
	return &DecodeError{Reason: reason, Input: input, Detail: detail}
}

func truncateInput(input []byte) string {
	if len(input) <= maxInputInError {
		return string(input)
	}
	cut := maxInputInError
	// Do not split a UTF-8 sequence: step back to the start of the rune
	// (at most 3 bytes).
	for i := 0; i < utf8.UTFMax-1 && cut > 0 && !utf8.RuneStart(input[cut]); i++ {
		cut--
	}
	return string(input[:cut]) + "..."
}

// encodeError wraps ErrCannotEncode with what is wrong with the packet.
type encodeError struct {
	msg string
	err error // the json.Marshal error, if any
}

func (e *encodeError) Error() string {
	msg := ErrCannotEncode.Error() + ": " + e.msg
	if e.err != nil {
		msg += ": " + e.err.Error()
	}
	return msg
}

// Unwrap returns ErrCannotEncode and, for a marshalling failure, the
// encoding/json error (so errors.As finds *json.UnsupportedTypeError...).
func (e *encodeError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrCannotEncode}
	}
	return []error{ErrCannotEncode, e.err}
}
