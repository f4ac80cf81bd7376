package parser

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

type point struct {
	X, Y int
}

func TestEncode(t *testing.T) {
	tests := []struct {
		name        string
		packet      Packet
		text        string
		attachments []string
	}{
		// The examples of the protocol specification.
		{"connect", Packet{Type: Connect, Namespace: "/", ID: NoAckID}, `0`, nil},
		{"connect with sid", Packet{Type: Connect, Namespace: "/", ID: NoAckID, Data: map[string]any{"sid": "wZX3oN0bSVIhsaknAAAI"}}, `0{"sid":"wZX3oN0bSVIhsaknAAAI"}`, nil},
		{"connect to namespace", Packet{Type: Connect, Namespace: "/admin", ID: NoAckID}, `0/admin,`, nil},
		{"connect to namespace with auth", Packet{Type: Connect, Namespace: "/admin", ID: NoAckID, Data: map[string]any{"token": "x"}}, `0/admin,{"token":"x"}`, nil},
		{"connect error", Packet{Type: ConnectError, Namespace: "/", ID: NoAckID, Data: map[string]any{"message": "Not authorized", "data": map[string]any{"a": 1}}}, `4{"data":{"a":1},"message":"Not authorized"}`, nil},
		{"connect error string", Packet{Type: ConnectError, Namespace: "/", ID: NoAckID, Data: "Not authorized"}, `4"Not authorized"`, nil},
		{"event", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"foo"}}, `2["foo"]`, nil},
		{"event with args", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"hello", 1}}, `2["hello",1]`, nil},
		{"event to namespace", Packet{Type: Event, Namespace: "/admin", ID: NoAckID, Data: []any{"bar"}}, `2/admin,["bar"]`, nil},
		{"event with ack id", Packet{Type: Event, Namespace: "/", ID: 12, Data: []any{"foo"}}, `212["foo"]`, nil},
		{"event with ack id 0", Packet{Type: Event, Namespace: "/", ID: 0, Data: []any{"foo"}}, `20["foo"]`, nil},
		{"event to namespace with ack id", Packet{Type: Event, Namespace: "/admin", ID: 12, Data: []any{"ev"}}, `2/admin,12["ev"]`, nil},
		{"ack", Packet{Type: Ack, Namespace: "/", ID: 12, Data: []any{"ok"}}, `312["ok"]`, nil},
		{"empty ack", Packet{Type: Ack, Namespace: "/", ID: 12, Data: []any{}}, `312[]`, nil},
		{"ack with nil data", Packet{Type: Ack, Namespace: "/", ID: 12}, `312[]`, nil},
		{"ack with nil slice", Packet{Type: Ack, Namespace: "/", ID: 12, Data: []any(nil)}, `312[]`, nil},
		{"ack to namespace", Packet{Type: Ack, Namespace: "/admin", ID: 13, Data: []any{"bar"}}, `3/admin,13["bar"]`, nil},
		{"disconnect", Packet{Type: Disconnect, Namespace: "/", ID: NoAckID}, `1`, nil},
		{"disconnect namespace", Packet{Type: Disconnect, Namespace: "/admin", ID: NoAckID}, `1/admin,`, nil},
		{"empty namespace is root", Packet{Type: Event, ID: NoAckID, Data: []any{"foo"}}, `2["foo"]`, nil},
		{"id ignored on connect", Packet{Type: Connect, Namespace: "/", ID: 5}, `0`, nil},

		// Binary.
		{"binary event", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"up", []byte{1, 2, 3, 4}}},
			`51-["up",{"_placeholder":true,"num":0}]`, []string{"\x01\x02\x03\x04"}},
		{"binary event two attachments", Packet{Type: Event, Namespace: "/admin", ID: NoAckID, Data: []any{"baz", []byte{1, 2}, []byte{3, 4}}},
			`52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, []string{"\x01\x02", "\x03\x04"}},
		{"binary event with ack id", Packet{Type: Event, Namespace: "/", ID: 14, Data: []any{"foo", []byte{1}}},
			`51-14["foo",{"_placeholder":true,"num":0}]`, []string{"\x01"}},
		{"binary ack", Packet{Type: Ack, Namespace: "/", ID: 15, Data: []any{"bar", []byte{1}}},
			`61-15["bar",{"_placeholder":true,"num":0}]`, []string{"\x01"}},
		{"binary ack to namespace", Packet{Type: Ack, Namespace: "/admin", ID: 3, Data: []any{[]byte("x")}},
			`61-/admin,3[{"_placeholder":true,"num":0}]`, []string{"x"}},
		{"nested binary", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"a", map[string]any{"b": []any{"c", []byte("abc")}}}},
			`51-["a",{"b":["c",{"_placeholder":true,"num":0}]}]`, []string{"abc"}},
		{"binary in sorted key order", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"m", map[string]any{"z": []byte("z"), "a": []byte("a"), "m": []any{[]byte("m")}}}},
			`53-["m",{"a":{"_placeholder":true,"num":0},"m":[{"_placeholder":true,"num":1}],"z":{"_placeholder":true,"num":2}}]`, []string{"a", "m", "z"}},
		{"empty binary", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"e", []byte{}}},
			`51-["e",{"_placeholder":true,"num":0}]`, []string{""}},
		{"BINARY_EVENT without binary is EVENT", Packet{Type: BinaryEvent, Namespace: "/", ID: NoAckID, Data: []any{"foo"}}, `2["foo"]`, nil},
		{"BINARY_ACK with binary", Packet{Type: BinaryAck, Namespace: "/", ID: 1, Data: []any{[]byte("x")}},
			`61-1[{"_placeholder":true,"num":0}]`, []string{"x"}},
		{"[]byte in a struct is base64", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"s", struct{ B []byte }{[]byte("hi")}}}, `2["s",{"B":"aGk="}]`, nil},
		{"[]byte on CONNECT is base64", Packet{Type: Connect, Namespace: "/", ID: NoAckID, Data: map[string]any{"b": []byte("hi")}}, `0{"b":"aGk="}`, nil},

		// JSON encoding details.
		{"html not escaped", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"<b>", "a&b", "</script>"}}, `2["<b>","a&b","</script>"]`, nil},
		{"unicode", Packet{Type: Event, Namespace: "/ünï", ID: NoAckID, Data: []any{"héllo", "日本語", "🎉"}}, `2/ünï,["héllo","日本語","🎉"]`, nil},
		{"empty arrays and objects", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"e", []any{}, map[string]any{}, nil}}, `2["e",[],{},null]`, nil},
		{"typed slice", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []string{"typed", "args"}}, `2["typed","args"]`, nil},
		{"struct argument", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"p", point{1, 2}}}, `2["p",{"X":1,"Y":2}]`, nil},
		{"raw message", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: json.RawMessage(`[ "raw" , 1 ]`)}, `2["raw",1]`, nil},
		{"json.Number", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"n", json.Number("1.50")}}, `2["n",1.50]`, nil},
		{"escaped event name", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"a\"b\n"}}, `2["a\"b\n"]`, nil},
		{"error event is allowed", Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"error"}}, `2["error"]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, atts, err := Encode(&tt.packet)
			requireNoError(t, err)
			if string(text) != tt.text {
				t.Errorf("text = %s, want %s", text, tt.text)
			}
			if got := attachmentsOf(atts); !reflect.DeepEqual(got, tt.attachments) {
				t.Errorf("attachments = %q, want %q", got, tt.attachments)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	cyclic := make([]any, 2)
	cyclic[0] = "loop"
	cyclic[1] = cyclic
	tests := []struct {
		name   string
		packet Packet
	}{
		{"unknown type", Packet{Type: 7, ID: NoAckID}},
		{"namespace without slash", Packet{Type: Event, Namespace: "admin", ID: NoAckID, Data: []any{"x"}}},
		{"namespace with comma", Packet{Type: Event, Namespace: "/a,b", ID: NoAckID, Data: []any{"x"}}},
		{"namespace with control character", Packet{Type: Event, Namespace: "/a\nb", ID: NoAckID, Data: []any{"x"}}},
		{"namespace with invalid UTF-8", Packet{Type: Event, Namespace: "/a\xffb", ID: NoAckID, Data: []any{"x"}}},
		{"event id below -1", Packet{Type: Event, ID: -2, Data: []any{"x"}}},
		{"ack without id", Packet{Type: Ack, ID: NoAckID, Data: []any{}}},
		{"event without data", Packet{Type: Event, ID: NoAckID}},
		{"event with nil slice", Packet{Type: Event, ID: NoAckID, Data: []any(nil)}},
		{"event with empty array", Packet{Type: Event, ID: NoAckID, Data: []any{}}},
		{"event with object", Packet{Type: Event, ID: NoAckID, Data: map[string]any{"a": 1}}},
		{"event with number name", Packet{Type: Event, ID: NoAckID, Data: []any{1, "x"}}},
		{"event with reserved name", Packet{Type: Event, ID: NoAckID, Data: []any{"connect"}}},
		{"event with escaped reserved name", Packet{Type: Event, ID: NoAckID, Data: json.RawMessage(`["\u0063onnect"]`)}},
		{"event with top-level []byte", Packet{Type: Event, ID: NoAckID, Data: []byte("x")}},
		{"ack with object", Packet{Type: Ack, ID: 1, Data: map[string]any{}}},
		{"connect with array", Packet{Type: Connect, ID: NoAckID, Data: []any{}}},
		{"connect with string", Packet{Type: Connect, ID: NoAckID, Data: "x"}},
		{"disconnect with data", Packet{Type: Disconnect, ID: NoAckID, Data: map[string]any{}}},
		{"connect error without data", Packet{Type: ConnectError, ID: NoAckID}},
		{"connect error with array", Packet{Type: ConnectError, ID: NoAckID, Data: []any{"x"}}},
		{"unmarshalable data", Packet{Type: Event, ID: NoAckID, Data: []any{"x", make(chan int)}}},
		{"placeholder-like object in binary packet", Packet{Type: Event, ID: NoAckID, Data: []any{"x", map[string]any{"_placeholder": true, "num": 0}, []byte{1}}}},
		{"cyclic data", Packet{Type: Event, ID: NoAckID, Data: cyclic}},
	}
	for _, reserved := range ReservedEvents {
		tests = append(tests, struct {
			name   string
			packet Packet
		}{"reserved " + reserved, Packet{Type: Event, ID: NoAckID, Data: []any{reserved, 1}}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, atts, err := Encode(&tt.packet)
			if err == nil {
				t.Fatalf("Encode succeeded with %q (+%d attachments)", text, len(atts))
			}
			if !errors.Is(err, ErrCannotEncode) {
				t.Fatalf("error %v does not wrap ErrCannotEncode", err)
			}
			if !strings.HasPrefix(err.Error(), "socketio: cannot encode packet: ") {
				t.Fatalf("Error() = %q", err.Error())
			}
			if text != nil || atts != nil {
				t.Fatalf("Encode returned output with an error")
			}
		})
	}
}

func TestEncodeMarshalErrorIsReachable(t *testing.T) {
	_, _, err := Encode(&Packet{Type: Event, ID: NoAckID, Data: []any{"x", make(chan int)}})
	var unsupported *json.UnsupportedTypeError
	if !errors.As(err, &unsupported) {
		t.Fatalf("error %v does not wrap the *json.UnsupportedTypeError", err)
	}
}

func TestEncodeDoesNotModifyData(t *testing.T) {
	blob := []byte{1, 2, 3}
	inner := []any{"c", blob}
	obj := map[string]any{"b": inner, "keep": "me"}
	args := []any{"a", obj, blob}
	p := &Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: args}

	for range 2 { // twice: the second run sees the data as it was
		text, atts, err := Encode(p)
		requireNoError(t, err)
		want := `52-["a",{"b":["c",{"_placeholder":true,"num":0}],"keep":"me"},{"_placeholder":true,"num":1}]`
		if string(text) != want {
			t.Fatalf("text = %s, want %s", text, want)
		}
		if len(atts) != 2 || &atts[0][0] != &blob[0] || &atts[1][0] != &blob[0] {
			t.Fatalf("attachments are not the caller's slices")
		}
	}
	if p.Type != Event || !reflect.DeepEqual(args, []any{"a", obj, blob}) ||
		!reflect.DeepEqual(obj, map[string]any{"b": inner, "keep": "me"}) ||
		!reflect.DeepEqual(inner, []any{"c", blob}) {
		t.Fatalf("Encode modified the caller's data: %#v", p.Data)
	}
}

