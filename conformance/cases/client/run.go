package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"time"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/scriptserver"
	"socketlab/conformance/internal/suite"
)

// The backoff every case gives the client: socket.io-client's algorithm
// with short delays, so that the reconnection cases take seconds.
const (
	reconnectionDelay    = 100 * time.Millisecond
	reconnectionDelayMax = 800 * time.Millisecond
	randomizationFactor  = 0.5
)

// startupWait bounds the wait for a client's first handshake: a Node
// process or a page starting on a loaded machine.
const startupWait = 30 * time.Second

// setup is what a case asks of the scripted server and of the client.
type setup struct {
	Server scriptserver.Options // Log and Conn are filled in per client
	// ReconnectionAttempts 0 leaves the client's default (unlimited).
	ReconnectionAttempts int
	// Transports nil leaves the client's default.
	Transports []string
}

// run is one client's run of a case: its scripted server, its report
// sink, the client process or page, and the case's deadline for it.
type run struct {
	c      *suite.C
	ctx    context.Context // ends with the client's deadline, or when it exits
	cancel context.CancelFunc
	client suite.ClientUnderTest
	srv    *scriptserver.Server
	sink   *sink
	proc   launched
	p      params
	notes  []string
}

func start(c *suite.C, ctx context.Context, cl suite.ClientUnderTest, set setup) (*run, error) {
	o := set.Server
	// The server's side of the exchange, apart from what the client
	// itself records (a page's own network log is labelled with its name).
	o.Log, o.Conn = c.Log, "server/"+cl.Name
	srv, err := scriptserver.Start(o)
	if err != nil {
		return nil, err
	}
	sk, err := startSink(c.Log, cl.Name)
	if err != nil {
		srv.Close()
		return nil, err
	}
	seconds := int(perClient / time.Second)
	if dl, ok := ctx.Deadline(); ok {
		seconds = int(math.Ceil(time.Until(dl).Seconds())) + 1
	}
	p := params{ServerURL: srv.URL, ReportURL: sk.URL, Token: randomToken(),
		ReconnectionAttempts: set.ReconnectionAttempts, ReconnectionDelay: reconnectionDelay,
		ReconnectionDelayMax: reconnectionDelayMax, RandomizationFactor: randomizationFactor,
		Transports: set.Transports, MaxSeconds: seconds}
	proc, err := launch(c, ctx, cl, p)
	if err != nil {
		srv.Close()
		sk.close()
		return nil, err
	}
	// A client that dies ends every wait at once: its status says why.
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-proc.exited():
		case <-ctx.Done():
		}
		cancel()
	}()
	return &run{c: c, ctx: ctx, cancel: cancel, client: cl, srv: srv, sink: sk, proc: proc, p: p}, nil
}

// stop asks a connected client to leave ("exit" on its newest live
// session), then stops it, the sink and the server.
func (r *run) stop() {
	sessions := r.srv.Sessions()
	if !r.connectedNow() {
		sessions = nil // an event would wait for a CONNECT reply: no use asking
	}
	for i := len(sessions) - 1; i >= 0; i-- {
		if ended, _ := sessions[i].Ended(); !ended {
			if sessions[i].Emit(nil, "exit") == nil {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				_, _ = r.sink.await(ctx, "exit", 1, kind("exit"))
				cancel()
			}
			break
		}
	}
	r.proc.stop()
	r.cancel()
	r.sink.close()
	r.srv.Close()
	if vs := r.srv.Violations(); len(vs) > 0 {
		r.note("%d Engine.IO rule breaches on the wire, the first: %s", len(vs), vs[0])
	}
	if bad := r.sink.Bad(); len(bad) > 0 {
		r.note("%d unreadable report lines, the first: %v", len(bad), bad[0])
	}
}

// connectedNow reports whether the client's last connect report is not
// followed by a disconnect.
func (r *run) connectedNow() bool {
	connected := false
	for _, rep := range r.sink.Reports() {
		switch rep.Kind {
		case "connect":
			connected = true
		case "disconnect", "exit":
			connected = false
		}
	}
	return connected
}

func randomToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "token-" + hex.EncodeToString(b)
}

// note adds a remark to this client's line in the report.
func (r *run) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// measure records a figure under the client's name.
func (r *run) measure(name string, v any) { r.c.Measure(r.client.Name+"."+name, v) }

