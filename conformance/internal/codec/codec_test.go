package codec

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEngineIORoundTrip(t *testing.T) {
	for _, p := range []EIOPacket{Text(EIOOpen, `{"sid":"a"}`), Text(EIOPing, ""), Text(EIOPing, "probe"), Text(EIOMessage, "héllo"), Bin([]byte{0, 1, 255})} {
		got, err := DecodeText(EncodeText(p))
		require.NoError(t, err)
		require.Equal(t, p.Type, got.Type)
		require.Equal(t, p.Binary, got.Binary)
		require.Equal(t, string(p.Data), string(got.Data))
	}
}

func TestPayload(t *testing.T) {
	body := EncodePayload(Text(EIOMessage, "a"), Bin([]byte{1, 2}), Text(EIOPing, ""))
	require.Equal(t, "4a\x1ebAQI=\x1e2", string(body))
	ps, err := DecodePayload(body)
	require.NoError(t, err)
	require.Len(t, ps, 3)
	_, err = DecodePayload([]byte("4a\x1e"))
	var ce *Error
	require.True(t, errors.As(err, &ce))
	require.Equal(t, KindEmpty, ce.Kind, "an empty element makes the payload invalid")
	_, err = DecodePayload([]byte("9"))
	require.True(t, errors.As(err, &ce))
	require.Equal(t, KindType, ce.Kind)
}

func TestDecodeOpenRequiresEveryField(t *testing.T) {
	o, err := DecodeOpen([]byte(`{"sid":"x","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`))
	require.NoError(t, err)
	require.Equal(t, 25000, o.PingInterval)
	_, err = DecodeOpen([]byte(`{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000}`))
	var ce *Error
	require.True(t, errors.As(err, &ce))
	require.Equal(t, KindOpen, ce.Kind)
	_, err = DecodeOpen([]byte(`{"sid":"x","upgrades":[],"pingInterval":"25000","pingTimeout":20000,"maxPayload":1}`))
	require.Error(t, err, "a string pingInterval is the wrong type")
}

func TestSocketIOForms(t *testing.T) {
	cases := map[string]SIOPacket{
		`0`:                                      {Type: SIOConnect, Namespace: "/"},
		`0/admin,{"token":"x"}`:                  {Type: SIOConnect, Namespace: "/admin", Data: json.RawMessage(`{"token":"x"}`)},
		`1/admin,`:                               {Type: SIODisconnect, Namespace: "/admin"},
		`2["hello",1]`:                           {Type: SIOEvent, Namespace: "/", Data: json.RawMessage(`["hello",1]`)},
		`2/admin,456["a"]`:                       {Type: SIOEvent, Namespace: "/admin", ID: Ack(456), Data: json.RawMessage(`["a"]`)},
		`3/admin,456[]`:                          {Type: SIOAck, Namespace: "/admin", ID: Ack(456), Data: json.RawMessage(`[]`)},
		`4{"message":"Not authorized"}`:          {Type: SIOConnectError, Namespace: "/", Data: json.RawMessage(`{"message":"Not authorized"}`)},
		`51-["b",{"_placeholder":true,"num":0}]`: {Type: SIOBinaryEvent, Namespace: "/", Attachments: 1, Data: json.RawMessage(`["b",{"_placeholder":true,"num":0}]`)},
		`61-/admin,1[{"_placeholder":true,"num":0}]`: {Type: SIOBinaryAck, Namespace: "/admin", ID: Ack(1), Attachments: 1, Data: json.RawMessage(`[{"_placeholder":true,"num":0}]`)},
	}
	for text, want := range cases {
		got, err := DecodeSIO([]byte(text))
		require.NoError(t, err, text)
		require.Equal(t, want, got, text)
		if want.Namespace == "/" || text[len(text)-1] != ',' {
			require.Equal(t, text, string(EncodeSIO(got)), "re-encoding %s", text)
		}
	}
}

func TestSocketIORejects(t *testing.T) {
	for text, kind := range map[string]Kind{
		``:                            KindEmpty,
		`7`:                           KindType,
		`2`:                           KindJSON,
		`2[]`:                         KindJSON,
		`2[1]`:                        KindJSON,
		`2{"a":1}`:                    KindJSON,
		`2["a"`:                       KindJSON,
		`0"str"`:                      KindJSON,
		`1{}`:                         KindJSON,
		`4`:                           KindJSON,
		`3[]`:                         KindJSON,
		`5["a"]`:                      KindAttachments,
		`5x-["a"]`:                    KindAttachments,
		`2999999999999999999999["a"]`: KindAckID,
	} {
		_, err := DecodeSIO([]byte(text))
		var ce *Error
		require.True(t, errors.As(err, &ce), "%q must fail", text)
		require.Equal(t, kind, ce.Kind, "%q", text)
	}
}

func TestBinaryArgs(t *testing.T) {
	data, atts, err := EncodeArgs("ev", []byte{1, 2}, map[string]any{"x": []byte{3}})
	require.NoError(t, err)
	require.Len(t, atts, 2)
	args, err := DecodeArgs(data, atts)
	require.NoError(t, err)
	require.Equal(t, []byte{1, 2}, args[1])
	require.Equal(t, []byte{3}, args[2].(map[string]any)["x"])

	_, err = DecodeArgs(json.RawMessage(`["a",{"_placeholder":true,"num":5}]`), [][]byte{{1}})
	var ce *Error
	require.True(t, errors.As(err, &ce))
	require.Equal(t, KindAttachments, ce.Kind)
	_, err = DecodeArgs(json.RawMessage(`["a",{"_placeholder":true,"num":"0"}]`), [][]byte{{1}})
	require.True(t, errors.As(err, &ce), "a string num is not an index")
	_, err = DecodeArgs(json.RawMessage(`["a"]`), [][]byte{{1}})
	require.True(t, errors.As(err, &ce), "an unreferenced attachment is an error")
}
