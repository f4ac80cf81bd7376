package parser

import (
	"bytes"
	"strconv"
)

// DefaultMaxAttachments is the number of binary attachments a packet may
// announce when Decoder.MaxAttachments is 0, as in socket.io-parser 4.2.6.
const DefaultMaxAttachments = 10

// maxAckIDDigits bounds the ack id digit run: an int64 has at most 19
// digits, and a longer run is rejected before any arithmetic.
const maxAckIDDigits = 19

// maxAttachmentDigits bounds the attachment count digit run (a count above
// 999,999,999 is too many whatever MaxAttachments says).
const maxAttachmentDigits = 9

// Decoder reassembles packets from Engine.IO messages (text, then binary
// attachments). Not safe for concurrent use; one per connection.
//
// A Decoder holds at most one incomplete packet: the JSON of a binary packet
// and the attachments received so far, at most MaxAttachments of them, each
// as large as the Engine.IO layer allowed.
type Decoder struct {
	// MaxAttachments is the largest attachment count a binary packet may
	// announce: DefaultMaxAttachments (10) when 0, none when negative.
	MaxAttachments int

	pending      *Packet          // a binary packet awaiting attachments, or nil
	placeholders placeholderIndex // where pending's attachments go
	attachments  [][]byte         // the attachments received so far
}

// Add feeds one Engine.IO message. It returns a complete packet, or
// (nil, nil) while attachments are still expected, or an error (after which
// the decoder is reset and the connection should be closed).
//
// A binary message's data becomes part of the returned packet (a []byte in
// Data) without being copied: the caller must hand in a slice it no longer
// uses, as the Engine.IO layer does with each message it reads. A text
// message's data is not retained.
//
// BINARY_EVENT and BINARY_ACK packets are returned with Type Event and Ack,
// as socket.io-parser does: the attachments are []byte values in Data.
func (d *Decoder) Add(data []byte, binary bool) (*Packet, error) {
	if binary {
		return d.addAttachment(data)
	}
	if d.pending != nil {
		return nil, d.unexpectedText(data)
	}
	p, err := decodeText(data, d.maxAttachments(), &d.placeholders)
	if err != nil || d.placeholders.n == 0 {
		return p, err
	}
	d.pending = p
	d.attachments = make([][]byte, 0, d.placeholders.n)
	return nil, nil
}

// unexpectedText is the error of a text message while attachments are
// expected. Like the other error paths, it is kept out of the functions
// that every packet goes through, to keep their stack frames small.
//
//go:noinline
func (d *Decoder) unexpectedText(data []byte) error {
	err := newDecodeError(ReasonUnexpectedText, data,
		strconv.Itoa(len(d.attachments))+" of "+strconv.Itoa(d.placeholders.n)+" attachments received")
	d.Reset()
	return err
}

func (d *Decoder) addAttachment(data []byte) (*Packet, error) {
	if d.pending == nil {
		return nil, newBinaryDecodeError(ReasonUnexpectedBinary, len(data), "no binary packet awaits attachments")
	}
	d.attachments = append(d.attachments, data)
	if len(d.attachments) < d.placeholders.n {
		return nil, nil
	}
	d.placeholders.fill(d.attachments)
	p := d.pending
	d.Reset()
	return p, nil
}

// Reset drops the incomplete packet, if any: the next message must be a
// text one.
func (d *Decoder) Reset() {
	d.pending = nil
	d.placeholders = placeholderIndex{}
	d.attachments = nil
}

func (d *Decoder) maxAttachments() int {
	switch {
	case d.MaxAttachments == 0:
		return DefaultMaxAttachments
	case d.MaxAttachments < 0:
		return 0
	}
	return d.MaxAttachments
}

// decodeText decodes the text form of a packet:
//
//	<type>[<attachments>-][<namespace>,][<ack id>][JSON payload]
//
// For a binary packet, it also fills in the index of its placeholders (n
// is the attachment count; it stays 0 for any other packet, and on error).
//
// The stack it needs is that of its own frame plus the deepest of the
// functions it calls one after the other (parseHeader, parseJSON,
// checkDecodedPayload...): their frames do not add up. Every error is
// built in a separate function, so that the strings and conversions of the
// error paths do not enlarge this frame.
func decodeText(data []byte, maxAttachments int, placeholders *placeholderIndex) (*Packet, error) {
	h, reason, detail := parseHeader(data, maxAttachments)
	if reason != "" {
		return decodeFailure(reason, data, detail)
	}

	// Payload: exactly one JSON value, with optional surrounding JSON
	// whitespace (JSON.parse allows it).
	var payload any
	present := h.payload < len(data)
	if present {
		payload, detail = parseJSON(data[h.payload:])
		if detail != "" {
			return decodeFailure(ReasonInvalidJSON, data, detail)
		}
	}

	kind := h.wireType.textual()
	if reason, detail := checkDecodedPayload(kind, payload, present); reason != "" {
		return decodeFailure(reason, data, detail)
	}
	if kind == Ack && h.id == NoAckID {
		return decodeFailure(ReasonInvalidAckID, data, "ACK without ack id")
	}

	if h.wireType.isBinary() {
		if err := collectPlaceholders(placeholders, payload, h.attachments); err != nil {
			return decodeFailure(ReasonInvalidPlaceholder, data, err.Error())
		}
	}
	// In EVENT and ACK packets placeholder-like objects stay plain objects,
	// as in socket.io-parser (it reconstructs nothing then).

	return &Packet{Type: kind, Namespace: h.namespace, ID: h.id, Data: payload}, nil
}

