package parser

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

// FuzzJSONDecodeDifferential checks the hand-written decoder against
// encoding/json (Decoder, UseNumber, then only whitespace): same verdict on
// every input but for the depth limit, and the same value, by
// reflect.DeepEqual.
func FuzzJSONDecodeDifferential(f *testing.F) {
	for _, c := range jsonDecodeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkJSONDecode(t, data)
	})
}

// referenceEncode is what Encode did before the hand-written encoder: a
// json.Encoder with SetEscapeHTML(false), without its final newline.
func referenceEncode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// fastEncode runs the hand-written encoder on v.
func fastEncode(v any) ([]byte, error) {
	b := encodeBuffers.Get().(*encodeBuffer)
	defer b.release()
	if err := b.value(v, 0); err != nil {
		return nil, err
	}
	return bytes.Clone(b.out), nil
}

// checkJSONEncode compares the hand-written encoder with the reference on
// v: the same bytes, or both an error.
func checkJSONEncode(t *testing.T, v any) {
	t.Helper()
	want, wantErr := referenceEncode(v)
	got, err := fastEncode(v)
	switch {
	case (err != nil) != (wantErr != nil):
		t.Fatalf("encoding %#v: error %v, encoding/json's %v", v, err, wantErr)
	case !bytes.Equal(got, want):
		t.Fatalf("encoding %#v\n got: %s\nwant: %s", v, got, want)
	}
}

// FuzzJSONEncodeDifferential checks the hand-written encoder against
// encoding/json with SetEscapeHTML(false), byte for byte: on the fuzz
// bytes decoded by encoding/json (numbers as json.Number, then as
// float64), and on the raw bytes used as a string, a json.Number, a map
// key and a []byte, and on the fuzz numbers in every basic type.
func FuzzJSONEncodeDifferential(f *testing.F) {
	for _, c := range jsonDecodeCases {
		f.Add([]byte(c), 0.0, float32(0), int64(0))
	}
	f.Add([]byte(`[1e21,1e20,1e-6,1e-7,0.1,-0,123456789012345678901234567890]`), 1e21, float32(1e21), int64(math.MinInt64))
	f.Add([]byte(`["\u2028\u2029","<>&","\u007f\u0080"]`), 1e-7, float32(1e-7), int64(math.MaxInt64))
	f.Add([]byte("\"\xff\xfe\xed\xa0\x80\""), 5e-324, float32(1.4e-45), int64(-1))
	f.Add([]byte(`{"b":1,"a":2,"":3,"B":4,"é":5,"\u0000":6}`), math.MaxFloat64, float32(math.MaxFloat32), int64(1<<53+1))
	f.Add([]byte(`1.0`), math.NaN(), float32(math.Inf(1)), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, f64 float64, f32 float32, i64 int64) {
		s := string(data)
		for _, useNumber := range []bool{true, false} {
			dec := json.NewDecoder(bytes.NewReader(data))
			if useNumber {
				dec.UseNumber()
			}
			var v any
			if dec.Decode(&v) == nil {
				checkJSONEncode(t, v)
				checkJSONEncode(t, []any{v, map[string]any{s: v, "k": []any{v}}})
			}
		}
		values := []any{
			s, json.Number(s), []byte(data), map[string]any{s: s},
			f64, f32, float64(f32), float32(f64), float64(i64),
			i64, int(i64), int32(i64), int16(i64), int8(i64),
			uint64(i64), uint(i64), uint32(i64), uint16(i64), uint8(i64), uintptr(i64),
			i64 < 0, placeholder{Placeholder: true, Num: int(i64)},
		}
		for _, v := range values {
			checkJSONEncode(t, v)
		}
		checkJSONEncode(t, values) // fails as a whole if one does
	})
}
