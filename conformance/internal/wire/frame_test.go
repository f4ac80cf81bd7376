package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func TestReadFrameAcceptsValidFrames(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	for _, f := range []Frame{
		{Fin: true, Op: OpText, Payload: []byte("4hello")},
		{Fin: true, Op: OpBinary, Masked: true, Key: key, Payload: []byte{1, 2, 3, 4}},
		{Fin: false, Op: OpText, Payload: []byte("4hel")},
		{Fin: true, Op: OpContinuation, Payload: []byte("lo")},
		{Fin: true, Op: OpPing, Payload: []byte{}},
		{Fin: true, Op: OpClose, Payload: ClosePayload(1000, "bye")},
		{Fin: true, Op: OpBinary, Payload: bytes.Repeat([]byte{7}, 126)},
		{Fin: true, Op: OpBinary, Payload: bytes.Repeat([]byte{7}, 70000)},
	} {
		got, err := ReadFrame(bytes.NewReader(EncodeFrame(f)), 1<<20)
		if err != nil {
			t.Fatalf("%s of %d bytes: %v", f.Op, len(f.Payload), err)
		}
		if got.Fin != f.Fin || got.Op != f.Op || got.Masked != f.Masked || !bytes.Equal(got.Payload, f.Payload) {
			t.Fatalf("round trip changed the frame: %+v → %+v", f, got)
		}
	}
}

func TestReadFrameRejects(t *testing.T) {
	long := func(n uint64) []byte { return AppendHeader(nil, true, 0, OpBinary, false, [4]byte{}, n, Len64) }
	cases := []struct {
		name string
		in   []byte
		kind FrameErrorKind
	}{
		{"rsv1", AppendHeader(nil, true, RSV1, OpText, false, [4]byte{}, 0, Len7), FrameReserved},
		{"rsv3", AppendHeader(nil, true, RSV3, OpText, false, [4]byte{}, 0, Len7), FrameReserved},
		{"opcode 3", AppendHeader(nil, true, 0, 0x3, false, [4]byte{}, 0, Len7), FrameOpcode},
		{"opcode 0xB", AppendHeader(nil, true, 0, 0xB, false, [4]byte{}, 0, Len7), FrameOpcode},
		{"fragmented ping", AppendHeader(nil, false, 0, OpPing, false, [4]byte{}, 0, Len7), FrameControl},
		{"ping of 126", AppendHeader(nil, true, 0, OpPing, false, [4]byte{}, 126, Len16), FrameControl},
		{"top bit of 64-bit length", long(1<<63 | 5), FrameLength},
		{"5 in 16 bits", AppendHeader(nil, true, 0, OpText, false, [4]byte{}, 5, Len16), FrameNonMinimal},
		{"300 in 64 bits", long(300), FrameNonMinimal},
		{"over the limit", long(1 << 40), FrameTooBig},
		{"truncated header", []byte{0x81}, FrameTruncated},
		{"truncated payload", append(AppendHeader(nil, true, 0, OpText, false, [4]byte{}, 10, Len7), "abc"...), FrameTruncated},
		{"truncated key", AppendHeader(nil, true, 0, OpText, true, [4]byte{}, 4, Len7)[:4], FrameTruncated},
	}
	for _, tc := range cases {
		_, err := ReadFrame(bytes.NewReader(tc.in), 1<<20)
		var fe *FrameError
		if !errors.As(err, &fe) || fe.Kind != tc.kind {
			t.Errorf("%s: got %v, want a %s", tc.name, err, tc.kind)
		}
	}
	if _, err := ReadFrame(bytes.NewReader(nil), 10); err != io.EOF {
		t.Errorf("empty input: got %v, want io.EOF", err)
	}
}

func TestParseClose(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		code int
		kind FrameErrorKind
	}{
		{nil, CloseNoStatus, 0},
		{ClosePayload(1000, "ok"), 1000, 0},
		{ClosePayload(4999, ""), 4999, 0},
		{[]byte{3}, 0, FrameClosePayload},
		{ClosePayload(1005, ""), 1005, FrameCloseCode},
		{ClosePayload(999, ""), 999, FrameCloseCode},
		{ClosePayload(5000, ""), 5000, FrameCloseCode},
		{ClosePayload(1000, "\xff"), 1000, FrameUTF8},
	} {
		code, _, err := ParseClose(tc.in)
		var fe *FrameError
		switch {
		case tc.kind == 0 && err != nil, code != tc.code:
			t.Errorf("%x: code %d err %v, want %d", tc.in, code, err, tc.code)
		case tc.kind != 0 && (!errors.As(err, &fe) || fe.Kind != tc.kind):
			t.Errorf("%x: err %v, want %s", tc.in, err, tc.kind)
		}
	}
}

// FuzzReadFrame: the parser never panics, and since it accepts only the
// canonical encoding (minimal lengths), re-encoding what it accepted gives
// back exactly the bytes it consumed.
func FuzzReadFrame(f *testing.F) {
	f.Add(EncodeFrame(Frame{Fin: true, Op: OpText, Payload: []byte("4hello")}))
	f.Add(EncodeFrame(Frame{Fin: true, Op: OpBinary, Masked: true, Key: [4]byte{9, 8, 7, 6}, Payload: []byte{1, 2, 3}}))
	f.Add(EncodeFrame(Frame{Fin: true, Op: OpClose, Payload: ClosePayload(1009, "too big")}))
	f.Add(AppendHeader(nil, true, 0, OpBinary, false, [4]byte{}, 1<<63|1, Len64))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		fr, err := ReadFrame(r, 1<<16)
		if err != nil {
			return
		}
		consumed := data[:len(data)-r.Len()]
		again := EncodeFrame(fr)
		if !bytes.Equal(again, consumed) {
			t.Fatalf("re-encoding differs:\n in  %x\n out %x", consumed, again)
		}
		if fr.Op.IsControl() {
			if !fr.Fin || len(fr.Payload) > MaxControlPayload {
				t.Fatalf("accepted a bad control frame %+v", fr)
			}
		}
		if fr.Op == OpClose {
			_, _, _ = ParseClose(fr.Payload)
		}
	})
}

// FuzzParseClose: never panics; whatever it accepts carries a code that
// may be sent and re-encodes to the same payload.
func FuzzParseClose(f *testing.F) {
	f.Add(ClosePayload(1000, ""))
	f.Add(ClosePayload(1007, "bad utf-8"))
	f.Add([]byte{0x03, 0xED, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) {
		code, reason, err := ParseClose(p)
		if err != nil || len(p) == 0 {
			return
		}
		if !ValidCloseCode(code) {
			t.Fatalf("accepted code %d", code)
		}
		if !bytes.Equal(ClosePayload(code, reason), p) {
			t.Fatalf("re-encoding differs for %x", p)
		}
		if binary.BigEndian.Uint16(p) != uint16(code) {
			t.Fatalf("code %d from %x", code, p)
		}
	})
}
