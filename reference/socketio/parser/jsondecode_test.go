package parser

import (
	"bytes"
	"encoding/json"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// referenceParseJSON is what parseJSON did before the hand-written
// decoder: encoding/json's Decoder with UseNumber, then nothing but JSON
// whitespace. The decoder must give the same value and the same verdict
// (but for its depth limit).
func referenceParseJSON(input []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	for _, c := range input[dec.InputOffset():] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return nil, errTrailing
		}
	}
	return v, nil
}

var errTrailing = errorString("trailing data after the JSON value")

type errorString string

func (e errorString) Error() string { return string(e) }

// jsonNesting returns the deepest nesting of arrays and objects in a JSON
// text (brackets inside strings are skipped).
func jsonNesting(data []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

// checkJSONDecode compares decodeJSON with the reference on one input.
func checkJSONDecode(t *testing.T, input []byte) {
	t.Helper()
	want, wantErr := referenceParseJSON(input)
	got, detail := decodeJSON(input)
	switch {
	case wantErr != nil && detail == "":
		t.Fatalf("decodeJSON(%q) = %#v, want an error like %v", input, got, wantErr)
	case wantErr == nil && detail != "":
		if strings.HasPrefix(detail, "exceeded max depth") && jsonNesting(input) > maxJSONDepth {
			return // the documented difference
		}
		t.Fatalf("decodeJSON(%q) failed: %s; encoding/json gives %#v", input, detail, want)
	case wantErr != nil:
		if detail == "" {
			t.Fatalf("empty detail for %q", input)
		}
	default:
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeJSON(%q)\n got: %#v\nwant: %#v", input, got, want)
		}
	}
}

var jsonDecodeCases = []string{
	// Values.
	`null`, `true`, `false`, `0`, `-0`, `1`, `-1`, `12345678901234567890123`,
	`1.5`, `-0.0`, `1e5`, `1E+5`, `1e-5`, `1.25e+10`, `0.1e1`,
	`""`, `"a"`, `"hello <world> & co"`, `[]`, `{}`, `[[]]`, `[{}]`, `{"":""}`,
	`["chat message",{"text":"hello <world>","ts":1700000000,"user":"alice"}]`,
	`{"a":1,"b":[1,2,{"c":null}],"d":{"e":{"f":[true,false]}}}`,
	`[1,"two",3.0,null,true,false,{"x":[]},[[]]]`,
	// Whitespace.
	" \t\r\n[ 1 , 2 ]\n", " { \"a\" : 1 , \"b\" : [ ] } ", "\t\"x\"\t", " 1 ", "[\n]", "{\r}",
	// Duplicate keys: the last wins.
	`{"a":1,"a":2}`, `{"a":{"x":1},"b":0,"a":[2]}`,
	// Escapes.
	`"\"\\\/\b\f\n\r\t"`, `"\u0041\u00e9\u65e5\uFFFF\u0000\u001f"`,
	`"\ud83d\ude00"`, `"\uD83D\uDE00"`, `"x\ud83d\ude00y"`,
	`"\ud800"`, `"\udc00"`, `"\ud800x"`, `"\ud800\u0041"`, `"\ud800\ud800\udc00"`,
	`"\udc00\ud800"`, `"\ud800\\"`, `"\ud800\n"`, `"\ud800\u00"`, `"\ud800\uZZZZ"`,
	`{"\u006b":"\u0076"}`, `{"k\n":1}`,
	// UTF-8, valid and not.
	`"héllo 日本語 🎉"`, "\"\xff\"", "\"a\xffb\"", "\"\xc3\"", "\"\xc3(\"", "\"\xed\xa0\x80\"",
	"\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"", "\"\xef\xbf\xbd\"", "\"\\n\xff\"", "{\"\xff\":1}",
	"\"\u2028\u2029\x7f\"",
	// Rejected.
	``, ` `, `[`, `]`, `{`, `}`, `[1,]`, `[,1]`, `{"a":1,}`, `{"a"}`, `{"a":}`, `{a:1}`,
	`{1:1}`, `[1 2]`, `{"a":1 "b":2}`, `{"a" 1}`, `[1]]`, `[1]x`, `1 2`, `"a" "b"`,
	`01`, `-`, `-a`, `1.`, `.5`, `1.e5`, `1e`, `1e+`, `+1`, `0x10`, `1ee5`, `--1`, `NaN`, `Infinity`,
	`tru`, `truex`, `nul`, `nulL`, `False`, `'x'`, `"abc`, `"\x"`, `"\u12"`, `"\u12G4"`,
	`"\'"`, "\"a\nb\"", "\"\x00\"", "\"\x1f\"", `"\`, `"\u`, "\x00", "[1,\x00]",
	"\xef\xbb\xbf[]", // a byte order mark is not whitespace
	"[\v]", "[\f]", "[\u00a0]", "1\x00",
}