func TestEncodeReturnsFreshText(t *testing.T) {
	a, _, err := Encode(&Packet{Type: Event, ID: NoAckID, Data: []any{"first"}})
	requireNoError(t, err)
	_, _, err = Encode(&Packet{Type: Event, ID: NoAckID, Data: []any{"second"}})
	requireNoError(t, err)
	if string(a) != `2["first"]` {
		t.Fatalf("a later Encode overwrote an earlier result: %s", a)
	}
}

func TestEncodeLargePacketNotPooled(t *testing.T) {
	big := strings.Repeat("x", 2*maxPooledBuffer)
	text, _, err := Encode(&Packet{Type: Event, ID: NoAckID, Data: []any{"big", big}})
	requireNoError(t, err)
	if len(text) != len(`2["big",""]`)+len(big) {
		t.Fatalf("len(text) = %d", len(text))
	}
}

func TestEncodeConcurrent(t *testing.T) {
	done := make(chan error)
	for g := range 8 {
		go func() {
			for i := range 200 {
				p := &Packet{Type: Event, Namespace: "/n", ID: int64(i), Data: []any{"ev", g, []byte{byte(i)}}}
				text, atts, err := Encode(p)
				if err != nil {
					done <- err
					return
				}
				d := &Decoder{}
				if _, err := d.Add(text, false); err != nil {
					done <- err
					return
				}
				got, err := d.Add(atts[0], true)
				if err != nil {
					done <- err
					return
				}
				if got.ID != int64(i) || got.Data.([]any)[1] != json.Number(mustJSON(g)) {
					done <- errors.New("mixed up packets: " + string(text))
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		requireNoError(t, <-done)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
