package parser

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The JSON encoder of the payloads.
//
// Its output is byte for byte what a json.Encoder with SetEscapeHTML(false)
// writes (without the final newline). It writes by hand, without
// reflection, the values a payload is usually made of: []any,
// map[string]any (keys sorted bytewise, as encoding/json sorts them),
// string, json.Number, bool, nil, the float, int and uint types, []byte
// (base64, as encoding/json writes it; in EVENT and ACK data they have
// already become placeholders) and the placeholders themselves. Any other
// value (a struct, a typed slice or map, a named type, a json.Marshaler,
// a pointer...) is marshalled by that json.Encoder, and so is a value
// encoding/json refuses (a NaN, an invalid json.Number), for its error.
//
// The fast path recurses once per level of []any and map[string]any; past
// maxFastDepth levels it hands the rest of the value to encoding/json,
// which also detects cycles.

// maxFastDepth is the nesting depth from which values are marshalled by
// encoding/json.
const maxFastDepth = 100

// mapEntry is one key/value pair of a map being written, on the
// encodeBuffer's pairs stack (sorted by key).
type mapEntry struct {
	key string
	val any
}

func compareEntries(a, b mapEntry) int { return strings.Compare(a.key, b.key) }

// value appends the JSON form of v to b.out.
func (b *encodeBuffer) value(v any, depth int) error {
	switch x := v.(type) {
	case nil:
		b.out = append(b.out, "null"...)
	case string:
		b.out = appendJSONString(b.out, x)
	case bool:
		b.out = strconv.AppendBool(b.out, x)
	case json.Number:
		s := string(x)
		if s == "" {
			s = "0" // as encoding/json writes the zero Number
		}
		if !isValidNumber(s) {
			return b.marshal(v) // for encoding/json's error
		}
		b.out = append(b.out, s...)
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return b.marshal(v) // for encoding/json's error
		}
		b.out = appendJSONFloat(b.out, x, 64)
	case float32:
		if math.IsInf(float64(x), 0) || math.IsNaN(float64(x)) {
			return b.marshal(v)
		}
		b.out = appendJSONFloat(b.out, float64(x), 32)
	case int:
		b.out = strconv.AppendInt(b.out, int64(x), 10)
	case int64:
		b.out = strconv.AppendInt(b.out, x, 10)
	case int32:
		b.out = strconv.AppendInt(b.out, int64(x), 10)
	case int16:
		b.out = strconv.AppendInt(b.out, int64(x), 10)
	case int8:
		b.out = strconv.AppendInt(b.out, int64(x), 10)
	case uint:
		b.out = strconv.AppendUint(b.out, uint64(x), 10)
	case uint64:
		b.out = strconv.AppendUint(b.out, x, 10)
	case uint32:
		b.out = strconv.AppendUint(b.out, uint64(x), 10)
	case uint16:
		b.out = strconv.AppendUint(b.out, uint64(x), 10)
	case uint8:
		b.out = strconv.AppendUint(b.out, uint64(x), 10)
	case uintptr:
		b.out = strconv.AppendUint(b.out, uint64(x), 10)
	case []byte:
		if x == nil {
			b.out = append(b.out, "null"...)
			break
		}
		b.out = append(b.out, '"')
		b.out = base64.StdEncoding.AppendEncode(b.out, x)
		b.out = append(b.out, '"')
	case placeholder:
		b.out = append(b.out, `{"_placeholder":`...)
		b.out = strconv.AppendBool(b.out, x.Placeholder)
		b.out = append(b.out, `,"num":`...)
		b.out = strconv.AppendInt(b.out, int64(x.Num), 10)
		b.out = append(b.out, '}')
	case []any:
		if x == nil {
			b.out = append(b.out, "null"...)
			break
		}
		if depth >= maxFastDepth {
			return b.marshal(v)
		}
		b.out = append(b.out, '[')
		for i, e := range x {
			if i > 0 {
				b.out = append(b.out, ',')
			}
			if err := b.value(e, depth+1); err != nil {
				return err
			}
		}
		b.out = append(b.out, ']')
	case map[string]any:
		if x == nil {
			b.out = append(b.out, "null"...)
			break
		}
		if depth >= maxFastDepth {
			return b.marshal(v)
		}
		return b.object(x, depth)
	default:
		return b.marshal(v)
	}
	return nil
}

// object appends a map[string]any, keys sorted. The pairs are sorted on
// the shared pairs stack; nested maps push theirs above and pop them
// before returning, so the indexes of this map's pairs stay valid even if
// the stack is reallocated.
func (b *encodeBuffer) object(m map[string]any, depth int) error {
	start := len(b.pairs)
	for k, e := range m {
		b.pairs = append(b.pairs, mapEntry{k, e})
	}
	end := len(b.pairs)
	if end-start > 1 {
		slices.SortFunc(b.pairs[start:end], compareEntries)
	}
	b.out = append(b.out, '{')
	for i := start; i < end; i++ {
		if i > start {
			b.out = append(b.out, ',')
		}
		e := b.pairs[i]
		b.out = appendJSONString(b.out, e.key)
		b.out = append(b.out, ':')
		if err := b.value(e.val, depth+1); err != nil {
			return err // the pairs are cleared by release
		}
	}
	b.out = append(b.out, '}')
	clear(b.pairs[start:end]) // do not keep the caller's values alive
	b.pairs = b.pairs[:start]
	return nil
}

// marshal appends v as encoding/json writes it.
func (b *encodeBuffer) marshal(v any) error {
	if err := b.enc.Encode(v); err != nil {
		return &encodeError{msg: "marshalling data", err: err}
	}
	b.out = b.out[:len(b.out)-1] // json.Encoder ends every value with '\n'
	return nil
}

// Write lets the json.Encoder append to b.out.
func (b *encodeBuffer) Write(p []byte) (int, error) {
	b.out = append(b.out, p...)
	return len(p), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json does with HTML
// escaping off: `"` and `\` escaped, \b \f \n \r \t by name, the other
// control characters as \u00XX, U+2028 and U+2029 as \u2028 and \u2029,
// each byte of invalid UTF-8 as \ufffd, everything else as it is (DEL
// included).
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONFloat appends a finite float as encoding/json's floatEncoder
// does (like JavaScript's Number.prototype.toString): the shortest
// representation that reads back as the same float of the given size,
// plain from 1e-6 up to 1e21 (and 0), with an exponent otherwise, written
// without a leading zero (1e-7, not 1e-07).
func appendJSONFloat(dst []byte, f float64, bits int) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		// float32 comparisons for a float32, to get the cutoffs right.
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		// e-07 to e-7
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// isValidNumber reports whether s is a JSON number literal:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isValidNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digitRunString(s, i+1)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		if i++; i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		i = digitRunString(s, i+1)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		if i++; i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		i = digitRunString(s, i+1)
	}
	return i == len(s)
}

func digitRunString(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
