package socketio

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// reply bounds the wait for an answer the target owes at once: four
// heartbeats of the testee (two seconds at 300 + 200 ms).
func reply(c *suite.C) time.Duration { return 4 * c.Heartbeat() }

// fault turns a driver error met while expecting something into the
// verdict: a *suite.Violation when the target is to blame, the error
// itself (the harness's ERROR) otherwise.
func fault(expected string, err error) error {
	if ok, what := wire.TargetFault(err); ok {
		return suite.Violationf(expected, "%s", what)
	}
	return err
}

// step runs f bounded by reply(c).
func step[T any](c *suite.C, f func(ctx context.Context) (T, error)) (T, error) {
	ctx, cancel := c.Within(reply(c))
	defer cancel()
	return f(ctx)
}

// do runs f bounded by reply(c), for steps that return only an error.
func do(c *suite.C, f func(ctx context.Context) error) error {
	ctx, cancel := c.Within(reply(c))
	defer cancel()
	return f(ctx)
}

// dial opens an Engine.IO session at /socket.io/ over transport, with no
// namespace joined; pings are answered unless manual.
func dial(c *suite.C, transport string, manual bool) (*wire.SIO, error) {
	cl, err := step(c, func(ctx context.Context) (*wire.SIO, error) {
		return wire.DialSIO(ctx, transport, c.URL(), c.Log, wire.SessionOptions{Path: wire.SocketPath, ManualPing: manual, Name: "sio"})
	})
	if err != nil {
		return nil, fault("an Engine.IO session at /socket.io/", err)
	}
	c.Cleanup(cl.Close)
	return cl, nil
}

// join connects cl to ns with auth and waits for the "auth" event the
// testee emits on connection; it returns the CONNECT reply.
func join(c *suite.C, cl *wire.SIO, ns string, auth any) (wire.Packet, error) {
	p, err := step(c, func(ctx context.Context) (wire.Packet, error) { return cl.Connect(ctx, ns, auth) })
	if err != nil {
		return p, fault("CONNECT to "+ns+" answered with CONNECT", err)
	}
	if _, err := step(c, func(ctx context.Context) (wire.Packet, error) { return cl.WaitEvent(ctx, ns, "auth") }); err != nil {
		return p, fault(`the "auth" event after CONNECT to `+ns, err)
	}
	return p, nil
}

// joined dials over transport and joins "/".
func joined(c *suite.C, transport string) (*wire.SIO, error) {
	cl, err := dial(c, transport, false)
	if err != nil {
		return nil, err
	}
	if _, err := join(c, cl, "/", nil); err != nil {
		return nil, err
	}
	return cl, nil
}

// sendRaw sends one Socket.IO packet as text, then its attachments.
func sendRaw(c *suite.C, cl *wire.SIO, text string, attachments ...[]byte) error {
	return do(c, func(ctx context.Context) error { return cl.SendRaw(ctx, text, attachments...) })
}

// hostileSend sends what a hostile case sends; the target may close the
// connection at once, so a failed write is only logged.
func hostileSend(c *suite.C, cl *wire.SIO, text string, attachments ...[]byte) {
	if err := sendRaw(c, cl, text, attachments...); err != nil {
		c.Logf("send failed (the target may have closed already): %v", err)
	}
}

// next returns the next packet, bounded by reply(c).
func next(c *suite.C, cl *wire.SIO) (wire.Packet, error) {
	return step(c, func(ctx context.Context) (wire.Packet, error) { return cl.Next(ctx) })
}

// expectRaw checks that the next packet's text is exactly want (the
// official suite compares strings).
func expectRaw(c *suite.C, cl *wire.SIO, want string) (wire.Packet, error) {
	expected := fmt.Sprintf("the packet %q", want)
	p, err := next(c, cl)
	if err != nil {
		return p, fault(expected, err)
	}
	if p.Raw != want {
		return p, suite.Violationf(expected, "%q", p.Raw)
	}
	return p, nil
}

// expectEcho checks that the next packet is the testee's "message-back"
// on ns with args (compared as data, attachments included).
func expectEcho(c *suite.C, cl *wire.SIO, ns string, args ...any) error {
	want := append([]any{"message-back"}, args...)
	expected := fmt.Sprintf("the event %s on %s", canonical(want), ns)
	p, err := next(c, cl)
	if err != nil {
		return fault(expected, err)
	}
	return matchPacket(p, expected, ns, []codec.SIOType{codec.SIOEvent, codec.SIOBinaryEvent}, nil, want)
}

// expectAck checks that the next packet is the ack id on ns with args.
func expectAck(c *suite.C, cl *wire.SIO, ns string, id uint64, args ...any) error {
	expected := fmt.Sprintf("the ack %d %s on %s", id, canonical(args), ns)
	p, err := next(c, cl)
	if err != nil {
		return fault(expected, err)
	}
	return matchPacket(p, expected, ns, []codec.SIOType{codec.SIOAck, codec.SIOBinaryAck}, &id, args)
}

