package engineio

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDecodePacket(t *testing.T) {
	cases := []struct {
		name   string
		in     string
		binary bool
		want   Packet
		err    bool
	}{
		{"open", `0{"sid":"x"}`, false, Packet{Type: PacketOpen, Data: []byte(`{"sid":"x"}`)}, false},
		{"close", "1", false, Packet{Type: PacketClose, Data: []byte{}}, false},
		{"ping probe", "2probe", false, Packet{Type: PacketPing, Data: []byte("probe")}, false},
		{"pong", "3", false, Packet{Type: PacketPong, Data: []byte{}}, false},
		{"message", "4hello", false, Packet{Type: PacketMessage, Data: []byte("hello")}, false},
		{"empty message", "4", false, Packet{Type: PacketMessage, Data: []byte{}}, false},
		{"utf8 message", "4é€😀", false, Packet{Type: PacketMessage, Data: []byte("é€😀")}, false},
		{"separator inside a frame", "4a\x1eb", false, Packet{Type: PacketMessage, Data: []byte("a\x1eb")}, false},
		{"upgrade", "5", false, Packet{Type: PacketUpgrade, Data: []byte{}}, false},
		{"noop", "6", false, Packet{Type: PacketNoop, Data: []byte{}}, false},
		{"base64", "bAQIDBA==", false, Packet{Type: PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true}, false},
		{"empty base64", "b", false, Packet{Type: PacketMessage, Data: []byte{}, Binary: true}, false},
		{"binary frame", "\x00\xff", true, Packet{Type: PacketMessage, Data: []byte{0, 0xff}, Binary: true}, false},
		{"binary frame not parsed", "4abc", true, Packet{Type: PacketMessage, Data: []byte("4abc"), Binary: true}, false},
		{"empty binary frame", "", true, Packet{Type: PacketMessage, Data: []byte{}, Binary: true}, false},

		{"empty", "", false, Packet{}, true},
		{"bad type letter", "abc", false, Packet{}, true},
		{"bad type digit", "7", false, Packet{}, true},
		{"type below 0", "/", false, Packet{}, true},
		{"separator", "\x1e", false, Packet{}, true},
		{"invalid base64", "b!!!", false, Packet{}, true},
		{"truncated base64", "bAQIDB", false, Packet{}, true},
		{"unpadded base64", "bAQ", false, Packet{}, true},
		{"base64url", "b-_8=", false, Packet{}, true},
		{"invalid utf8", "4\xff", false, Packet{}, true},
		{"overlong utf8", "4\xc0\xaf", false, Packet{}, true},
		{"surrogate utf8", "4\xed\xa0\x80", false, Packet{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := []byte(c.in)
			if c.in == "" {
				in = []byte{}
			}
			p, err := DecodePacket(in, c.binary)
			if c.err {
				require.ErrorIs(t, err, ErrInvalidPacket)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, p)
		})
	}
}

func TestAppendPacket(t *testing.T) {
	cases := []struct {
		p    Packet
		want string
	}{
		{Packet{Type: PacketPing}, "2"},
		{Packet{Type: PacketPong, Data: []byte("probe")}, "3probe"},
		{Packet{Type: PacketMessage, Data: []byte("hello")}, "4hello"},
		{Packet{Type: PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true}, "bAQIDBA=="},
		{Packet{Type: PacketMessage, Binary: true}, "b"},
		{Packet{Type: PacketNoop}, "6"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, string(AppendPacket(nil, c.p)))
		require.Equal(t, "x"+c.want, string(AppendPacket([]byte("x"), c.p)), "appends")
	}
}

func TestDecodePayload(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []Packet
	}{
		{"one", "4hello", []Packet{{Type: PacketMessage, Data: []byte("hello")}}},
		{"spec example", "4hello\x1e2\x1e4world", []Packet{
			{Type: PacketMessage, Data: []byte("hello")},
			{Type: PacketPing, Data: []byte{}},
			{Type: PacketMessage, Data: []byte("world")},
		}},
		{"binary", "4hello\x1ebAQIDBA==", []Packet{
			{Type: PacketMessage, Data: []byte("hello")},
			{Type: PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true},
		}},
		{"empty messages", "4\x1e4", []Packet{
			{Type: PacketMessage, Data: []byte{}},
			{Type: PacketMessage, Data: []byte{}},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodePayload([]byte(c.in))
			require.NoError(t, err)
			require.Equal(t, c.want, got)
			require.Equal(t, c.in, string(AppendPayload(nil, got)))
		})
	}
}

func TestDecodePayloadErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":              "",
		"trailing separator": "4a\x1e",
		"leading separator":  "\x1e4a",
		"separator run":      "4a\x1e\x1e\x1e4b",
		"only separators":    "\x1e\x1e\x1e",
		"bad type":           "4a\x1ex",
		"invalid base64":     "4a\x1eb%%%",
		"truncated base64":   "bAQIDB",
		"invalid utf8":       "4a\x1e4\xff",
		"binary-looking":     "\x00\x01",
	} {
		t.Run(name, func(t *testing.T) {
			got, err := DecodePayload([]byte(in))
			require.ErrorIs(t, err, ErrInvalidPayload)
			require.Nil(t, got)
			if in != "" {
				require.ErrorIs(t, err, ErrInvalidPacket)
			}
		})
	}
}

func TestAppendPayload(t *testing.T) {
	require.Empty(t, AppendPayload(nil, nil))
	got := AppendPayload(nil, []Packet{
		{Type: PacketMessage, Data: []byte("a")},
		{Type: PacketMessage, Data: []byte{0xff}, Binary: true},
		{Type: PacketPing},
	})
	require.Equal(t, "4a\x1eb/w==\x1e2", string(got))
}

func TestPacketTypeString(t *testing.T) {
	require.Equal(t, "open", PacketOpen.String())
	require.Equal(t, "noop", PacketNoop.String())
	require.Equal(t, "message", PacketMessage.String())
	require.Equal(t, "PacketType(0x78)", PacketType('x').String())
	require.False(t, PacketType('7').Valid())
}

func TestMessage(t *testing.T) {
	m := NewTextMessage("hi")
	require.Equal(t, "hi", string(m.Data()))
	require.False(t, m.IsBinary())
	require.Equal(t, PacketMessage, m.Type())
	require.Equal(t, "4hi", string(m.pollingForm()))
	require.Equal(t, len(m.pollingForm()), m.pollingLen())

	b := NewBinaryMessage([]byte{1, 2, 3})
	require.True(t, b.IsBinary())
	require.Equal(t, []byte{1, 2, 3}, b.Data())
	require.Equal(t, "bAQID", string(b.pollingForm()))
	require.Equal(t, len(b.pollingForm()), b.pollingLen())

	src := []byte("copied")
	c := NewTextMessageBytes(src)
	src[0] = 'X'
	require.Equal(t, "copied", string(c.Data()))

	require.NotNil(t, m.prepared())
	require.Same(t, m.prepared(), m.prepared())
}
