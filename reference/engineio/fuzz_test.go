package engineio

import (
	"bytes"
	"strings"
	"testing"
)

// Seeds shared by both targets, besides the committed corpus in
// testdata/fuzz/.
var fuzzSeeds = []string{
	"4hello", "4", "1", "2probe", "3probe", "5", "6", `0{"sid":"abc"}`,
	"bAQIDBA==", "b", "bAQ", "b!!", "b====", "bAQIDBA==\n",
	"4hello\x1e2\x1e4world", "4a\x1ebAQI=", "4a\x1e", "\x1e", "\x1e\x1e\x1e",
	"", "abc", "7", "4\xff", "4\xc0\xaf", "4é€", "\x00",
	strings.Repeat("4x\x1e", 100) + "4x",
}

// FuzzDecodePacket: decoding never panics, always yields a valid type, a
// binary frame is a binary message as is, and a decoded packet survives
// AppendPacket and DecodePacket unchanged (byte for byte for the digit
// forms; base64 may be written differently but means the same bytes).
func FuzzDecodePacket(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, binary bool) {
		orig := bytes.Clone(data)
		p, err := DecodePacket(data, binary)
		if !bytes.Equal(orig, data) {
			t.Fatal("DecodePacket modified its input")
		}
		if err != nil {
			if binary {
				t.Fatalf("a binary frame failed: %v", err)
			}
			return
		}
		if !p.Type.Valid() {
			t.Fatalf("invalid type %q", p.Type)
		}
		if binary && (!p.Binary || p.Type != PacketMessage || !bytes.Equal(p.Data, data)) {
			t.Fatalf("binary frame decoded as %+v", p)
		}
		if p.Binary && p.Type != PacketMessage {
			t.Fatalf("binary %v packet", p.Type)
		}
		enc := AppendPacket(nil, p)
		if !binary && !p.Binary && !bytes.Equal(enc, data) {
			t.Fatalf("re-encoded %q as %q", data, enc)
		}
		q, err := DecodePacket(enc, false)
		if err != nil {
			t.Fatalf("re-encoded packet %q does not decode: %v", enc, err)
		}
		requireSamePacket(t, p, q)
	})
}

// FuzzDecodePayload: decoding never panics; a decoded payload has at
// least one packet, no text packet holds a separator, and AppendPayload
// then DecodePayload gives the same packets.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		packets, err := DecodePayload(body)
		if err != nil {
			if packets != nil {
				t.Fatal("packets returned with an error")
			}
			return
		}
		if len(packets) == 0 {
			t.Fatal("no packet and no error")
		}
		for _, p := range packets {
			if !p.Type.Valid() {
				t.Fatalf("invalid type %q", p.Type)
			}
			if !p.Binary && bytes.IndexByte(p.Data, recordSeparator) >= 0 {
				t.Fatalf("separator inside a packet: %q", p.Data)
			}
		}
		enc := AppendPayload(nil, packets)
		again, err := DecodePayload(enc)
		if err != nil {
			t.Fatalf("re-encoded payload %q does not decode: %v", enc, err)
		}
		if len(again) != len(packets) {
			t.Fatalf("%d packets became %d", len(packets), len(again))
		}
		for i := range packets {
			requireSamePacket(t, packets[i], again[i])
		}
	})
}

func requireSamePacket(t *testing.T, a, b Packet) {
	t.Helper()
	if a.Type != b.Type || a.Binary != b.Binary || !bytes.Equal(a.Data, b.Data) {
		t.Fatalf("packet changed: %+v became %+v", a, b)
	}
}
