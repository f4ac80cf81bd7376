package parser

import (
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// The JSON decoder of the payloads.
//
// It produces exactly what encoding/json's Decoder with UseNumber produces
// when decoding into an `any`, and accepts exactly the inputs that
// json.Valid accepts (one value, optionally surrounded by JSON whitespace),
// except that it rejects nesting deeper than maxJSONDepth:
//
//   - objects are map[string]any (a duplicate key: the last one wins),
//     arrays []any (an empty one is non-nil), numbers json.Number holding
//     the literal text, strings string, true and false bool, null nil;
//   - in strings, \uXXXX escapes are decoded, a surrogate pair into one
//     code point and a lone surrogate into U+FFFD; each byte of invalid
//     UTF-8 becomes U+FFFD, as encoding/json does.
//
// Why not encoding/json: it decodes through reflection and recursion,
// whose call stack grows each connection's reader goroutine stack from
// 4 KB to 8 KB for good (the runtime only shrinks a stack that is 3/4
// unused), and it allocates about three times as much. This decoder is
// iterative: nesting is kept in a heap slice, so the goroutine stack used
// does not depend on the input; the only calls are to leaf helpers. Its
// scratch state is pooled.
//
// Allocations: one per array (sized exactly), one map per object, one
// boxed string per string or number value, one copy of the input shared
// by the strings and numbers that need no unescaping (see
// maxSharedSource), and one per escaped string.

// maxJSONDepth is the deepest nesting of arrays and objects accepted in a
// payload: `[[...]]` with maxJSONDepth brackets is accepted, one more is
// not. encoding/json accepts 10000 levels; no Socket.IO application comes
// near 500, while code that walks a decoded value recursively (the
// placeholder check of binary packets, re-encoding, the application's own
// code) stays within a small stack.
const maxJSONDepth = 500

// errJSONDepth is the detail of the error for a payload nesting deeper.
const errJSONDepth = "exceeded max depth of 500 nested arrays and objects"

// maxSharedSource is the largest payload whose strings and numbers are
// substrings of one copy of it, which saves one allocation per string. A
// string kept by the application then keeps the whole copy alive: at most
// this many bytes. Strings of larger payloads are allocated one by one.
const maxSharedSource = 1024

// jsonFrame is an array or object being decoded: its elements (and keys)
// so far are on the decoder's vals (and keys) stacks from these indexes.
type jsonFrame struct {
	vals   int
	keys   int
	object bool
}

// jsonDecoder is the pooled state of one decode.
type jsonDecoder struct {
	data   []byte
	pos    int
	shared bool   // strings may be substrings of src
	src    string // string(data), made on first use when shared
	frames []jsonFrame
	vals   []any
	keys   []string
	buf    []byte // unescaped string being built
}

var jsonDecoders = sync.Pool{New: func() any { return new(jsonDecoder) }}

// Limits on the scratch slices kept in the pool, so that one huge payload
// does not pin its scratch space for the life of the process.
const (
	maxPooledFrames = 64
	maxPooledVals   = 1024
	maxPooledBuf    = 4096
)

// decodeJSON decodes one JSON value that must span the whole input but for
// JSON whitespace. On failure it returns a description of the problem
// (never empty) instead of the value.
func decodeJSON(input []byte) (any, string) {
	d := jsonDecoders.Get().(*jsonDecoder)
	d.data, d.pos = input, 0
	d.shared = len(input) <= maxSharedSource
	v, detail := d.value()
	d.release()
	return v, detail
}

func (d *jsonDecoder) release() {
	// After a failure, values may be left on the stacks.
	clear(d.vals)
	clear(d.keys)
	d.data, d.src = nil, ""
	d.frames, d.vals, d.keys = d.frames[:0], d.vals[:0], d.keys[:0]
	if cap(d.frames) > maxPooledFrames {
		d.frames = nil
	}
	if cap(d.vals) > maxPooledVals {
		d.vals = nil
	}
	if cap(d.keys) > maxPooledVals {
		d.keys = nil
	}
	if cap(d.buf) > maxPooledBuf {
		d.buf = nil
	}
	jsonDecoders.Put(d)
}

// value is the decoding loop. Each turn of the outer loop reads one value;
// opening an array or object pushes a frame and goes on with its first
// element. After a complete value, the inner loop reads what follows it:
// a ',' goes on with the next element, a closing bracket completes the
// container, which is then the value just read.
func (d *jsonDecoder) value() (any, string) {
next:
	for {
		c := d.skipSpace()
		var v any
		switch {
		case c == '[':
			d.pos++
			if len(d.frames) >= maxJSONDepth {
				return nil, errJSONDepth
			}
			if d.skipSpace() == ']' {
				d.pos++
				v = make([]any, 0)
				break
			}
			d.frames = append(d.frames, jsonFrame{vals: len(d.vals)})
			continue next
		case c == '{':
			d.pos++
			if len(d.frames) >= maxJSONDepth {
				return nil, errJSONDepth
			}
			if d.skipSpace() == '}' {
				d.pos++
				v = make(map[string]any)
				break
			}
			d.frames = append(d.frames, jsonFrame{vals: len(d.vals), keys: len(d.keys), object: true})
			if detail := d.key(); detail != "" {
				return nil, detail
			}
			continue next
		case c == '"':
			s, detail := d.string()
			if detail != "" {
				return nil, detail
			}
			v = s
		case c == '-' || c >= '0' && c <= '9':
			n, detail := d.number()
			if detail != "" {
				return nil, detail
			}
			v = n
		case c == 't':
			if detail := d.literal("true"); detail != "" {
				return nil, detail
			}
			v = true
		case c == 'f':
			if detail := d.literal("false"); detail != "" {
				return nil, detail
			}
			v = false
		case c == 'n':
			if detail := d.literal("null"); detail != "" {
				return nil, detail
			}
		default:
			return nil, d.unexpected("looking for beginning of value")
		}

		// v is complete: see what follows it.
		for {
			if len(d.frames) == 0 {
				if d.skipSpace(); d.pos < len(d.data) {
					return nil, d.unexpected("after top-level value")
				}
				return v, ""
			}
			f := &d.frames[len(d.frames)-1]
			c := d.skipSpace()
			d.vals = append(d.vals, v)
			switch {
			case c == ',':
				d.pos++
				if f.object {
					if d.skipSpace(); d.pos >= len(d.data) || d.data[d.pos] != '"' {
						return nil, d.unexpected("looking for beginning of object key string")
					}
					if detail := d.key(); detail != "" {
						return nil, detail
					}
				}
				continue next
			case c == ']' && !f.object:
				d.pos++
				elems := d.vals[f.vals:]
				a := make([]any, len(elems))
				copy(a, elems)
				clear(elems)
				d.vals = d.vals[:f.vals]
				v = a
			case c == '}' && f.object:
				d.pos++
				elems, keys := d.vals[f.vals:], d.keys[f.keys:]
				m := make(map[string]any, len(elems))
				for i, e := range elems {
					m[keys[i]] = e // a duplicate key: the last one wins
				}
				clear(elems)
				clear(keys)
				d.vals, d.keys = d.vals[:f.vals], d.keys[:f.keys]
				v = m
			case f.object:
				return nil, d.unexpected("after object key:value pair")
			default:
				return nil, d.unexpected("after array element")
			}
			d.frames = d.frames[:len(d.frames)-1]
		}
	}
}

// skipSpace skips JSON whitespace and returns the next byte, 0 at the end
// of the input (a NUL byte is never valid there either).
func (d *jsonDecoder) skipSpace() byte {
	for d.pos < len(d.data) {
		switch c := d.data[d.pos]; c {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return c
		}
	}
	return 0
}

// key reads an object key, at d.pos, and the ':' after it, and pushes the
// key.
func (d *jsonDecoder) key() string {
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return d.unexpected("looking for beginning of object key string")
	}
	k, detail := d.string()
	if detail != "" {
		return detail
	}
	if d.skipSpace() != ':' {
		return d.unexpected("after object key")
	}
	d.pos++
	d.keys = append(d.keys, k)
	return ""
}

