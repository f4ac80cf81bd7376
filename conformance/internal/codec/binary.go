package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// placeholder is how a binary attachment is referenced in the JSON part.
type placeholder struct {
	Placeholder bool `json:"_placeholder"`
	Num         int  `json:"num"`
}

// EncodeArgs builds the JSON array of an EVENT or ACK from Go values,
// replacing every []byte by a placeholder. It returns the array and the
// attachments in placeholder order; a non-empty list means the packet must
// be a BINARY_EVENT or BINARY_ACK followed by those binary messages.
func EncodeArgs(args ...any) (json.RawMessage, [][]byte, error) {
	var atts [][]byte
	replaced := make([]any, len(args))
	for i, a := range args {
		replaced[i] = withPlaceholders(a, &atts)
	}
	data, err := json.Marshal(replaced)
	return data, atts, err
}

func withPlaceholders(v any, atts *[][]byte) any {
	switch x := v.(type) {
	case []byte:
		*atts = append(*atts, x)
		return placeholder{true, len(*atts) - 1}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withPlaceholders(e, atts)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = withPlaceholders(e, atts)
		}
		return out
	}
	return v
}

// DecodeArgs decodes a JSON array payload into Go values (numbers as
// json.Number), replacing each placeholder by its attachment. Every
// attachment must be referenced, each placeholder index must exist.
func DecodeArgs(data json.RawMessage, atts [][]byte) ([]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var args []any
	if err := dec.Decode(&args); err != nil {
		return nil, errorf(KindJSON, data, "%v", err)
	}
	used := make([]bool, len(atts))
	for i := range args {
		v, err := fillPlaceholders(args[i], atts, used)
		if err != nil {
			return nil, errorf(KindAttachments, data, "%v", err)
		}
		args[i] = v
	}
	for i, u := range used {
		if !u {
			return nil, errorf(KindAttachments, data, "attachment %d is never referenced", i)
		}
	}
	return args, nil
}

func fillPlaceholders(v any, atts [][]byte, used []bool) (any, error) {
	switch x := v.(type) {
	case []any:
		for i := range x {
			y, err := fillPlaceholders(x[i], atts, used)
			if err != nil {
				return nil, err
			}
			x[i] = y
		}
	case map[string]any:
		if ph, ok := x["_placeholder"].(bool); ok && ph {
			num, _ := x["num"].(json.Number)
			n, err := num.Int64()
			if err != nil || n < 0 || int(n) >= len(atts) {
				return nil, fmt.Errorf("placeholder num %v out of range (%d attachments)", x["num"], len(atts))
			}
			used[n] = true
			return atts[n], nil
		}
		for k := range x {
			y, err := fillPlaceholders(x[k], atts, used)
			if err != nil {
				return nil, err
			}
			x[k] = y
		}
	}
	return v, nil
}
