package parser

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	n := func(s string) json.Number { return json.Number(s) }
	tests := []struct {
		name        string
		text        string
		attachments []string
		want        Packet
	}{
		{"connect", `0`, nil, Packet{Type: Connect, Namespace: "/", ID: NoAckID}},
		{"connect with auth", `0{"token":"x"}`, nil, Packet{Type: Connect, Namespace: "/", ID: NoAckID, Data: map[string]any{"token": "x"}}},
		{"connect to namespace", `0/admin,`, nil, Packet{Type: Connect, Namespace: "/admin", ID: NoAckID}},
		{"connect to namespace without comma", `0/admin`, nil, Packet{Type: Connect, Namespace: "/admin", ID: NoAckID}},
		{"connect to namespace with auth", `0/admin,{"token":"x"}`, nil, Packet{Type: Connect, Namespace: "/admin", ID: NoAckID, Data: map[string]any{"token": "x"}}},
		{"connect to root spelled out", `0/,`, nil, Packet{Type: Connect, Namespace: "/", ID: NoAckID}},
		{"disconnect", `1`, nil, Packet{Type: Disconnect, Namespace: "/", ID: NoAckID}},
		{"disconnect namespace", `1/admin,`, nil, Packet{Type: Disconnect, Namespace: "/admin", ID: NoAckID}},
		{"event", `2["hello",1]`, nil, Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"hello", n("1")}}},
		{"event with namespace and ack id", `2/admin,12["ev"]`, nil, Packet{Type: Event, Namespace: "/admin", ID: 12, Data: []any{"ev"}}},
		{"event with ack id 0", `20["ev"]`, nil, Packet{Type: Event, Namespace: "/", ID: 0, Data: []any{"ev"}}},
		{"event with largest ack id", `29223372036854775807["ev"]`, nil, Packet{Type: Event, Namespace: "/", ID: 9223372036854775807, Data: []any{"ev"}}},
		{"event named error", `2["error"]`, nil, Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"error"}}},
		{"event named like reserved but other case", `2["Connect"]`, nil, Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"Connect"}}},
		{"event with every JSON kind", `2["k",null,true,false,-1.5e3,"s",[],{},[1,[2]],{"a":{"b":null}}]`, nil, Packet{Type: Event, Namespace: "/", ID: NoAckID,
			Data: []any{"k", nil, true, false, n("-1.5e3"), "s", []any{}, map[string]any{}, []any{n("1"), []any{n("2")}}, map[string]any{"a": map[string]any{"b": nil}}}}},
		{"event with big number", `2["n",12345678901234567890123]`, nil, Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"n", n("12345678901234567890123")}}},
		{"unicode", `2/ünï,["héllo","\u65e5本","🎉"]`, nil, Packet{Type: Event, Namespace: "/ünï", ID: NoAckID, Data: []any{"héllo", "日本", "🎉"}}},
		{"html characters", `2["<b>","a&b"]`, nil, Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"<b>", "a&b"}}},
		{"JSON whitespace around the payload", "2 [\"x\" , 1 ]\n", nil, Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"x", n("1")}}},
		{"placeholder-like object in a text event stays an object", `2["x",{"_placeholder":true,"num":0}]`, nil,
			Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"x", map[string]any{"_placeholder": true, "num": n("0")}}}},
		{"ack", `312["ok"]`, nil, Packet{Type: Ack, Namespace: "/", ID: 12, Data: []any{"ok"}}},
		{"empty ack", `312[]`, nil, Packet{Type: Ack, Namespace: "/", ID: 12, Data: []any{}}},
		{"ack with namespace", `3/admin,13["bar"]`, nil, Packet{Type: Ack, Namespace: "/admin", ID: 13, Data: []any{"bar"}}},
		{"connect error object", `4{"message":"Not authorized","data":{"a":1}}`, nil,
			Packet{Type: ConnectError, Namespace: "/", ID: NoAckID, Data: map[string]any{"message": "Not authorized", "data": map[string]any{"a": n("1")}}}},
		{"connect error string", `4/admin,"Not authorized"`, nil, Packet{Type: ConnectError, Namespace: "/admin", ID: NoAckID, Data: "Not authorized"}},

		// Binary packets come out as EVENT and ACK, with []byte in Data.
		{"binary event", `51-["up",{"_placeholder":true,"num":0}]`, []string{"\x01\x02"},
			Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"up", []byte{1, 2}}}},
		{"binary ack", `61-/admin,3[{"_placeholder":true,"num":0}]`, []string{"x"},
			Packet{Type: Ack, Namespace: "/admin", ID: 3, Data: []any{[]byte("x")}}},
		{"binary event with ack id", `51-14["foo",{"_placeholder":true,"num":0}]`, []string{"y"},
			Packet{Type: Event, Namespace: "/", ID: 14, Data: []any{"foo", []byte("y")}}},
		{"multiple attachments out of order", `53-/n,["m",{"_placeholder":true,"num":2},{"a":[{"_placeholder":true,"num":0}]},{"_placeholder":true,"num":1,"extra":"ignored"}]`,
			[]string{"zero", "one", "two"},
			Packet{Type: Event, Namespace: "/n", ID: NoAckID, Data: []any{"m", []byte("two"), map[string]any{"a": []any{[]byte("zero")}}, []byte("one")}}},
		{"nested binary", `51-["a",{"b":["c",{"_placeholder":true,"num":0}]}]`, []string{"abc"},
			Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"a", map[string]any{"b": []any{"c", []byte("abc")}}}}},
		{"empty attachment", `51-["e",{"_placeholder":true,"num":0}]`, []string{""},
			Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"e", []byte{}}}},
		{"ten attachments", `510-["t",` + placeholders(10) + `]`, strings.Split("0123456789", ""),
			Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: append([]any{"t"}, bytesArgs("0123456789")...)}},
		{"leading zeros", `5001-007["z",{"_placeholder":true,"num":0}]`, []string{"a"},
			Packet{Type: Event, Namespace: "/", ID: 7, Data: []any{"z", []byte("a")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var atts [][]byte
			for _, a := range tt.attachments {
				atts = append(atts, []byte(a))
			}
			got, err := decodeMessages(t, &Decoder{}, tt.text, atts...)
			requireNoError(t, err)
			requireEqualPacket(t, got, &tt.want)
			checkRoundTrip(t, got)
		})
	}
}

