package parser

import (
	"bytes"
	"encoding/json"
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
		err := newDecodeError(ReasonUnexpectedText, data,
			strconv.Itoa(len(d.attachments))+" of "+strconv.Itoa(d.placeholders.n)+" attachments received")
		d.Reset()
		return nil, err
	}
	p, placeholders, err := decodeText(data, d.maxAttachments())
	if err != nil {
		return nil, err
	}
	if placeholders.n == 0 {
		return p, nil
	}
	d.pending = p
	d.placeholders = placeholders
	d.attachments = make([][]byte, 0, placeholders.n)
	return nil, nil
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
// For a binary packet, it also returns the index of its placeholders (n is
// the attachment count; 0 for any other packet).
func decodeText(data []byte, maxAttachments int) (*Packet, placeholderIndex, error) {
	fail := func(reason, detail string) (*Packet, placeholderIndex, error) {
		return nil, placeholderIndex{}, newDecodeError(reason, data, detail)
	}
	if len(data) == 0 {
		return fail(ReasonEmptyPacket, "")
	}
	if data[0] < '0' || data[0] > '0'+byte(BinaryAck) {
		return fail(ReasonUnknownType, "type "+strconv.Quote(string(data[:1])))
	}
	wireType := PacketType(data[0] - '0')
	i := 1

	// Attachment count, only on binary types: one or more digits and "-".
	attachments := 0
	if wireType.isBinary() {
		end := digitRun(data, i)
		switch {
		case end == i:
			return fail(ReasonIllegalAttachments, "missing attachment count")
		case end == len(data) || data[end] != '-':
			return fail(ReasonIllegalAttachments, `attachment count not followed by "-"`)
		case end-i > maxAttachmentDigits:
			return fail(ReasonTooManyAttachments, "attachment count of more than 9 digits")
		}
		attachments, _ = strconv.Atoi(string(data[i:end]))
		if attachments > maxAttachments {
			return fail(ReasonTooManyAttachments, strconv.Itoa(attachments)+" > "+strconv.Itoa(maxAttachments))
		}
		i = end + 1
	}

	// Namespace: from "/" to "," (consumed) or to the end of the message.
	namespace := "/"
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
			namespace = string(data[i:end])
			if !validNamespace(namespace) {
				return fail(ReasonIllegalNamespace, "control character or invalid UTF-8")
			}
		}
		i = next
	}

	// Ack id: a digit run, only on EVENT and ACK types.
	id := NoAckID
	if end := digitRun(data, i); end > i {
		switch {
		case !wireType.carriesAckID():
			return fail(ReasonInvalidAckID, wireType.String()+" cannot carry an ack id")
		case end-i > maxAckIDDigits:
			return fail(ReasonInvalidAckID, "more than 19 digits")
		}
		n, err := strconv.ParseInt(string(data[i:end]), 10, 64)
		if err != nil {
			return fail(ReasonInvalidAckID, "out of int64 range")
		}
		if end < len(data) && data[end] == '-' && !wireType.isBinary() {
			// `21-["x"]`: an attachment count on a non-binary type.
			return fail(ReasonIllegalAttachments, wireType.String()+" cannot carry attachments")
		}
		id, i = n, end
	}

	// Payload: exactly one JSON value, with optional surrounding JSON
	// whitespace (JSON.parse allows it).
	var payload any
	present := i < len(data)
	if present {
		var detail string
		payload, detail = parseJSON(data[i:])
		if detail != "" {
			return fail(ReasonInvalidJSON, detail)
		}
	}

	kind := wireType.textual()
	if reason, detail := checkDecodedPayload(kind, payload, present); reason != "" {
		return fail(reason, detail)
	}
	if kind == Ack && id == NoAckID {
		return fail(ReasonInvalidAckID, "ACK without ack id")
	}

	var placeholders placeholderIndex
	if wireType.isBinary() {
		placeholders.n = attachments
		if err := placeholders.collect(payload); err != nil {
			return fail(ReasonInvalidPlaceholder, err.Error())
		}
		if err := placeholders.complete(); err != nil {
			return fail(ReasonInvalidPlaceholder, err.Error())
		}
	}
	// In EVENT and ACK packets placeholder-like objects stay plain objects,
	// as in socket.io-parser (it reconstructs nothing then).

	return &Packet{Type: kind, Namespace: namespace, ID: id, Data: payload}, placeholders, nil
}

// digitRun returns the end of the run of ASCII digits starting at i.
func digitRun(data []byte, i int) int {
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	return i
}

// parseJSON decodes one JSON value (numbers as json.Number) that must span
// the whole input but for JSON whitespace. It returns a description of the
// problem instead of the value when the input is not that.
func parseJSON(input []byte) (any, string) {
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err.Error()
	}
	for _, c := range input[dec.InputOffset():] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return nil, "trailing data after the JSON value"
		}
	}
	return v, ""
}
