package client

import (
	"fmt"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/scriptserver"
	"socketlab/conformance/internal/suite"
)

// socket.io-protocol v5 §Sending and receiving data, §Acknowledgement, from
// the client's side: events from the server reach the application with
// their arguments, the client's own events are well formed, and an event
// that asks for an acknowledgement is acknowledged with its id.
func eventCases() {
	register(suite.Case{
		ID: "CLIENT-EVENT-1", Strength: suite.Must,
		Title: "Server events reach the application; the client's events are well formed",
		Requirement: `socket.io-protocol v5 §Sending and receiving data: “Once the connection to a namespace is established, the client and the server can begin exchanging data”; “The payload is mandatory and MUST be a non-empty array.” ` +
			`The testee answers "echo" by emitting "echo-back" with the same arguments: the event must reach it with its arguments, and its EVENT must carry them back unchanged.`,
		Source: "socket.io-protocol v5 §Sending and receiving data, §Packet encoding",
		Steps: []string{"connect", `send 42["echo","é€😀 \"quoted\"",1.5,{"nested":[true,null,{"k":"v"}]},[]]`,
			`expect the client's event report "echo" with those arguments`, `expect 42["echo-back", …the same arguments]`},
	}, setup{}, func(r *run) error {
		sess, _, _, err := r.connected("")
		if err != nil {
			return err
		}
		args := []any{"é€😀 \"quoted\"", 1.5, map[string]any{"nested": []any{true, nil, map[string]any{"k": "v"}}}, []any{}}
		return echoed(r, sess, nil, args)
	})

	register(suite.Case{
		ID: "CLIENT-ACK-1", Strength: suite.Must,
		Title: "An event with an ack id is acknowledged with that id",
		Requirement: `socket.io-protocol v5 §Acknowledgement: “The sender MAY include an event ID in order to request an acknowledgement from the receiver”; “The receiver MUST respond with an ACK packet with the same event ID.” “The payload is mandatory and MUST be an array (possibly empty).” ` +
			`The testee calls the ack of "echo" with the event's arguments.`,
		Source: "socket.io-protocol v5 §Acknowledgement",
		Steps: []string{"connect", `send 4217["echo","x",{"y":2}]`, `expect 4317["x",{"y":2}] (and the echo-back event)`,
			`send 4218["echo"]`, `expect 4318[]`},
	}, setup{}, func(r *run) error {
		sess, _, _, err := r.connected("")
		if err != nil {
			return err
		}
		if err := echoed(r, sess, codec.Ack(17), []any{"x", map[string]any{"y": 2}}); err != nil {
			return err
		}
		return echoed(r, sess, codec.Ack(18), []any{})
	})
}

// echoed sends ["echo", args…] (with an ack id when not nil) and checks
// that the client reports the event with its arguments, emits echo-back
// with them, and, when asked, acknowledges with them and the same id.
func echoed(r *run, sess *scriptserver.Session, ackID *uint64, args []any) error {
	want := rawArgs(args...)
	before := len(r.sink.Reports())
	if err := sess.Emit(ackID, "echo", args...); err != nil {
		return r.violation("the session open to send an event", err)
	}
	ctx, cancel := r.within(r.replyWait())
	defer cancel()
	back, err := sess.Expect(ctx, "EVENT echo-back", func(p scriptserver.Packet) bool {
		a := p.Array()
		return (p.Type == codec.SIOEvent || p.Type == codec.SIOBinaryEvent) && len(a) > 0 && sameJSON(a[0], []byte(`"echo-back"`))
	})
	if err != nil {
		return r.violation(`42["echo-back",…] after 42["echo",…]`, err)
	}
	if back.Namespace != "/" || back.ID != nil || !sameArgs(back.Array()[1:], want) {
		return suite.Violationf("42"+joinRaw(append(rawArgs("echo-back"), want...))+" (the same arguments, no ack id)", "%s", back)
	}
	rep, err := r.sink.await(ctx, "event echo", 1, func(rp Report) bool { return rp.Seq >= before && rp.Kind == "event" && rp.Event == "echo" })
	if err != nil {
		return r.violation(`the client's report of event "echo"`, err)
	}
	// With recovery off nothing is appended to the arguments.
	if !sameArgs(rep.Args, want) {
		return suite.Violationf(`the event "echo" with arguments `+joinRaw(want), "%s", rep)
	}
	if ackID == nil {
		return nil
	}
	ack, err := sess.Expect(ctx, fmt.Sprintf("ACK %d", *ackID), func(p scriptserver.Packet) bool {
		return p.Type == codec.SIOAck || p.Type == codec.SIOBinaryAck
	})
	if err != nil {
		return r.violation(fmt.Sprintf("43%d%s", *ackID, joinRaw(want)), err)
	}
	if ack.ID == nil || *ack.ID != *ackID || ack.Namespace != "/" || len(ack.Data) == 0 || ack.Data[0] != '[' || !sameArgs(ack.Array(), want) {
		return suite.Violationf(fmt.Sprintf("43%d%s", *ackID, joinRaw(want)), "%s", ack)
	}
	return nil
}
