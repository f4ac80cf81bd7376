package parser

import (
	"strings"
	"testing"
)

func BenchmarkEncodeEvent(b *testing.B) {
	p := &Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"chat message", map[string]any{"user": "alice", "text": "hello <world>", "ts": 1700000000}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Encode(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeBinaryEvent(b *testing.B) {
	p := &Packet{Type: Event, Namespace: "/upload", ID: 7, Data: []any{"file", map[string]any{"name": "a.png", "data": make([]byte, 4096)}, make([]byte, 64)}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Encode(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeEvent(b *testing.B) {
	text := []byte(`2["chat message",{"text":"hello <world>","ts":1700000000,"user":"alice"}]`)
	var d Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if p, err := d.Add(text, false); err != nil || p == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeBinaryEvent(b *testing.B) {
	text := []byte(`52-/upload,7["file",{"data":{"_placeholder":true,"num":0},"name":"a.png"},{"_placeholder":true,"num":1}]`)
	first, second := make([]byte, 4096), make([]byte, 64)
	var d Decoder
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Add(text, false); err != nil {
			b.Fatal(err)
		}
		if _, err := d.Add(first, true); err != nil {
			b.Fatal(err)
		}
		if p, err := d.Add(second, true); err != nil || p == nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeEventLargeArgs shows the cost of the binary scan on the
// fast path, over a larger argument list with no []byte.
func BenchmarkEncodeEventLargeArgs(b *testing.B) {
	args := []any{"bulk"}
	for i := range 100 {
		args = append(args, map[string]any{"i": i, "s": strings.Repeat("x", 20)})
	}
	p := &Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: args}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Encode(p); err != nil {
			b.Fatal(err)
		}
	}
}

// typicalEventText is a chat event with some nesting, as in
// TestDecodeStack.
const typicalEventText = `2["chat:message",{"text":"hello","n":1,"tags":["a","b"],"nested":{"x":[1,2,{"y":null}]}}]`

func BenchmarkDecodeNestedEvent(b *testing.B) {
	text := []byte(typicalEventText)
	var d Decoder
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if p, err := d.Add(text, false); err != nil || p == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeNestedEvent(b *testing.B) {
	p, err := (&Decoder{}).Add([]byte(typicalEventText), false)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Encode(p); err != nil {
			b.Fatal(err)
		}
	}
}
