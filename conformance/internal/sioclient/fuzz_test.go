package sioclient

import (
	"testing"

	"socketlab/conformance/internal/codec"
)

// nopTransport swallows what the socket sends (pongs) during fuzzing.
type nopTransport struct{}

func (nopTransport) send(codec.EIOPacket) error { return nil }
func (nopTransport) close()                     {}
func (nopTransport) cut()                       {}

// FuzzIncoming feeds arbitrary frames from a "server" through the socket's
// decoding and recording: whatever a target sends, the client must record
// it (or its error) without panicking, and its record must stay ordered.
func FuzzIncoming(f *testing.F) {
	for _, seed := range []string{
		`0{"sid":"x","upgrades":[],"pingInterval":1,"pingTimeout":1,"maxPayload":1}`,
		`40{"sid":"a","pid":"p"}`, `44{"message":"Invalid token"}`, `42["video:progress",{"videoId":"v","progress":10,"stage":"metadata"}]`,
		`42["n",{},"off-7"]`, `431[{"ok":true}]`, `451-["b",{"_placeholder":true,"num":0}]`, "2", "2probe", "1", "6", "41",
		`44/admin,{"message":"Invalid namespace"}`, `4`, `42`, `42[]`, `42[1]`, `43[]`, `4999999999999999999999[]`, "b", "bAAEC",
	} {
		f.Add([]byte(seed), false)
	}
	f.Add([]byte{0, 1, 2}, true)
	f.Fuzz(func(t *testing.T, frame []byte, binary bool) {
		s := &Socket{opts: Options{Namespace: "/"}, tr: nopTransport{}, rec: newRecorder(), done: make(chan struct{})}
		for range 2 { // twice: a pending binary packet meets its attachment
			if binary {
				s.onPacket(codec.Bin(frame), string(frame))
			} else if p, err := codec.DecodeText(frame); err == nil {
				s.onPacket(p, string(frame))
			} else {
				s.onBadFrame(string(frame), err)
			}
		}
		for i, r := range s.Packets() {
			if r.Seq != i {
				t.Fatalf("record %d has Seq %d", i, r.Seq)
			}
			if r.Err == nil && r.IsEvent() && r.Packet.Type != codec.SIOEvent && r.Packet.Type != codec.SIOBinaryEvent {
				t.Fatalf("IsEvent for %v", r.Packet.Type)
			}
		}
		_ = s.Events()
		_ = s.Disconnected()
	})
}