// matchPacket compares a received packet with what is expected.
func matchPacket(p wire.Packet, expected, ns string, types []codec.SIOType, id *uint64, want []any) error {
	okType := false
	for _, t := range types {
		okType = okType || p.Type == t
	}
	if !okType || p.Namespace != ns || (id != nil && (p.ID == nil || *p.ID != *id)) {
		return suite.Violationf(expected, "%q", p.Raw)
	}
	args, err := p.Args()
	if err != nil {
		return suite.Violationf(expected, "%q, whose payload does not decode: %v", p.Raw, err)
	}
	if canonical(args) != canonical(want) {
		return suite.Violationf(expected, "%q with %d attachments: %s", p.Raw, len(p.Attachments), canonical(args))
	}
	hasBinary := len(p.Attachments) > 0
	if binaryType := p.Type == codec.SIOBinaryEvent || p.Type == codec.SIOBinaryAck; binaryType != hasBinary {
		return suite.Violationf(expected+" (BINARY_ types exactly when attachments follow)", "%s with %d attachments", p.Type, len(p.Attachments))
	}
	return nil
}

// canonical renders decoded arguments for comparison: JSON with sorted
// keys, numbers as written, binary as {"<binary>": hex}.
func canonical(v any) string {
	b, err := json.Marshal(binaryMarked(v))
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

func binaryMarked(v any) any {
	switch x := v.(type) {
	case []byte:
		return map[string]string{"<binary>": hex.EncodeToString(x)}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = binaryMarked(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = binaryMarked(e)
		}
		return out
	case int:
		return json.Number(fmt.Sprint(x))
	case uint64:
		return json.Number(fmt.Sprint(x))
	}
	return v
}

// ended reports whether err says the target ended the connection (a
// close, or a dropped connection), recording how.
func ended(c *suite.C, err error) bool {
	var closed *wire.ClosedError
	switch {
	case errors.As(err, &closed):
		c.Observed("%s", closed)
	case errors.Is(err, wire.ErrDropped):
		c.Observed("%v", err)
	default:
		return false
	}
	return true
}

// expectClosed waits, bounded by reply(c), for the target to end the
// connection, failing the case if an EVENT or ACK comes first — an echo of
// what should have been refused.
func expectClosed(c *suite.C, cl *wire.SIO, expected string) error {
	ctx, cancel := c.Within(reply(c))
	defer cancel()
	for {
		p, err := cl.Next(ctx)
		switch {
		case ended(c, err):
			return nil
		case err != nil:
			return fault(expected, err)
		case p.Type == codec.SIOEvent || p.Type == codec.SIOBinaryEvent || p.Type == codec.SIOAck || p.Type == codec.SIOBinaryAck:
			return suite.Violationf(expected, "the packet %q", p.Raw)
		}
		c.Logf("while waiting for the close: %q", p.Raw)
	}
}

// Outcome of a packet the spec lets a server either refuse by closing or
// ignore.
type outcome int

const (
	closedConn outcome = iota + 1
	keptConn
)

// closedOrServing sends a probe event after a hostile packet and returns
// whether the target closed the connection or still serves it (the probe
// is echoed). An echo of anything but the probe is a violation.
func closedOrServing(c *suite.C, cl *wire.SIO, ns string) (outcome, error) {
	const expected = "the connection either closed or still serving (the probe echoed)"
	if err := sendRaw(c, cl, prefix(ns)+`["message","probe"]`); err != nil {
		if errors.Is(err, wire.ErrClosed) || errors.Is(err, wire.ErrDropped) {
			c.Observed("closed (the probe could not be sent: %v)", err)
			return closedConn, nil
		}
		var status *wire.StatusError
		if errors.As(err, &status) {
			c.Observed("closed (the probe POST got HTTP %d)", status.Status)
			return closedConn, nil
		}
		return 0, err
	}
	ctx, cancel := c.Within(reply(c))
	defer cancel()
	for {
		p, err := cl.Next(ctx)
		switch {
		case ended(c, err):
			return closedConn, nil
		case err != nil:
			return 0, fault(expected, err)
		}
		if p.Event() == "message-back" {
			args, _ := p.Args()
			if canonical(args) != canonical([]any{"message-back", "probe"}) {
				return 0, suite.Violationf("the packet refused (connection closed) or ignored, never handled", "it was handled: the echo %q", p.Raw)
			}
			c.Observed("kept: the connection still serves (probe echoed)")
			return keptConn, nil
		}
		c.Logf("while waiting for the probe's echo: %q", p.Raw)
	}
}

// prefix is the packet prefix of an EVENT on ns ("2" or "2/ns,").
func prefix(ns string) string { return "2" + nsPart(ns) }

// nsPart is how a packet names ns: nothing for the main namespace, else
// "/ns,".
func nsPart(ns string) string {
	if ns == "/" || ns == "" {
		return ""
	}
	return ns + ","
}

// placeholder is the JSON of a binary placeholder.
func placeholder(num any) string {
	b, _ := json.Marshal(num)
	return fmt.Sprintf(`{"_placeholder":true,"num":%s}`, b)
}

// expectRefused checks that the target closed the connection after a
// packet it must reject: kept serving is a Violation (FAIL for a MUST,
// NON-STRICT for a SHOULD); an echo of the rejected packet is one too.
func expectRefused(c *suite.C, cl *wire.SIO, ns string) error {
	o, err := closedOrServing(c, cl, ns)
	if err != nil {
		return err
	}
	if o == keptConn {
		return suite.Violationf("the connection closed", "the packet was ignored and the connection kept serving")
	}
	return nil
}
