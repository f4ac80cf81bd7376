package parser

import (
	"errors"
	"strconv"
	"testing"
)

// The properties of both fuzz targets: decoding never panics; every
// failure is a *DecodeError wrapping ErrInvalidPacket and leaves the decoder
// reset; every decoded packet re-encodes, and decoding that gives back an
// equal packet.

// FuzzDecode feeds a text message, then the binary attachments derived from
// blobs (see splitAttachments), then the text message again: this exercises
// text while attachments are pending and binary when nothing is.
func FuzzDecode(f *testing.F) {
	seeds := [][2]string{
		{`0`, ""},
		{`0{"token":"x"}`, ""},
		{`0/admin,{"token":"x"}`, ""},
		{`0/admin`, ""},
		{`1/admin,`, ""},
		{`2["hello",1]`, ""},
		{`2/admin,12["ev",{"a":[1,2.5,"x",null,true]}]`, ""},
		{`312["ok"]`, ""},
		{`4{"message":"Not authorized","data":{"a":1}}`, ""},
		{`4"Not authorized"`, ""},
		{`51-["up",{"_placeholder":true,"num":0}]`, "\x01\x01\x02\x03"},
		{`61-/admin,3[{"_placeholder":true,"num":0}]`, "\x01x"},
		{`52-["x",{"_placeholder":true,"num":1},{"k":{"_placeholder":true,"num":0}}]`, "\x02abcd"},
		{`51-["x",{"_placeholder":true,"num":0}]`, "\x00"},    // attachment missing
		{`51-["x",{"_placeholder":true,"num":0}]`, "\x03abc"}, // one too many
		{`2["x"]`, "\x01a"}, // binary when nothing pending
	}
	for _, s := range seeds {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, text, blobs []byte) {
		d := &Decoder{}
		feed(t, d, text, false)
		for _, a := range splitAttachments(blobs) {
			feed(t, d, a, true)
		}
		feed(t, d, text, false)
	})
}

// FuzzReconstruct builds a BINARY_EVENT (or BINARY_ACK) announcing count
// attachments, `5<count>-<rest>`, and feeds count attachments cut from
// blob.
func FuzzReconstruct(f *testing.F) {
	seeds := []struct {
		ack   bool
		count int
		rest  string
		blob  string
	}{
		{false, 1, `["up",{"_placeholder":true,"num":0}]`, "\x01\x02"},
		{true, 1, `/admin,3[{"_placeholder":true,"num":0}]`, "x"},
		{false, 2, `/n,7["m",{"_placeholder":true,"num":1},{"a":[{"_placeholder":true,"num":0}]}]`, "abcd"},
		{false, 0, `["z"]`, ""},
		{false, 1, `["x",{"_placeholder":true,"num":1}]`, "a"},
		{false, 1, `["x",{"_placeholder":true,"num":-1}]`, "a"},
		{false, 1, `["x",{"_placeholder":true,"num":1.5}]`, "a"},
		{false, 1, `["x",{"_placeholder":true,"num":"0"}]`, "a"},
		{false, 1, `["x",{"_placeholder":true}]`, "a"},
		{false, 2, `["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]`, "ab"},
		{false, 11, `["x"]`, "abcdefghijk"},
	}
	for _, s := range seeds {
		f.Add(s.ack, s.count, s.rest, []byte(s.blob))
	}
	f.Fuzz(func(t *testing.T, ack bool, count int, rest string, blob []byte) {
		count %= 16 // up to 15: past the default limit of 10
		if count < 0 {
			count = -count
		}
		typ := byte('0' + BinaryEvent)
		if ack {
			typ = '0' + byte(BinaryAck)
		}
		text := append([]byte{typ}, strconv.Itoa(count)...)
		text = append(append(text, '-'), rest...)
		d := &Decoder{}
		feed(t, d, text, false)
		for _, a := range cut(blob, count) {
			feed(t, d, a, true)
		}
	})
}

// feed adds one message and checks the fuzz properties on the outcome.
func feed(t *testing.T, d *Decoder, data []byte, binary bool) {
	t.Helper()
	p, err := d.Add(data, binary)
	switch {
	case err != nil:
		var de *DecodeError
		if !errors.As(err, &de) || !errors.Is(err, ErrInvalidPacket) {
			t.Fatalf("error %v (%T) is not a *DecodeError wrapping ErrInvalidPacket", err, err)
		}
		if de.Reason == "" || len(de.Input) > maxInputInError+len("...") {
			t.Fatalf("malformed DecodeError %#v", de)
		}
		if p != nil || d.pending != nil || d.attachments != nil {
			t.Fatalf("decoder not reset after error %v", err)
		}
	case p != nil:
		if p.Type.isBinary() || !p.Type.valid() || len(p.Namespace) == 0 || p.Namespace[0] != '/' {
			t.Fatalf("decoded an impossible packet %#v", p)
		}
		checkRoundTrip(t, p)
	}
}

// splitAttachments derives attachments from fuzz bytes: the first byte
// (mod 13, so past the default limit of 10) is the count, the rest is cut
// into that many pieces.
func splitAttachments(blobs []byte) [][]byte {
	if len(blobs) == 0 {
		return nil
	}
	return cut(blobs[1:], int(blobs[0])%13)
}

// cut splits b into n pieces of near-equal size (empty when b is short).
// Each piece is a fresh slice: the decoder takes ownership of attachments.
func cut(b []byte, n int) [][]byte {
	out := make([][]byte, n)
	for i := range n {
		piece := b[len(b)*i/n : len(b)*(i+1)/n]
		out[i] = append([]byte{}, piece...)
	}
	return out
}