func TestJSONDecodeMatchesEncodingJSON(t *testing.T) {
	for _, c := range jsonDecodeCases {
		checkJSONDecode(t, []byte(c))
	}
}

func TestJSONDecodeValues(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`[]`, []any{}},
		{`{}`, map[string]any{}},
		{`[1,-2.5e3]`, []any{json.Number("1"), json.Number("-2.5e3")}},
		{`{"a":1,"a":2}`, map[string]any{"a": json.Number("2")}},
		{`"\ud83d\ude00"`, "😀"},
		{`"\ud800\u0041"`, "\uFFFDA"},
		{`"\ud800\ud800\udc00"`, "\uFFFD𐀀"},
		{"\"a\xffb\"", "a\uFFFDb"},
		{"\"\xed\xa0\x80\"", "\uFFFD\uFFFD\uFFFD"},
		{`[null,true,false,""]`, []any{nil, true, false, ""}},
	}
	for _, tt := range tests {
		got, detail := decodeJSON([]byte(tt.in))
		if detail != "" || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("decodeJSON(%q) = %#v, %q; want %#v", tt.in, got, detail, tt.want)
		}
	}
}

func TestJSONDecodeDepthLimit(t *testing.T) {
	if !strings.Contains(errJSONDepth, " "+strconv.Itoa(maxJSONDepth)+" ") {
		t.Fatalf("errJSONDepth %q does not give maxJSONDepth %d", errJSONDepth, maxJSONDepth)
	}
	for _, open := range []string{"[", `{"k":`} {
		closing := "]"
		if open != "[" {
			closing = "}"
		}
		nested := func(n int) []byte {
			return []byte(strings.Repeat(open, n) + "1" + strings.Repeat(closing, n))
		}
		if _, detail := decodeJSON(nested(maxJSONDepth)); detail != "" {
			t.Fatalf("%d levels rejected: %s", maxJSONDepth, detail)
		}
		if _, detail := decodeJSON(nested(maxJSONDepth + 1)); !strings.HasPrefix(detail, "exceeded max depth") {
			t.Fatalf("%d levels: detail %q, want exceeded max depth", maxJSONDepth+1, detail)
		}
		// encoding/json accepts it: the only difference.
		if _, err := referenceParseJSON(nested(maxJSONDepth + 1)); err != nil {
			t.Fatal(err)
		}
	}
	// An empty container counts as a level.
	if _, detail := decodeJSON([]byte(strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1))); detail == "" {
		t.Fatal("empty innermost array past the limit accepted")
	}
	// In a packet, a deeper payload is invalid JSON.
	deep := `2["x",` + strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth) + `]`
	_, err := (&Decoder{}).Add([]byte(deep), false)
	requireDecodeError(t, err, ReasonInvalidJSON)
	ok := `2["x",` + strings.Repeat("[", maxJSONDepth-1) + strings.Repeat("]", maxJSONDepth-1) + `]`
	p, err := (&Decoder{}).Add([]byte(ok), false)
	requireNoError(t, err)
	checkRoundTrip(t, p)
}