// placeholders returns n placeholder objects, numbered 0..n-1.
func placeholders(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"_placeholder":true,"num":` + string(mustJSON(i)) + `}`)
	}
	return b.String()
}

// bytesArgs returns one []byte per character of s.
func bytesArgs(s string) []any {
	var out []any
	for i := range len(s) {
		out = append(out, []byte(s[i:i+1]))
	}
	return out
}

// malformedPackets are text messages every Decoder must reject; the fuzz
// seed corpus holds them too.
var malformedPackets = []struct {
	name   string
	text   string
	reason string
}{
	{"empty input", ``, ReasonEmptyPacket},
	{"unknown type digit", `7["x"]`, ReasonUnknownType},
	{"type 9", `999`, ReasonUnknownType},
	{"type not a digit", `a`, ReasonUnknownType},
	{"engine.io message prefix", `42["x"]`, ReasonInvalidAckID}, // the "4" belongs to Engine.IO
	{"event payload not an array", `2{"a":1}`, ReasonInvalidPayload},
	{"event payload a string", `2/admin,"invalid"`, ReasonInvalidPayload},
	{"event empty array", `2[]`, ReasonInvalidPayload},
	{"event without payload", `2`, ReasonInvalidPayload},
	{"event namespace without payload", `2/admin,`, ReasonInvalidPayload},
	{"event name a number", `2[1,"a"]`, ReasonInvalidPayload},
	{"event name null", `2[null,"bar"]`, ReasonInvalidPayload},
	{"event name a boolean", `2[true,"foo"]`, ReasonInvalidPayload},
	{"event name an object", `2[{"toString":"foo"}]`, ReasonInvalidPayload},
	{"reserved connect", `2["connect"]`, ReasonReservedEventName},
	{"reserved connect_error", `2["connect_error"]`, ReasonReservedEventName},
	{"reserved disconnect", `2["disconnect","123"]`, ReasonReservedEventName},
	{"reserved disconnecting", `2["disconnecting"]`, ReasonReservedEventName},
	{"reserved newListener", `2["newListener"]`, ReasonReservedEventName},
	{"reserved removeListener", `2["removeListener"]`, ReasonReservedEventName},
	{"reserved name in binary event", `51-["connect",{"_placeholder":true,"num":0}]`, ReasonReservedEventName},
	{"reserved name escaped", `2["\u0063onnect"]`, ReasonReservedEventName},
	{"too many attachments", `511-["x",` + placeholders(11) + `]`, ReasonTooManyAttachments},
	{"huge attachment count", `59999999999-["x"]`, ReasonTooManyAttachments},
	{"placeholder num out of range", `51-["x",{"_placeholder":true,"num":1}]`, ReasonInvalidPlaceholder},
	{"placeholder num negative", `51-["x",{"_placeholder":true,"num":-1}]`, ReasonInvalidPlaceholder},
	{"placeholder num fraction", `51-["x",{"_placeholder":true,"num":1.5}]`, ReasonInvalidPlaceholder},
	{"placeholder num float zero", `51-["x",{"_placeholder":true,"num":0.0}]`, ReasonInvalidPlaceholder},
	{"placeholder num exponent", `51-["x",{"_placeholder":true,"num":0e0}]`, ReasonInvalidPlaceholder},
	{"placeholder num string", `51-["x",{"_placeholder":true,"num":"0"}]`, ReasonInvalidPlaceholder},
	{"placeholder num splice", `51-["hello",{"_placeholder":true,"num":"splice"}]`, ReasonInvalidPlaceholder},
	{"placeholder num null", `51-["x",{"_placeholder":true,"num":null}]`, ReasonInvalidPlaceholder},
	{"placeholder num huge", `51-["x",{"_placeholder":true,"num":99999999999999999999}]`, ReasonInvalidPlaceholder},
	{"placeholder num missing", `51-["x",{"_placeholder":true}]`, ReasonInvalidPlaceholder},
	{"binary event with zero attachments", `50-["z"]`, ReasonIllegalAttachments},
	{"placeholder for zero attachments", `50-["x",{"_placeholder":true,"num":0}]`, ReasonIllegalAttachments},
	{"attachment referenced twice", `52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]`, ReasonInvalidPlaceholder},
	{"attachment never referenced", `52-["x",{"_placeholder":true,"num":0}]`, ReasonInvalidPlaceholder},
	{"binary event without placeholder", `51-["x"]`, ReasonInvalidPlaceholder},
	{"binary event without count", `5["x"]`, ReasonIllegalAttachments},
	{"binary event count without dash", `51["x"]`, ReasonIllegalAttachments},
	{"binary event dash only", `5-["x"]`, ReasonIllegalAttachments},
	{"binary event bare type", `5`, ReasonIllegalAttachments},
	{"binary event count at end", `51`, ReasonIllegalAttachments},
	{"binary event count not a number", `5a-`, ReasonIllegalAttachments},
	{"binary event count a fraction", `51.23-`, ReasonIllegalAttachments},
	{"binary ack count without dash", `61/admin,["x"]`, ReasonIllegalAttachments},
	{"event with attachments", `21-["x",{"_placeholder":true,"num":0}]`, ReasonIllegalAttachments},
	{"ack with attachments", `31-[{"_placeholder":true,"num":0}]`, ReasonIllegalAttachments},
	{"namespace with control character", "2/ad\x01min,[\"x\"]", ReasonIllegalNamespace},
	{"namespace with newline", "0/ad\nmin,", ReasonIllegalNamespace},
	{"namespace with DEL", "0/ad\x7fmin,", ReasonIllegalNamespace},
	{"namespace with invalid UTF-8", "0/ad\xffmin,", ReasonIllegalNamespace},
	{"ack id too long", `212345678901234567890["x"]`, ReasonInvalidAckID},
	{"ack id overflow", `29999999999999999999["x"]`, ReasonInvalidAckID},
	{"ack id int64 max plus one", `29223372036854775808["x"]`, ReasonInvalidAckID},
	{"ack without id", `3["ok"]`, ReasonInvalidAckID},
	{"binary ack without id", `61-[{"_placeholder":true,"num":0}]`, ReasonInvalidAckID},
	{"ack id on connect", `012{"a":1}`, ReasonInvalidAckID},
	{"ack id on disconnect", `1/admin,5`, ReasonInvalidAckID},
	{"ack id on connect error", `47"x"`, ReasonInvalidAckID},
	{"ack payload object", `312{}`, ReasonInvalidPayload},
	{"ack without payload", `312`, ReasonInvalidPayload},
	{"disconnect with payload", `1{}`, ReasonInvalidPayload},
	{"disconnect namespace with payload", `1/admin,{}`, ReasonInvalidPayload},
	{"connect with array payload", `0[]`, ReasonInvalidPayload},
	{"connect with string payload", `0/admin,"invalid"`, ReasonInvalidPayload},
	{"connect with null payload", `0null`, ReasonInvalidPayload},
	{"connect error without payload", `4`, ReasonInvalidPayload},
	{"connect error with array", `4["x"]`, ReasonInvalidPayload},
	{"connect error with number", `4 5`, ReasonInvalidPayload},
	{"connect error with trailing garbage", `4/admin,{"a":1}x`, ReasonInvalidJSON},
	{"invalid JSON", `2["x"`, ReasonInvalidJSON},
	{"invalid JSON unterminated string", `2/admin,"invalid`, ReasonInvalidJSON},
	{"invalid JSON engine.io packet", `442["some","data"`, ReasonInvalidAckID},
	{"trailing garbage", `2["x"]garbage`, ReasonInvalidJSON},
	{"second JSON value", `2["x"]["y"]`, ReasonInvalidJSON},
	{"trailing garbage after object", `0{}}`, ReasonInvalidJSON},
	{"whitespace only payload", `2 `, ReasonInvalidJSON},
	{"comma without namespace", `2,["x"]`, ReasonInvalidJSON},
	{"single quotes", `2['x']`, ReasonInvalidJSON},
	{"NaN", `2["x",NaN]`, ReasonInvalidJSON},
}

