package parser

import "testing"

func TestPacketTypeString(t *testing.T) {
	want := map[PacketType]string{
		Connect: "CONNECT", Disconnect: "DISCONNECT", Event: "EVENT", Ack: "ACK",
		ConnectError: "CONNECT_ERROR", BinaryEvent: "BINARY_EVENT", BinaryAck: "BINARY_ACK",
		7: "UNKNOWN(7)", 255: "UNKNOWN(255)",
	}
	for typ, name := range want {
		if got := typ.String(); got != name {
			t.Errorf("PacketType(%d).String() = %q, want %q", byte(typ), got, name)
		}
	}
}

func TestReservedEventsCannotBeDisabled(t *testing.T) {
	saved := ReservedEvents[0]
	ReservedEvents[0] = "something else"
	defer func() { ReservedEvents[0] = saved }()
	if !isReservedEvent("connect") {
		t.Fatal("modifying the exported ReservedEvents changed validation")
	}
}