func TestJSONDecodeLargeInputs(t *testing.T) {
	// Past maxSharedSource, past the pooled scratch limits.
	var sb strings.Builder
	sb.WriteString(`{"list":[`)
	for i := range 3000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"i":` + strings.Repeat("7", i%20+1) + `,"s":"x\u00e9\ud83d\ude00y","t":"plain text"}`)
	}
	sb.WriteString(`],"long":"` + strings.Repeat(`ab\n`, 3000) + `"}`)
	checkJSONDecode(t, []byte(sb.String()))
	checkJSONDecode(t, []byte(sb.String()[:sb.Len()-1])) // truncated
}

func TestJSONDecodeDoesNotRetainInput(t *testing.T) {
	in := []byte(`{"k":"value","n":12,"e":"\n"}`)
	v, detail := decodeJSON(in)
	if detail != "" {
		t.Fatal(detail)
	}
	for i := range in {
		in[i] = 'X'
	}
	want := map[string]any{"k": "value", "n": json.Number("12"), "e": "\n"}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("value changed with the input: %#v", v)
	}
}

const typicalEvent = typicalEventText

func TestDecodeAllocations(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocation counts are not meaningful with -race")
	}
	text := []byte(typicalEvent)
	var d Decoder
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := d.Add(text, false); err != nil {
			t.Fatal(err)
		}
	})
	refAllocs := testing.AllocsPerRun(1000, func() {
		if _, err := referenceParseJSON(text[1:]); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("decoding %s: %.0f allocations (encoding/json alone: %.0f)", text, allocs, refAllocs)
	// The Packet; the copy of the input that the 13 keys, strings and
	// numbers share; 3 arrays and their boxed slice headers; 3 maps of
	// two allocations each (header, then a group on the first insert);
	// 4 boxed strings and 3 boxed json.Numbers.
	if allocs > 21 {
		t.Fatalf("%.0f allocations, want at most 21", allocs)
	}
}

// TestDecodeStack measures the goroutine stack that decoding needs, to the
// byte or so: a goroutine first grows its stack to a known size, then
// calls padStack, which recurses `levels` times before running the work;
// if the work needs more stack than is left, the runtime moves the stack
// to a larger one, which shows as a change in the address of a local of
// the goroutine's first frame. The largest number of levels that leaves
// the stack in place, compared with the same for a no-op, gives the stack
// the work needs. The GC is off meanwhile, so that no stack is shrunk or
// moved for another reason.
func TestDecodeStack(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("stack sizes differ under -race")
	}
	text := []byte(typicalEvent)
	payload := text[1:]
	var d Decoder
	add := stackNeeded(func() {
		if _, err := d.Add(text, false); err != nil {
			panic(err)
		}
	})
	ours := stackNeeded(func() {
		if _, detail := parseJSON(payload); detail != "" {
			panic(detail)
		}
	})
	ref := stackNeeded(func() {
		if _, err := referenceParseJSON(payload); err != nil {
			panic(err)
		}
	})
	deep := []byte(strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth))
	oursDeep := stackNeeded(func() {
		if _, detail := parseJSON(deep); detail != "" {
			panic(detail)
		}
	})
	t.Logf("stack needed to decode %s:", text)
	t.Logf("  Decoder.Add (whole packet): %5d B", add)
	t.Logf("  parseJSON (payload):        %5d B", ours)
	t.Logf("  encoding/json (payload):    %5d B", ref)
	t.Logf("  parseJSON, %d nested arrays: %5d B", maxJSONDepth, oursDeep)
	if add > 1280 {
		t.Errorf("Decoder.Add needs %d B of stack, want at most 1280", add)
	}
	if oursDeep > ours+256 {
		t.Errorf("the stack needed grows with nesting: %d B for %d levels, %d B for a typical event", oursDeep, maxJSONDepth, ours)
	}
}

// stackNeeded returns the peak stack that work uses beyond that of a no-op
// call, to the size of a padStack frame.
func stackNeeded(work func()) int {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	frame := padFrameSize()
	return (maxLevels(func() {}) - maxLevels(work)) * frame
}

// maxLevels returns the largest number of padStack levels under which work
// runs without the stack being moved.
func maxLevels(work func()) int {
	lo, hi := 0, 8192/16 // fits; does not fit (the stack is prepared at 8 KB)
	if stackMoves(lo, work) {
		panic("the work does not fit in the prepared stack")
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if stackMoves(mid, work) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return lo
}

// stackMoves reports whether running work under `levels` padStack frames
// moves the stack of a fresh goroutine whose stack was first grown to
// 8 KB. Best of three, against a stray move.
func stackMoves(levels int, work func()) bool {
	for range 3 {
		moved := make(chan bool)
		go func() {
			growStack()
			var marker byte
			before := uintptr(unsafe.Pointer(&marker))
			padStack(levels, work, nil)
			moved <- uintptr(unsafe.Pointer(&marker)) != before
		}()
		if !<-moved {
			return false
		}
	}
	return true
}

// growStack makes the runtime grow the goroutine stack to 8 KB (the
// stack is not shrunk afterwards while the GC is off).
//
//go:noinline
func growStack() {
	var big [5000]byte
	sink(big[:])
}

//go:noinline
func sink([]byte) {}

var padFrame int

// padFrameSize measures the size of a padStack frame from the addresses of
// a local in two consecutive frames.
func padFrameSize() int {
	if padFrame == 0 {
		var addrs [2]uintptr
		padStack(1, func() {}, &addrs)
		padFrame = int(addrs[1] - addrs[0])
	}
	return padFrame
}

// padStack recurses levels times, then runs work. With addrs, it records
// the address of its local at levels 1 and 0.
//
//go:noinline
func padStack(levels int, work func(), addrs *[2]uintptr) {
	var local [2]uintptr
	local[0] = uintptr(levels)
	if addrs != nil && levels < 2 {
		addrs[levels] = uintptr(unsafe.Pointer(&local))
	}
	if levels > 0 {
		padStack(levels-1, work, addrs)
	} else {
		work()
	}
	sinkUintptr(local[:])
}

//go:noinline
func sinkUintptr([]uintptr) {}
