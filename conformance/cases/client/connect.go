package client

import (
	"encoding/json"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/scriptserver"
	"socketlab/conformance/internal/suite"
)

// socket.io-protocol v5 §Connection to a namespace, from the client's side:
// the CONNECT it sends (with the application's auth payload) and what it
// makes of the server's two possible answers.
func connectCases() {
	register(suite.Case{
		ID: "CLIENT-AUTH-1", Strength: suite.Must,
		Title: "CONNECT carries the auth payload",
		Requirement: `“At the beginning of a Socket.IO session, the client MUST send a CONNECT packet”, with the application's payload: “Client > { type: CONNECT, namespace: "/admin", data: { "token": "123" } }”. ` +
			`The testee is given auth {token}; its CONNECT to / must carry that object, and its socket.id must be the sid of the server's CONNECT reply.`,
		Source: "socket.io-protocol v5 §Connection to a namespace (“with an additional payload”); socket.io docs v4 client options “auth”",
		Steps: []string{"accept the handshake", `expect CONNECT to / with payload {"token": T}`, `answer 40{"sid": S}`,
			"expect the client's connect report with socket.id S"},
	}, setup{}, func(r *run) error {
		_, p, _, err := r.connected("")
		if err != nil {
			return err
		}
		auth := p.Object()
		if auth == nil || auth["token"] != r.p.Token {
			return suite.Violationf(`CONNECT payload {"token": "`+r.p.Token+`"}`, "%s", p)
		}
		if len(auth) > 1 {
			r.note("CONNECT payload has more than the token: %s", p.Data)
		}
		return nil
	})

	register(suite.Case{
		ID: "CLIENT-CONNERR-1", Strength: suite.Must,
		Title: "CONNECT_ERROR reaches the application and is not retried",
		Requirement: `socket.io-protocol v5: the server answers CONNECT with “a CONNECT_ERROR packet if the connection is not allowed”, e.g. { message: "Not authorized" }. ` +
			`socket.io docs (client Socket, event “connect_error”): when “the connection was denied by the server in a middleware function” there is no automatic reconnection, and socket.active is false. ` +
			`The client MUST hand the error's message and data to the application and MUST NOT retry by itself.`,
		Source: "socket.io-protocol v5 §Connection to a namespace; socket.io docs v4 “Client API › Socket › Event: connect_error”",
		Steps: []string{"accept the handshake, expect CONNECT", `answer 44{"message":"not authorized","data":{"reason":"bad token"}}`,
			`expect connect_error with message "not authorized" and data {"reason":"bad token"}`,
			"wait twice reconnectionDelayMax: no other CONNECT, no other handshake"},
	}, setup{}, func(r *run) error {
		sess, err := r.session(1, startupWait)
		if err != nil {
			return err
		}
		if _, err := r.expectConnect(sess); err != nil {
			return err
		}
		data := json.RawMessage(`{"reason":"bad token"}`)
		refusal, _ := json.Marshal(map[string]any{"message": "not authorized", "data": data})
		if err := sess.Send(codec.SIOPacket{Type: codec.SIOConnectError, Namespace: "/", Data: refusal}); err != nil {
			return r.violation("the session open to answer CONNECT", err)
		}
		rep, err := r.report("connect_error", 1, kind("connect_error"), r.replyWait())
		if err != nil {
			return err
		}
		if rep.Message != "not authorized" || !sameJSON(rep.Data, data) {
			return suite.Violationf(`connect_error with message "not authorized" and data {"reason":"bad token"}`, "%s", rep)
		}
		if rep.Active != nil && *rep.Active {
			return suite.Violationf("socket.active false after a CONNECT_ERROR (no automatic reconnection)", "%s", rep)
		}
		if err := r.quiet(2 * reconnectionDelayMax); err != nil {
			return err
		}
		again := 0
		for _, p := range sess.Packets() {
			if p.Type == codec.SIOConnect {
				again++
			}
		}
		if n := len(r.srv.Attempts()); again > 1 || n > 1 {
			return suite.Violationf("no automatic retry after CONNECT_ERROR", "%d CONNECT packets and %d handshakes within %v (client sent: %s)",
				again, n, 2*reconnectionDelayMax, scriptserver.Summary(sess.Packets()))
		}
		return nil
	})
}
