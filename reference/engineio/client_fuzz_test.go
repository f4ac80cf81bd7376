package engineio

import (
	"bytes"
	"testing"

	"github.com/gorilla/websocket"
)

// FuzzClientHandshake feeds arbitrary server input to the client's
// handshake decoders: the body of a polling handshake, the first
// WebSocket frame (text or binary) and the open packet's JSON. They never
// panic, never modify their input, and what they accept is a usable
// handshake: a sid, positive pingInterval and pingTimeout, a non-negative
// maxPayload, and valid packets after the open packet.
func FuzzClientHandshake(f *testing.F) {
	for _, s := range []string{
		`0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`,
		`0{"sid":"a","upgrades":[],"pingInterval":1,"pingTimeout":1}` + "\x1e4hello\x1ebAQID",
		`0{"sid":"a","pingInterval":0.5,"pingTimeout":2147483647,"maxPayload":0,"extra":{"x":[1]}}`,
		`0{"sid":"a","pingInterval":1e400,"pingTimeout":1}`,
		`0{"sid":"a","pingInterval":-0,"pingTimeout":1}`,
		`0{"sid":"a","pingInterval":1,"pingTimeout":1,"maxPayload":9007199254740993}`,
		`0{"sid":null,"upgrades":null}`, `0[]`, `0"x"`, `0`, ``, "\x1e", "4x", "b", "0{\xff}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		check := func(what string, hs Handshake, err error) {
			if err != nil {
				return
			}
			if hs.SID == "" || hs.PingInterval <= 0 || hs.PingTimeout <= 0 || hs.MaxPayload < 0 {
				t.Fatalf("%s accepted a bad handshake %+v from %q", what, hs, data)
			}
		}
		hs, rest, err := decodeOpenPayload(data)
		check("decodeOpenPayload", hs, err)
		for _, p := range rest {
			if !p.Type.Valid() {
				t.Fatalf("decodeOpenPayload returned packet type %v from %q", p.Type, data)
			}
		}
		hs, err = decodeOpenFrame(websocket.TextMessage, data)
		check("decodeOpenFrame", hs, err)
		if _, err := decodeOpenFrame(websocket.BinaryMessage, data); err == nil {
			t.Fatal("decodeOpenFrame accepted a binary frame")
		}
		hs, err = parseHandshake(data)
		check("parseHandshake", hs, err)
		_ = responseError("GET", 400, data)
		if !bytes.Equal(orig, data) {
			t.Fatal("input modified")
		}
	})
}