// substring returns data[start:end] as a string, sharing one copy of the
// input for small payloads.
func (d *jsonDecoder) substring(start, end int) string {
	if !d.shared {
		return string(d.data[start:end])
	}
	if d.src == "" {
		d.src = string(d.data)
	}
	return d.src[start:end]
}

// string reads the string literal at d.pos (an opening quote).
func (d *jsonDecoder) string() (string, string) {
	d.pos++
	start := d.pos
	data := d.data
	// Fast path: nothing to unescape or replace.
	for i := start; i < len(data); {
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return d.substring(start, i), ""
		case c == '\\' || c < ' ':
			return d.unescape(start, i)
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return d.unescape(start, i)
			}
			i += size
		}
	}
	d.pos = len(data)
	return "", d.unexpected("in string literal")
}

// unescape reads the rest of a string literal from i, the first byte that
// needs work, as encoding/json's unquote does (the scanner's rules first:
// no control character, only the JSON escapes).
func (d *jsonDecoder) unescape(start, i int) (string, string) {
	data := d.data
	b := append(d.buf[:0], data[start:i]...)
	defer func() { d.buf = b[:0] }()
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return string(b), ""
		case c < ' ':
			d.pos = i
			return "", d.unexpected("in string literal")
		case c == '\\':
			if i+1 >= len(data) {
				d.pos = len(data)
				return "", d.unexpected("in string escape code")
			}
			switch e := data[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(data[i+2:])
				if r < 0 {
					d.pos = badHex(data, i+2)
					return "", d.unexpected(`in \u hexadecimal character escape`)
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// A pair only when a \uXXXX escape follows at once and
					// the two decode to a code point; else U+FFFD, and
					// what follows is read on its own.
					r2 := rune(-1)
					if i+1 < len(data) && data[i] == '\\' && data[i+1] == 'u' {
						r2 = hex4(data[i+2:])
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						i += 6
						r = dec
					} else {
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				d.pos = i + 1
				return "", d.unexpected("in string escape code")
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, data[i:i+size]...)
			}
			i += size
		}
	}
	d.pos = len(data)
	return "", d.unexpected("in string literal")
}