func TestDecodeMalformed(t *testing.T) {
	for _, tt := range malformedPackets {
		t.Run(tt.name, func(t *testing.T) {
			d := &Decoder{}
			p, err := d.Add([]byte(tt.text), false)
			if p != nil {
				t.Fatalf("decoded %#v", p)
			}
			de := requireDecodeError(t, err, tt.reason)
			if !strings.HasPrefix(tt.text, de.Input) && !strings.HasSuffix(de.Input, "...") {
				t.Errorf("Input = %q, want the message", de.Input)
			}
			// The decoder is usable again after an error.
			p, err = d.Add([]byte(`2["next"]`), false)
			requireNoError(t, err)
			if p == nil {
				t.Fatal("decoder stuck after an error")
			}
		})
	}
}

func TestDecodeMaxAttachments(t *testing.T) {
	three := `53-["x",` + placeholders(3) + `]`
	requireDecodeError(t, second((&Decoder{MaxAttachments: 2}).Add([]byte(three), false)), ReasonTooManyAttachments)
	requireDecodeError(t, second((&Decoder{MaxAttachments: -1}).Add([]byte(`51-["x",{"_placeholder":true,"num":0}]`), false)), ReasonTooManyAttachments)
	_, err := decodeMessages(t, &Decoder{MaxAttachments: 3}, three, []byte("a"), []byte("b"), []byte("c"))
	requireNoError(t, err)
	eleven := `511-["x",` + placeholders(11) + `]`
	atts := make([][]byte, 11)
	for i := range atts {
		atts[i] = []byte{byte(i)}
	}
	_, err = decodeMessages(t, &Decoder{MaxAttachments: 11}, eleven, atts...)
	requireNoError(t, err)
	// A binary type announcing none is illegal whatever the limit
	// (socket.io-parser 4.2.7: "Illegal attachments").
	requireDecodeError(t, second((&Decoder{MaxAttachments: -1}).Add([]byte(`50-["x"]`), false)), ReasonIllegalAttachments)
}

