package engineio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// path is the endpoint every case of this level talks to: the testee's
// bare Engine.IO echo server, as in the official engine.io-protocol suite.
const path = wire.EnginePath

// reply bounds the wait for an answer the target owes at once (an echo, a
// handshake, a status): four heartbeats of the testee, two seconds at its
// 300 + 200 ms — room for a loaded machine, far below any real hang.
func reply(c *suite.C) time.Duration { return 4 * c.Heartbeat() }

// fault turns a driver error met while expecting something into the
// verdict: a *suite.Violation when the target is to blame (it closed,
// dropped, refused, stayed silent or sent garbage), the error itself (the
// harness's ERROR) otherwise.
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

// do sends one polling request to the testee.
func do(c *suite.C, h *wire.HTTP, r wire.Request) (*wire.Response, error) {
	if r.Path == "" {
		r.Path = path
	}
	return step(c, func(ctx context.Context) (*wire.Response, error) { return h.Do(ctx, r) })
}

// newHTTP is a polling driver on the testee recording into the case's log.
func newHTTP(c *suite.C, name string) *wire.HTTP { return wire.NewHTTP(c.URL(), c.Log, name) }

// handshake opens a polling session whose GETs the case drives itself.
func handshake(c *suite.C) (*wire.Session, error) {
	s, err := step(c, func(ctx context.Context) (*wire.Session, error) {
		return wire.OpenPolling(ctx, c.URL(), c.Log, wire.SessionOptions{Path: path})
	})
	if err != nil {
		return nil, fault("a polling handshake answered 200 with an open packet", err)
	}
	c.Cleanup(s.Close)
	return s, nil
}

// openWS opens a WebSocket-only session; pings are answered unless manual.
func openWS(c *suite.C, manual bool) (*wire.Session, error) {
	s, err := step(c, func(ctx context.Context) (*wire.Session, error) {
		return wire.OpenWebSocket(ctx, c.URL(), c.Log, wire.SessionOptions{Path: path, ManualPing: manual})
	})
	if err != nil {
		return nil, fault("a WebSocket session whose first message is the open packet", err)
	}
	c.Cleanup(s.Close)
	return s, nil
}

// dialWS opens a raw WebSocket (no Engine.IO handling) at query.
func dialWS(c *suite.C, query string, o wire.WSOptions) (*wire.WS, error) {
	ws, err := step(c, func(ctx context.Context) (*wire.WS, error) {
		return wire.DialWS(ctx, c.URL(), path+"?"+query, c.Log, o)
	})
	if err == nil {
		c.Cleanup(ws.Close)
	}
	return ws, err
}

// rawSession opens a WebSocket-only session on a raw connection and
// consumes its open packet, for cases that write frames by hand.
func rawSession(c *suite.C) (*wire.WS, error) {
	ws, _, err := rawSessionOpen(c)
	return ws, err
}

// rawSessionOpen is rawSession returning the open packet too.
func rawSessionOpen(c *suite.C) (*wire.WS, codec.Open, error) {
	ws, err := dialWS(c, wire.EIOQuery(wire.WebSocket, ""), wire.WSOptions{})
	if err != nil {
		return nil, codec.Open{}, fault("a WebSocket session", err)
	}
	ev, err := step(c, func(ctx context.Context) (wire.Event, error) { return ws.Next(ctx) })
	if err != nil {
		return nil, codec.Open{}, fault("the open packet", err)
	}
	if ev.Op != wire.OpText || len(ev.Data) == 0 || ev.Data[0] != '0' {
		return nil, codec.Open{}, suite.Violationf("the open packet as the first message", "%s %q", ev.Op, ev.Data)
	}
	open, err := codec.DecodeOpen(ev.Data[1:])
	if err != nil {
		return nil, codec.Open{}, suite.Violationf("a valid open packet", "%v", err)
	}
	return ws, open, nil
}

// nextText waits for the next data message, answering Engine.IO pings on
// the way (a raw session has nobody else to answer them).
func nextText(c *suite.C, ws *wire.WS) (wire.Event, error) {
	return step(c, func(ctx context.Context) (wire.Event, error) {
		for {
			ev, err := ws.Next(ctx)
			if err != nil || ev.Op != wire.OpText || string(ev.Data) != "2" {
				return ev, err
			}
			if err := ws.SendText("3"); err != nil {
				return ev, err
			}
		}
	})
}

