package parser

import (
	"encoding/json"
	"fmt"
)

// Bind decodes arg, one of the values a decoded packet's Data holds
// (map[string]any, []any, json.Number, string, bool, nil, or []byte for a
// binary attachment), into v, a pointer: through JSON, except that a
// binary attachment binds only to a *[]byte. Both ends of the connection
// use it for their Event.Bind.
func Bind(arg any, v any) error {
	if b, ok := arg.([]byte); ok {
		if dst, ok := v.(*[]byte); ok {
			*dst = b
			return nil
		}
		return fmt.Errorf("socketio: binary argument needs a *[]byte, not %T", v)
	}
	raw, err := json.Marshal(arg)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}