// collectPlaceholders indexes the placeholders of a binary packet
// announcing n attachments into x, which is left empty on error.
func collectPlaceholders(x *placeholderIndex, payload any, n int) error {
	x.n = n
	err := x.collect(payload)
	if err == nil {
		err = x.complete()
	}
	if err != nil {
		*x = placeholderIndex{}
	}
	return err
}

//go:noinline
func decodeFailure(reason string, data []byte, detail string) (*Packet, error) {
	return nil, newDecodeError(reason, data, detail)
}

// textHeader is what precedes the payload in the text form of a packet.
type textHeader struct {
	wireType    PacketType
	attachments int // on binary types
	namespace   string
	id          int64
	payload     int // where the payload starts (len(data) when absent)
}

// parseHeader parses `<type>[<attachments>-][<namespace>,][<ack id>]`, or
// returns the reason and detail of a DecodeError.
func parseHeader(data []byte, maxAttachments int) (h textHeader, reason, detail string) {
	if len(data) == 0 {
		return h, ReasonEmptyPacket, ""
	}
	if data[0] < '0' || data[0] > '0'+byte(BinaryAck) {
		return h, ReasonUnknownType, "type " + strconv.Quote(string(data[:1]))
	}
	h.wireType = PacketType(data[0] - '0')
	i := 1

	// Attachment count, only on binary types: one or more digits and "-".
	if h.wireType.isBinary() {
		end := digitRun(data, i)
		switch {
		case end == i:
			return h, ReasonIllegalAttachments, "missing attachment count"
		case end == len(data) || data[end] != '-':
			return h, ReasonIllegalAttachments, `attachment count not followed by "-"`
		case end-i > maxAttachmentDigits:
			return h, ReasonTooManyAttachments, "attachment count of more than 9 digits"
		}
		h.attachments, _ = strconv.Atoi(string(data[i:end]))
		if h.attachments < 1 {
			// A binary packet exists to carry attachments; socket.io-parser
			// 4.2.7 rejects a count below 1 as well.
			return h, ReasonIllegalAttachments, "a binary packet with no attachment"
		}
		if h.attachments > maxAttachments {
			return h, ReasonTooManyAttachments, strconv.Itoa(h.attachments) + " > " + strconv.Itoa(maxAttachments)
		}
		i = end + 1
	}

	// Namespace: from "/" to "," (consumed) or to the end of the message.
	h.namespace = "/"
	if i < len(data) && data[i] == '/' {
		end := bytes.IndexByte(data[i:], ',')
		next := len(data)
		if end < 0 {
			end = len(data)
		} else {
			end += i
			next = end + 1
		}
		if end-i > 1 {
			h.namespace = string(data[i:end])
			if !validNamespace(h.namespace) {
				return h, ReasonIllegalNamespace, "control character or invalid UTF-8"
			}
		}
		i = next
	}

	// Ack id: a digit run, only on EVENT and ACK types.
	h.id = NoAckID
	if end := digitRun(data, i); end > i {
		switch {
		case !h.wireType.carriesAckID():
			return h, ReasonInvalidAckID, h.wireType.String() + " cannot carry an ack id"
		case end-i > maxAckIDDigits:
			return h, ReasonInvalidAckID, "more than 19 digits"
		}
		n, err := strconv.ParseInt(string(data[i:end]), 10, 64)
		if err != nil {
			return h, ReasonInvalidAckID, "out of int64 range"
		}
		if end < len(data) && data[end] == '-' && !h.wireType.isBinary() {
			// `21-["x"]`: an attachment count on a non-binary type.
			return h, ReasonIllegalAttachments, h.wireType.String() + " cannot carry attachments"
		}
		h.id, i = n, end
	}
	h.payload = i
	return h, "", ""
}

// digitRun returns the end of the run of ASCII digits starting at i.
func digitRun(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}

// parseJSON decodes one JSON value (numbers as json.Number) that must span
// the whole input but for JSON whitespace, and nests at most maxJSONDepth
// levels. It returns a description of the problem instead of the value
// when the input is not that. See jsondecode.go: the result is what
// encoding/json's Decoder with UseNumber gives.
func parseJSON(input []byte) (any, string) {
	return decodeJSON(input)
}
