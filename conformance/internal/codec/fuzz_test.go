package codec

import (
	"errors"
	"testing"
)

// The codec judges other servers' bytes: it must never panic, and what it
// accepts must survive a round trip.

func FuzzDecodeSIO(f *testing.F) {
	for _, s := range []string{`0`, `0/admin,{"token":"x"}`, `2["a",1]`, `21["a"]`, `3/x,1[]`, `4{"message":"m"}`, `51-["a",{"_placeholder":true,"num":0}]`, `5-1["a"]`, `2/`, `29999999999999999999["a"]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := DecodeSIO(in)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := DecodeSIO(EncodeSIO(p))
		if err != nil {
			t.Fatalf("re-encoding %q gives %q which fails: %v", in, EncodeSIO(p), err)
		}
		if again.Type != p.Type || again.Namespace != p.Namespace || again.Attachments != p.Attachments {
			t.Fatalf("round trip changed %+v into %+v", p, again)
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	for _, s := range []string{"4hello", "4a\x1e4b", "bAQI=", "0{\"sid\":\"x\"}", "2probe", "\x1e", "b!!"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ps, err := DecodePayload(in)
		if err != nil {
			return
		}
		if _, err := DecodePayload(EncodePayload(ps...)); err != nil {
			t.Fatalf("re-encoded payload of %q fails: %v", in, err)
		}
	})
}

func FuzzDecodeArgs(f *testing.F) {
	f.Add([]byte(`["a",{"_placeholder":true,"num":0}]`), 1)
	f.Add([]byte(`[{"_placeholder":true,"num":-1}]`), 0)
	f.Add([]byte(`[{"_placeholder":true}]`), 2)
	f.Fuzz(func(t *testing.T, in []byte, n int) {
		atts := make([][]byte, uint(n)%12) // n may be negative
		_, _ = DecodeArgs(in, atts)
	})
}

func FuzzDecodeOpen(f *testing.F) {
	f.Add([]byte(`{"sid":"x","upgrades":["websocket"],"pingInterval":1,"pingTimeout":1,"maxPayload":1}`))
	f.Fuzz(func(t *testing.T, in []byte) { _, _ = DecodeOpen(in) })
}