// within bounds a wait by d and the client's deadline.
func (r *run) within(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.ctx, d)
}

// replyWait bounds the wait for one answer of a connected client: three
// heartbeats of the scripted server — a healthy client answers within one.
func (r *run) replyWait() time.Duration { return 3 * r.srv.Heartbeat() }

// reconnectWait bounds the wait for a reconnection: the longest backoff
// delay, then a reply.
func (r *run) reconnectWait() time.Duration {
	return time.Duration(float64(reconnectionDelayMax)*(1+randomizationFactor)) + r.replyWait()
}

// violation turns a wait that ended without what the case expected into
// the client's violation; any other error stays the harness's.
func (r *run) violation(expected string, err error) error {
	var te *scriptserver.TimeoutError
	var ee *scriptserver.EndedError
	var rt *reportTimeout
	if errors.As(err, &te) || errors.As(err, &ee) || errors.As(err, &rt) {
		return suite.Violationf(expected, "%v (%s)", err, r.proc.status())
	}
	return err
}

// session waits for the n-th accepted session.
func (r *run) session(n int, wait time.Duration) (*scriptserver.Session, error) {
	ctx, cancel := r.within(wait)
	defer cancel()
	sess, err := r.srv.AwaitSession(ctx, n)
	if err != nil {
		return nil, r.violation(fmt.Sprintf("an Engine.IO handshake (session #%d)", n), fmt.Errorf("%w; handshakes so far: %d", err, len(r.srv.Attempts())))
	}
	return sess, nil
}

// report waits for the n-th report that matches.
func (r *run) report(what string, n int, match func(Report) bool, wait time.Duration) (Report, error) {
	ctx, cancel := r.within(wait)
	defer cancel()
	rep, err := r.sink.await(ctx, what, n, match)
	if err != nil {
		return rep, r.violation("the client reports "+what, err)
	}
	return rep, nil
}

// expectConnect waits for the client's CONNECT to the main namespace.
func (r *run) expectConnect(sess *scriptserver.Session) (scriptserver.Packet, error) {
	ctx, cancel := r.within(r.replyWait())
	defer cancel()
	p, err := sess.Expect(ctx, "CONNECT", func(p scriptserver.Packet) bool { return p.Type == codec.SIOConnect })
	if err != nil {
		return p, r.violation(`a CONNECT packet (socket.io-protocol v5 §Connection to a namespace: “the client MUST send a CONNECT packet”)`, err)
	}
	if p.Namespace != "/" {
		return p, suite.Violationf("CONNECT to the main namespace /", "CONNECT to %q: %s", p.Namespace, p)
	}
	return p, nil
}

// accept answers the CONNECT with a fresh socket id (and pid, when not
// empty) and waits for the client's n-th "connect" report.
func (r *run) accept(sess *scriptserver.Session, pid string, n int) (string, Report, error) {
	sid := "sid-" + randomToken()[6:]
	rep, err := r.acceptAs(sess, sid, pid, n)
	return sid, rep, err
}

func (r *run) acceptAs(sess *scriptserver.Session, sid, pid string, n int) (Report, error) {
	if err := sess.Accept("/", sid, pid); err != nil {
		return Report{}, r.violation("the session open to answer CONNECT", err)
	}
	rep, err := r.report(fmt.Sprintf("connect #%d", n), n, kind("connect"), r.replyWait())
	if err != nil {
		return rep, err
	}
	if rep.ID != sid {
		return rep, suite.Violationf(fmt.Sprintf("socket.id %q, the sid of the CONNECT reply", sid), "connect with id %q", rep.ID)
	}
	return rep, nil
}

// connected runs the usual opening: the first session, its CONNECT
// answered, the client's "connect" report.
func (r *run) connected(pid string) (*scriptserver.Session, scriptserver.Packet, string, error) {
	sess, err := r.session(1, startupWait)
	if err != nil {
		return nil, scriptserver.Packet{}, "", err
	}
	p, err := r.expectConnect(sess)
	if err != nil {
		return sess, p, "", err
	}
	sid, _, err := r.accept(sess, pid, 1)
	return sess, p, sid, err
}

// quiet lets d pass (bounded by the client's deadline): the cases that
// check a client does NOT do something look at what came meanwhile.
func (r *run) quiet(d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
}