func second(_ *Packet, err error) error { return err }

func TestDecoderBinaryWhenNothingPending(t *testing.T) {
	d := &Decoder{}
	p, err := d.Add([]byte{1, 2, 3}, true)
	if p != nil {
		t.Fatal("returned a packet")
	}
	de := requireDecodeError(t, err, ReasonUnexpectedBinary)
	if de.Input != "binary message of 3 bytes" {
		t.Errorf("Input = %q", de.Input)
	}
	// After a complete binary packet, one more attachment is unexpected too.
	_, err = decodeMessages(t, d, `51-["x",{"_placeholder":true,"num":0}]`, []byte("a"))
	requireNoError(t, err)
	requireDecodeError(t, second(d.Add([]byte("b"), true)), ReasonUnexpectedBinary)
}

func TestDecoderTextWhilePending(t *testing.T) {
	d := &Decoder{}
	p, err := d.Add([]byte(`52-["x",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`), false)
	if p != nil || err != nil {
		t.Fatalf("Add = %v, %v; want nil, nil", p, err)
	}
	p, err = d.Add([]byte("a"), true)
	if p != nil || err != nil {
		t.Fatalf("Add = %v, %v; want nil, nil", p, err)
	}
	requireDecodeError(t, second(d.Add([]byte(`2["hello"]`), false)), ReasonUnexpectedText)
	// The error reset the decoder: the attachment that completes the
	// dropped packet is now unexpected, and text is accepted again.
	requireDecodeError(t, second(d.Add([]byte("b"), true)), ReasonUnexpectedBinary)
	p, err = d.Add([]byte(`2["hello"]`), false)
	requireNoError(t, err)
	requireEqualPacket(t, p, &Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"hello"}})
}

