package parser_test

import (
	"errors"
	"fmt"

	"socketlab/reference/socketio/parser"
)

func ExampleEncode() {
	text, attachments, err := parser.Encode(&parser.Packet{
		Type:      parser.Event,
		Namespace: "/chat",
		ID:        parser.NoAckID,
		Data:      []any{"message", "<b>hi</b>", 42},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %d\n", text, len(attachments))
	// Output: 2/chat,["message","<b>hi</b>",42] 0
}

func ExampleEncode_binary() {
	text, attachments, err := parser.Encode(&parser.Packet{
		Type:      parser.Event,
		Namespace: "/",
		ID:        12,
		Data:      []any{"upload", map[string]any{"name": "a.bin", "content": []byte{1, 2, 3}}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", text)
	for _, a := range attachments {
		fmt.Printf("% x\n", a)
	}
	// Output:
	// 51-12["upload",{"content":{"_placeholder":true,"num":0},"name":"a.bin"}]
	// 01 02 03
}

func ExampleDecoder_Add() {
	var d parser.Decoder
	messages := []struct {
		data   []byte
		binary bool
	}{
		{[]byte(`51-/admin,7["upload",{"_placeholder":true,"num":0}]`), false},
		{[]byte{0xca, 0xfe}, true},
	}
	for _, m := range messages {
		p, err := d.Add(m.data, m.binary)
		if err != nil {
			panic(err) // close the connection
		}
		if p == nil {
			fmt.Println("waiting for attachments")
			continue
		}
		fmt.Printf("%s %s id=%d data=%v\n", p.Type, p.Namespace, p.ID, p.Data)
	}
	// Output:
	// waiting for attachments
	// EVENT /admin id=7 data=[upload [202 254]]
}

func ExampleDecodeError() {
	var d parser.Decoder
	_, err := d.Add([]byte(`2["disconnect"]`), false)
	var de *parser.DecodeError
	if errors.As(err, &de) {
		fmt.Println(de.Reason == parser.ReasonReservedEventName, errors.Is(err, parser.ErrInvalidPacket))
	}
	fmt.Println(err)
	// Output:
	// true true
	// socketio: invalid packet: reserved event name (disconnect): "2[\"disconnect\"]"
}
