package parser

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
)

// Binary attachments.
//
// On the wire a []byte cannot live inside JSON, so the sender replaces each
// one by {"_placeholder":true,"num":N}, sends the JSON text first and then
// the N-th []byte as the N-th binary Engine.IO message. This file holds both
// directions: deconstruct (encode) and the placeholder index (decode).

// maxDataDepth bounds the recursion over the caller's Data on encode. A
// []any can contain itself; without a bound the walk would overflow the
// stack (a fatal error, not a panic). It is far above the 10000 nesting
// levels encoding/json accepts on decode, so any decoded packet re-encodes.
const maxDataDepth = 100_000

var errDataTooDeep = &encodeError{msg: "data nested more than 100000 levels deep (a cycle?)"}

// placeholder is what a []byte becomes in the JSON text. The field order
// matches socket.io-parser's output, {"_placeholder":true,"num":0}.
type placeholder struct {
	Placeholder bool `json:"_placeholder"`
	Num         int  `json:"num"`
}

// hasBinary reports whether data holds a []byte that Encode must send as an
// attachment: data itself, or a value at any depth of []any and
// map[string]any containers. It never allocates: it is the fast path of
// every encode.
func hasBinary(data any, depth int) (bool, error) {
	if depth > maxDataDepth {
		return false, errDataTooDeep
	}
	switch v := data.(type) {
	case []byte:
		return true, nil
	case []any:
		for _, e := range v {
			if found, err := hasBinary(e, depth+1); found || err != nil {
				return found, err
			}
		}
	case map[string]any:
		for _, e := range v {
			if found, err := hasBinary(e, depth+1); found || err != nil {
				return found, err
			}
		}
	}
	return false, nil
}

// deconstructor replaces the []byte values of a packet's data by
// placeholders, collecting the attachments in the order the placeholders
// appear in the JSON text (map keys sorted, as encoding/json writes them),
// so that the output is deterministic.
type deconstructor struct {
	attachments [][]byte
}

// deconstruct returns data with every []byte replaced by a placeholder, and
// whether anything was replaced. Containers on the path to a []byte are
// copied, never modified: the caller's data may be shared (a broadcast
// encodes the same arguments for many sockets, and the caller may keep
// using them).
func (d *deconstructor) deconstruct(data any, depth int) (any, bool, error) {
	if depth > maxDataDepth {
		return nil, false, errDataTooDeep
	}
	switch v := data.(type) {
	case []byte:
		num := len(d.attachments)
		d.attachments = append(d.attachments, v)
		return placeholder{Placeholder: true, Num: num}, true, nil
	case []any:
		var copied []any
		for i, e := range v {
			ne, changed, err := d.deconstruct(e, depth+1)
			if err != nil {
				return nil, false, err
			}
			if changed && copied == nil {
				copied = slices.Clone(v)
			}
			if changed {
				copied[i] = ne
			}
		}
		if copied != nil {
			return copied, true, nil
		}
	case map[string]any:
		if isPlaceholderObject(v) {
			// The receiver would take this object for one of our
			// placeholders and substitute an attachment for it.
			return nil, false, &encodeError{msg: `data of a binary packet contains an object with "_placeholder": true`}
		}
		var copied map[string]any
		for _, k := range sortedKeys(v) {
			ne, changed, err := d.deconstruct(v[k], depth+1)
			if err != nil {
				return nil, false, err
			}
			if changed && copied == nil {
				copied = maps.Clone(v)
			}
			if changed {
				copied[k] = ne
			}
		}
		if copied != nil {
			return copied, true, nil
		}
	}
	return data, false, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// isPlaceholderObject reports whether a decoded JSON object is a
// placeholder: socket.io-parser recognises exactly `_placeholder === true`,
// whatever the other keys.
func isPlaceholderObject(m map[string]any) bool {
	flag, ok := m["_placeholder"].(bool)
	return ok && flag
}

// placeholderSlot is where a placeholder sits in a decoded value, so that
// the attachment can be put there once it arrives without walking the value
// again.
type placeholderSlot struct {
	array  []any          // the array holding the placeholder, or nil
	index  int            // its index in array
	object map[string]any // the object holding the placeholder, or nil
	key    string         // its key in object
	num    int            // the attachment it stands for
}

// placeholderIndex collects and checks the placeholders of a binary packet
// announcing n attachments.
type placeholderIndex struct {
	n     int
	slots []placeholderSlot
	seen  []bool // seen[num]: attachment num is referenced
}

// errPlaceholder is a failed check; decodeText turns it into a DecodeError
// quoting the message.
type errPlaceholder string

func (e errPlaceholder) Error() string { return string(e) }

// collect walks a decoded value. Every placeholder must carry an integer num
// in [0, n), and every attachment must be referenced exactly once: that is
// what every socket.io encoder produces, and it means a packet can neither
// smuggle unreferenced attachments nor multiply one attachment (re-encoding
// would send it once per reference). A placeholder at the root is rejected:
// no packet type allows a binary value as the whole payload.
func (x *placeholderIndex) collect(data any) error {
	switch v := data.(type) {
	case []any:
		for i, e := range v {
			if m, ok := e.(map[string]any); ok && isPlaceholderObject(m) {
				num, err := x.reference(m)
				if err != nil {
					return err
				}
				x.slots = append(x.slots, placeholderSlot{array: v, index: i, num: num})
				continue
			}
			if err := x.collect(e); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range v {
			if m, ok := e.(map[string]any); ok && isPlaceholderObject(m) {
				num, err := x.reference(m)
				if err != nil {
					return err
				}
				x.slots = append(x.slots, placeholderSlot{object: v, key: k, num: num})
				continue
			}
			if err := x.collect(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// reference validates the num of one placeholder object and marks it used.
func (x *placeholderIndex) reference(m map[string]any) (int, error) {
	raw, present := m["num"]
	if !present {
		return 0, errPlaceholder("placeholder without num")
	}
	number, ok := raw.(json.Number)
	if !ok {
		return 0, errPlaceholder("placeholder num is not a number")
	}
	// ParseInt rejects "1.5", "1e0" and out-of-range values; JSON never
	// has a leading "+".
	num, err := strconv.ParseInt(string(number), 10, 64)
	if err != nil || num < 0 || num >= int64(x.n) {
		return 0, errPlaceholder("placeholder num " + string(number) + " is not an integer in [0, " + strconv.Itoa(x.n) + ")")
	}
	if x.seen == nil {
		x.seen = make([]bool, x.n)
	}
	if x.seen[num] {
		return 0, errPlaceholder("attachment " + strconv.FormatInt(num, 10) + " referenced twice")
	}
	x.seen[num] = true
	return int(num), nil
}

// complete checks that every announced attachment has a placeholder.
func (x *placeholderIndex) complete() error {
	if len(x.slots) == x.n {
		return nil
	}
	for num := 0; num < x.n; num++ {
		if x.seen == nil || !x.seen[num] {
			return errPlaceholder("attachment " + strconv.Itoa(num) + " is never referenced")
		}
	}
	return nil
}

// fill puts the attachments where their placeholders were.
func (x *placeholderIndex) fill(attachments [][]byte) {
	for _, s := range x.slots {
		if s.array != nil {
			s.array[s.index] = attachments[s.num]
		} else {
			s.object[s.key] = attachments[s.num]
		}
	}
}