func TestDecoderReset(t *testing.T) {
	d := &Decoder{}
	if p, err := d.Add([]byte(`51-["hello",{"_placeholder":true,"num":0}]`), false); p != nil || err != nil {
		t.Fatalf("Add = %v, %v", p, err)
	}
	d.Reset()
	p, err := d.Add([]byte(`2["hello"]`), false)
	requireNoError(t, err)
	requireEqualPacket(t, p, &Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"hello"}})
}

func TestDecoderSequence(t *testing.T) {
	d := &Decoder{}
	msgs := []struct {
		data   string
		binary bool
		want   *Packet
	}{
		{`0{"token":"t"}`, false, &Packet{Type: Connect, Namespace: "/", ID: NoAckID, Data: map[string]any{"token": "t"}}},
		{`51-1["a",{"_placeholder":true,"num":0}]`, false, nil},
		{"A", true, &Packet{Type: Event, Namespace: "/", ID: 1, Data: []any{"a", []byte("A")}}},
		{`2["b"]`, false, &Packet{Type: Event, Namespace: "/", ID: NoAckID, Data: []any{"b"}}},
		{`62-/x,2[{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]`, false, nil},
		{"first", true, nil},
		{"second", true, &Packet{Type: Ack, Namespace: "/x", ID: 2, Data: []any{[]byte("second"), []byte("first")}}},
		{`1`, false, &Packet{Type: Disconnect, Namespace: "/", ID: NoAckID}},
	}
	for i, m := range msgs {
		p, err := d.Add([]byte(m.data), m.binary)
		requireNoError(t, err)
		if m.want == nil {
			if p != nil {
				t.Fatalf("message %d: got %#v, want none yet", i, p)
			}
			continue
		}
		requireEqualPacket(t, p, m.want)
	}
}

func TestDecoderTakesAttachmentOwnership(t *testing.T) {
	att := []byte("data")
	p, err := decodeMessages(t, &Decoder{}, `51-["x",{"_placeholder":true,"num":0}]`, att)
	requireNoError(t, err)
	if got := p.Data.([]any)[1].([]byte); &got[0] != &att[0] {
		t.Fatal("the attachment was copied; the documentation says it is taken as is")
	}
}

func TestDecoderDoesNotRetainText(t *testing.T) {
	text := []byte(`2/admin,["name","value"]`)
	p, err := (&Decoder{}).Add(text, false)
	requireNoError(t, err)
	for i := range text {
		text[i] = 'X'
	}
	requireEqualPacket(t, p, &Packet{Type: Event, Namespace: "/admin", ID: NoAckID, Data: []any{"name", "value"}})
}

func TestDecodeErrorMessage(t *testing.T) {
	long := `2["` + strings.Repeat("é", 100) + `"`
	_, err := (&Decoder{}).Add([]byte(long), false)
	de := requireDecodeError(t, err, ReasonInvalidJSON)
	if !strings.HasSuffix(de.Input, "...") || len(de.Input) > maxInputInError+3 {
		t.Fatalf("Input not truncated: %q", de.Input)
	}
	if !strings.HasPrefix(long, strings.TrimSuffix(de.Input, "...")) {
		t.Fatalf("Input %q is not a prefix of the message", de.Input)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "socketio: invalid packet: invalid JSON (") {
		t.Fatalf("Error() = %q", msg)
	}
}
