package engineio_test

import (
	"fmt"
	"log"
	"net/http"
	"time"

	"socketlab/reference/engineio"
)

func ExampleAppendPayload() {
	payload := engineio.AppendPayload(nil, []engineio.Packet{
		{Type: engineio.PacketMessage, Data: []byte("hello")},
		{Type: engineio.PacketPing},
		{Type: engineio.PacketMessage, Data: []byte{1, 2, 3, 4}, Binary: true},
	})
	fmt.Printf("%q\n", payload)
	// Output: "4hello\x1e2\x1ebAQIDBA=="
}

func ExampleDecodePayload() {
	packets, err := engineio.DecodePayload([]byte("4hello\x1e3\x1ebAQIDBA=="))
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range packets {
		fmt.Printf("%s %q binary=%v\n", p.Type, p.Data, p.Binary)
	}
	// Output:
	// message "hello" binary=false
	// pong "" binary=false
	// message "\x01\x02\x03\x04" binary=true
}

func ExampleDecodePacket() {
	for _, frame := range []string{"2probe", "4héllo", "x"} {
		p, err := engineio.DecodePacket([]byte(frame), false)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p.Type, string(p.Data))
	}
	// Output:
	// ping probe
	// message héllo
	// engineio: invalid packet
}

// echo sends every message back to its session.
type echo struct{ s *engineio.Session }

func (e echo) HandleMessage(data []byte, binary bool) {
	if binary {
		_ = e.s.Send(engineio.NewBinaryMessage(data)) // data is ours to keep
		return
	}
	_ = e.s.Send(engineio.NewTextMessageBytes(data))
}

func (e echo) HandleClose(reason string, cause error) {
	log.Printf("session %s closed: %s (%v)", e.s.ID(), reason, cause)
}

func ExampleNewServer() {
	srv := engineio.NewServer(engineio.Options{
		PingInterval: 10 * time.Second,
		CORS:         engineio.CORS{AllowedOrigins: []string{"http://localhost:8080"}},
	}, func(s *engineio.Session) engineio.Handler {
		return echo{s}
	})
	defer srv.Close()

	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	_ = &http.Server{Addr: "127.0.0.1:3000", Handler: mux} // then ListenAndServe
}

func ExampleNewTextMessage() {
	// A broadcast: one Message, encoded once, queued for every session.
	var sessions []*engineio.Session // e.g. collected in onConnection
	msg := engineio.NewTextMessage(`2["news","hello all"]`)
	for _, s := range sessions {
		_ = s.Send(msg)
	}
	fmt.Println(string(msg.Data()), msg.IsBinary())
	// Output: 2["news","hello all"] false
}
