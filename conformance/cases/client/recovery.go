package client

import (
	"fmt"
	"slices"

	"socketlab/conformance/internal/scriptserver"
	"socketlab/conformance/internal/suite"
)

// Connection state recovery (socket.io 4.6+), from the client's side: the
// server's CONNECT reply carries a private session id "pid" and every
// event without ack an offset as its last argument; after a cut, the
// client's CONNECT carries the pid and the last offset it received, and a
// reply with the same pid means the session was restored.
const recoveryRule = `socket.io docs v4 “Connection state recovery”: “Upon an unexpected disconnection (i.e. no manual disconnection with socket.disconnect()), the server will store the id, the rooms and the data attribute of the socket. ` +
	`Then upon reconnection, the server will try to restore the state of the client. The recovered attribute indicates whether this recovery was successful”; client side: “if (socket.recovered) { // any missed packets will be received }”. ` +
	`socket.io-client 4.6+ (socket.ts): the CONNECT reply {sid, pid} gives the pid; the last argument of each event, a string, is the offset; on reconnection the CONNECT payload is {pid, offset, …auth}; recovered = pid && pid === the previous pid. ` +
	`The client (socket.io-client 4.6 and later) MUST send back the pid and the last offset it received, and MUST tell its application whether the session was recovered.`

// recoveryOffer connects with a pid offered, sends two events with
// offsets, waits until the client has them, cuts the session, and
// returns the reconnection's session and CONNECT packet.
func recoveryOffer(r *run) (pid, sid string, sess2 *scriptserver.Session, connect scriptserver.Packet, err error) {
	pid = "pid-" + randomToken()[6:]
	sess, first, sid, err := r.connected(pid)
	if err != nil {
		return pid, sid, nil, first, err
	}
	if _, has := first.Object()["pid"]; has {
		return pid, sid, nil, first, suite.Violationf("no pid in the first CONNECT (none was offered yet)", "%s", first)
	}
	for i, off := range []string{"off-1", "off-2"} {
		if err := sess.Emit(nil, "tick", i+1, off); err != nil {
			return pid, sid, nil, first, r.violation("the session open to send events", err)
		}
	}
	if _, err := r.report(`event "tick" twice`, 2, event("tick"), r.replyWait()); err != nil {
		return pid, sid, nil, first, err
	}
	sess.Cut()
	if sess2, err = r.session(2, r.reconnectWait()); err != nil {
		return pid, sid, nil, first, err
	}
	connect, err = r.expectConnect(sess2)
	return pid, sid, sess2, connect, err
}

func recoveryCases() {
	register(suite.Case{
		ID: "CLIENT-RECOV-1", Strength: suite.Must,
		Title:       "On reconnection the client sends the recovery pid and the last offset",
		Requirement: recoveryRule,
		Source:      "socket.io docs v4 “Connection state recovery”; socket.io-client 4.6.0 “feat: implement connection state recovery” (socket.ts onconnect, onopen, emitEvent); docs/protocol.md “Connection state recovery”",
		Steps: []string{`connect; answer 40{"sid":S,"pid":P}`, `send 42["tick",1,"off-1"] and 42["tick",2,"off-2"]; expect both reported`,
			"cut every TCP connection of the session", `expect the reconnection's CONNECT payload {"pid":P,"offset":"off-2","token":T}`},
	}, setup{}, func(r *run) error {
		pid, _, _, connect, err := recoveryOffer(r)
		if err != nil {
			return err
		}
		got := connect.Object()
		want := fmt.Sprintf(`CONNECT payload with "pid":%q, "offset":"off-2" and "token":%q`, pid, r.p.Token)
		if got == nil || got["pid"] != pid || got["offset"] != "off-2" || got["token"] != r.p.Token {
			return suite.Violationf(want, "%s", connect)
		}
		return nil
	})

	register(suite.Case{
		ID: "CLIENT-RECOV-2", Strength: suite.Must,
		Title:       "A restored session: same id, recovered, missed events delivered",
		Requirement: recoveryRule,
		Source:      "socket.io docs v4 “Connection state recovery”; socket.io-client 4.6.0 (socket.ts onconnect: recovered, emitBuffered)",
		Steps: []string{"as CLIENT-RECOV-1, up to the reconnection's CONNECT", `send the missed 42["tick",3,"off-3"], then 40{"sid":S,"pid":P} (same sid and pid)`,
			"expect connect with socket.id S and recovered true", `expect the event "tick" 3 delivered`},
	}, setup{}, func(r *run) error {
		pid, sid, sess2, _, err := recoveryOffer(r)
		if err != nil {
			return err
		}
		if err := sess2.Emit(nil, "tick", 3, "off-3"); err != nil {
			return r.violation("the session open to send events", err)
		}
		rep, err := r.acceptAs(sess2, sid, pid, 2)
		if err != nil {
			return err
		}
		if !rep.Recovered {
			return suite.Violationf("connect with recovered true (the reply's pid is the previous one)", "%s", rep)
		}
		if _, err := r.report(`the missed event "tick" 3`, 3, event("tick"), r.replyWait()); err != nil {
			return err
		}
		// socket.io-client delivers the buffered events before "connect".
		reps := r.sink.Reports()
		ticks := slices.IndexFunc(reps, func(x Report) bool {
			return x.Kind == "event" && x.Event == "tick" && len(x.Args) > 0 && sameJSON(x.Args[0], []byte("3"))
		})
		if ticks > slices.IndexFunc(reps, func(x Report) bool { return x.Seq == rep.Seq }) {
			r.note(`the missed event came after "connect" (socket.io-client delivers it before)`)
		}
		return nil
	})

	register(suite.Case{
		ID: "CLIENT-RECOV-3", Strength: suite.Must,
		Title:       "A session not restored: recovered false",
		Requirement: recoveryRule,
		Source:      "socket.io docs v4 “Connection state recovery”; socket.io-client 4.6.0 (socket.ts onconnect)",
		Steps: []string{"as CLIENT-RECOV-1, up to the reconnection's CONNECT", `answer 40{"sid":S2,"pid":P2} (a new session)`,
			"expect connect with socket.id S2 and recovered false"},
	}, setup{}, func(r *run) error {
		_, _, sess2, _, err := recoveryOffer(r)
		if err != nil {
			return err
		}
		_, rep, err := r.accept(sess2, "pid-"+randomToken()[6:], 2)
		if err != nil {
			return err
		}
		if rep.Recovered {
			return suite.Violationf("connect with recovered false (the reply's pid is a new one)", "%s", rep)
		}
		return nil
	})
}
