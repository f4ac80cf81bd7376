package parser

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

type myString string

type upper string

func (u upper) MarshalJSON() ([]byte, error) {
	return []byte(` "` + strings.ToUpper(string(u)) + `<&>" `), nil
}

func TestJSONEncodeMatchesEncodingJSON(t *testing.T) {
	deep := any("bottom")
	for i := range 3 * maxFastDepth {
		if i%2 == 0 {
			deep = []any{deep, i}
		} else {
			deep = map[string]any{"k": deep, "n": i}
		}
	}
	var allBytes strings.Builder
	for c := range 256 {
		allBytes.WriteByte(byte(c))
	}
	values := []any{
		nil, true, false, "", "plain", "<b>&amp;</b>", "quote\" backslash\\ slash/",
		"\b\f\n\r\t\x00\x01\x1f\x7f", "\u2028\u2029\u2027\u202a", "héllo 日本語 🎉",
		"bad \xff utf8 \xed\xa0\x80 \xc3", allBytes.String(), "\ufffd",
		json.Number("0"), json.Number("-1.5e+10"), json.Number(""), json.Number("1.50"),
		0.0, math.Copysign(0, -1), 1.0, -1.5, 0.1, 1e20, 1e21, 123456789e13, 1e-6, 1e-7, 9.999999e-7,
		5e-324, math.MaxFloat64, -math.MaxFloat64, 1.0 / 3, 100, 1e100, 12345678.9,
		float32(0.1), float32(1e21), float32(1e20), float32(1e-6), float32(1e-7), float32(math.MaxFloat32),
		float32(1.4e-45), float32(16777217),
		0, -1, math.MaxInt64, math.MinInt64, int8(-128), int16(-32768), int32(math.MinInt32), int64(7),
		uint(math.MaxUint64), uint8(255), uint16(65535), uint32(math.MaxUint32), uint64(math.MaxUint64), uintptr(42),
		[]byte(nil), []byte{}, []byte("hi\x00\xff"),
		[]any(nil), []any{}, map[string]any(nil), map[string]any{},
		[]any{1, "a", nil, []any{}, map[string]any{"z": 1, "a": 2, "m": []any{true}}},
		map[string]any{"b": 1, "a": 2, "": 3, "B": 4, "é": 5, "\x00": 6, "a\xff": 7, "\u2028": 8, "aa": 9},
		placeholder{Placeholder: true, Num: 3},
		// Left to encoding/json, alone and inside the fast path.
		[]string{"typed", "slice"}, map[string]string{"b": "1", "a": "2"}, map[int]any{2: "x", 10: "y"},
		point{1, 2}, &point{3, 4}, (*point)(nil), myString("named"), upper("marshaler"),
		json.RawMessage(` [ 1 , "<&>" ] `), time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC),
		[]any{point{1, 2}, myString("x"), upper("m"), json.RawMessage(`{"a" : 1}`), []int{1, 2}},
		map[string]any{"p": &point{5, 6}, "r": json.RawMessage(`null`), "s": []string(nil)},
		deep,
	}
	for _, v := range values {
		checkJSONEncode(t, v)
	}
	checkJSONEncode(t, values)
	checkJSONEncode(t, map[string]any{"all": values})
}

func TestJSONEncodeErrors(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	for _, v := range []any{
		math.NaN(), math.Inf(1), float32(math.Inf(-1)), json.Number("01"), json.Number("1."),
		json.Number("abc"), json.Number("-"), json.Number("1e"), json.Number(" 1"),
		make(chan int), func() {}, complex(1, 2), cyclic,
		[]any{"ok", math.NaN()}, map[string]any{"a": "ok", "b": json.Number("x")},
	} {
		_, wantErr := referenceEncode(v)
		_, err := fastEncode(v)
		if err == nil || wantErr == nil {
			t.Fatalf("encoding %#v: error %v, encoding/json's %v", v, err, wantErr)
		}
		if !errors.Is(err, ErrCannotEncode) || !strings.HasSuffix(err.Error(), wantErr.Error()) {
			t.Fatalf("encoding %#v: error %q, want one wrapping %q", v, err, wantErr)
		}
	}
	// A cycle in a CONNECT payload (hasBinary only walks EVENT and ACK).
	_, _, err := Encode(&Packet{Type: Connect, ID: NoAckID, Data: cyclic})
	var unsupported *json.UnsupportedValueError
	if !errors.As(err, &unsupported) {
		t.Fatalf("cyclic CONNECT data: error %v", err)
	}
}

func TestIsValidNumber(t *testing.T) {
	for _, s := range []string{
		"0", "-0", "1", "-1", "10", "1.5", "0.0", "1e5", "1E5", "1e+5", "1e-5", "1.5e-05", "123456789012345678901234567890",
		"", "-", "+1", "01", "-01", "1.", ".1", "1.e5", "1e", "1e+", "1e-", "1ee5", "1e5.0", "0x1", " 1", "1 ", "NaN", "1_000",
	} {
		_, err := json.Marshal(json.Number(s))
		want := err == nil && s != "" // encoding/json writes "" as 0
		if got := isValidNumber(s); got != want {
			t.Errorf("isValidNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestEncodeAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful with -race")
	}
	p := &Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"chat message", map[string]any{"user": "alice", "text": "hello <world>", "ts": 1700000000}}}
	allocs := testing.AllocsPerRun(1000, func() {
		if _, _, err := Encode(p); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 { // the returned text
		t.Fatalf("Encode made %.0f allocations, want 1", allocs)
	}
}