// awaitClosed waits, bounded by reply(c), for the target to end ws and
// returns how; a Violation if it stays open.
func awaitClosed(c *suite.C, ws *wire.WS, expected string) (*wire.ClosedError, error) {
	ce, err := step(c, func(ctx context.Context) (*wire.ClosedError, error) { return ws.WaitClosed(ctx) })
	if err != nil {
		return nil, fault(expected, err)
	}
	c.Observed("%s", ce)
	return ce, nil
}

// expectFailed checks that the target failed the WebSocket connection
// after input RFC 6455 forbids (§7.1.7 “Fail the WebSocket Connection”):
// closed, with one of the close codes §7.4.1 gives for it. Another code,
// or a bare TCP close, meets the MUST but not the code: NON-STRICT with
// what was seen.
func expectFailed(c *suite.C, ws *wire.WS, why string, codes ...int) error {
	ce, err := awaitClosed(c, ws, fmt.Sprintf("the connection failed (%s), with a Close %v", why, codes))
	if err != nil {
		return err
	}
	if ce.Via != wire.ViaCloseFrame || !slices.Contains(codes, ce.Code) {
		return suite.NonStrict("closed as required (%s), but with %s instead of a Close %v", why, ce, codes)
	}
	return nil
}

// hostileWrite writes what a hostile case sends; the target may already
// have closed the connection (it is allowed to, even mid-frame), so a
// write error is only logged — the verdict comes from what the target did.
func hostileWrite(c *suite.C, write func() error) {
	if err := write(); err != nil {
		c.Logf("write failed (the target may have closed already): %v", err)
	}
}

// expectStatus checks a polling response status.
func expectStatus(r *wire.Response, want int, expected string) error {
	if r.Status != want {
		return suite.Violationf(expected, "HTTP %d %q", r.Status, r.Body)
	}
	return nil
}

// expectSessionGone checks that the session is closed: a GET with its sid
// is answered 400 (engine.io-protocol v4: "MUST return an HTTP 400
// response if the session ID is not known").
func expectSessionGone(c *suite.C, s *wire.Session, why string) error {
	r, err := do(c, s.HTTP(), s.PollRequest(nil))
	if err != nil {
		return fault("HTTP 400 to a GET on the closed session ("+why+")", err)
	}
	if r.Status != http.StatusBadRequest {
		return suite.Violationf("HTTP 400 to a GET on the closed session ("+why+")", "HTTP %d %q", r.Status, r.Body)
	}
	return nil
}

// echoed checks that the session's next packet is want.
func echoed(c *suite.C, s *wire.Session, want codec.EIOPacket) error {
	got, err := step(c, func(ctx context.Context) (codec.EIOPacket, error) { return s.Recv(ctx) })
	if err != nil {
		return fault(fmt.Sprintf("the echo %q", codec.EncodeText(want)), err)
	}
	if got.Type != want.Type || got.Binary != want.Binary || string(got.Data) != string(want.Data) {
		return suite.Violationf(fmt.Sprintf("the echo %q", codec.EncodeText(want)), "%q", codec.EncodeText(got))
	}
	return nil
}

// stillServes checks that a session still echoes a message: the target
// kept the session after a step that must not end it.
func stillServes(c *suite.C, s *wire.Session, what string) error {
	msg := codec.Text(codec.EIOMessage, "still-there")
	if err := send(c, s, msg); err != nil {
		return fault("the session to go on "+what, err)
	}
	return echoed(c, s, msg)
}

// send sends packets on the session, bounded by reply(c).
func send(c *suite.C, s *wire.Session, packets ...codec.EIOPacket) error {
	_, err := step(c, func(ctx context.Context) (struct{}, error) { return struct{}{}, s.Send(ctx, packets...) })
	return err
}

// isClosed reports whether err says the target ended the connection.
func isClosed(err error) bool {
	return errors.Is(err, wire.ErrClosed) || errors.Is(err, wire.ErrDropped)
}