// hex4 decodes the four hexadecimal digits at the start of s, or returns -1.
func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// badHex returns the position of the first byte that is not a hexadecimal
// digit among the four from i (or the end of data).
func badHex(data []byte, i int) int {
	for end := min(i+4, len(data)); i < end; i++ {
		if c := data[i] | 0x20; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return i
		}
	}
	return i
}

// number reads the number literal at d.pos, by the JSON grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *jsonDecoder) number() (json.Number, string) {
	data := d.data
	start, i := d.pos, d.pos
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		i = digitRun(data, i+1)
	default:
		d.pos = i
		return "", d.unexpected("in numeric literal")
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.pos = i
			return "", d.unexpected("after decimal point in numeric literal")
		}
		i = digitRun(data, i+1)
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.pos = i
			return "", d.unexpected("in exponent of numeric literal")
		}
		i = digitRun(data, i+1)
	}
	d.pos = i
	return json.Number(d.substring(start, i)), ""
}

// literal reads true, false or null at d.pos.
func (d *jsonDecoder) literal(lit string) string {
	for i := 0; i < len(lit); i++ {
		if d.pos >= len(d.data) || d.data[d.pos] != lit[i] {
			return d.unexpected("in literal " + lit + " (expecting " + quoteChar(lit[i]) + ")")
		}
		d.pos++
	}
	return ""
}

// unexpected describes the byte at d.pos (or the end of the input), in
// the words of encoding/json's syntax errors plus the offset.
func (d *jsonDecoder) unexpected(context string) string {
	if d.pos >= len(d.data) {
		return "unexpected end of JSON input"
	}
	return "invalid character " + quoteChar(d.data[d.pos]) + " " + context + " at offset " + strconv.Itoa(d.pos)
}

// quoteChar formats c as a quoted character literal, as encoding/json does.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}
