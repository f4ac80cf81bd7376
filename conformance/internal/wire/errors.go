package wire

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Sentinels matched with errors.Is.
var (
	// ErrClosed: the target ended the connection or the session.
	ErrClosed = errors.New("wire: closed by the target")
	// ErrTimeout: what a step waited for did not come before its deadline.
	ErrTimeout = errors.New("wire: timed out")
	// ErrDropped: the connection ended (EOF, reset) without an answer.
	ErrDropped = errors.New("wire: connection dropped")
)

// CloseVia says how a ClosedError was observed.
type CloseVia string

const (
	// ViaCloseFrame: a WebSocket Close frame (Code holds its status code).
	ViaCloseFrame CloseVia = "websocket close frame"
	// ViaTCP: the TCP connection ended without a Close frame (Code 1006).
	ViaTCP CloseVia = "tcp close without a close frame"
	// ViaClosePacket: an Engine.IO close packet ("1").
	ViaClosePacket CloseVia = "engine.io close packet"
	// ViaHTTPStatus: a polling request answered with an error status.
	ViaHTTPStatus CloseVia = "http error status"
	// ViaHarness: the harness closed the connection itself.
	ViaHarness CloseVia = "closed by the harness"
)

// WebSocket close codes of RFC 6455 §7.4.1 the cases name.
const (
	CloseNormal          = 1000
	CloseProtocolError   = 1002
	CloseUnsupported     = 1003
	CloseNoStatus        = 1005 // never on the wire: the frame had no code
	CloseAbnormal        = 1006 // never on the wire: no Close frame at all
	CloseInvalidPayload  = 1007
	ClosePolicyViolation = 1008
	CloseTooBig          = 1009
)

// ClosedError reports that the target ended a connection or a session.
type ClosedError struct {
	Via    CloseVia
	Code   int    // WebSocket close code (1005 none in the frame, 1006 no frame)
	Reason string // WebSocket close reason
	Status int    // HTTP status, for ViaHTTPStatus
	Body   string // HTTP body, for ViaHTTPStatus
	// Malformed is set when the Close frame itself broke RFC 6455 (bad
	// length, bad code, reason not UTF-8).
	Malformed error
	At        time.Time
}

func (e *ClosedError) Error() string {
	switch e.Via {
	case ViaCloseFrame:
		s := fmt.Sprintf("closed: %s %d", e.Via, e.Code)
		if e.Reason != "" {
			s += fmt.Sprintf(" %q", e.Reason)
		}
		if e.Malformed != nil {
			s += fmt.Sprintf(" (malformed: %v)", e.Malformed)
		}
		return s
	case ViaHTTPStatus:
		return fmt.Sprintf("closed: HTTP %d %q", e.Status, clip(e.Body, 120))
	}
	return "closed: " + string(e.Via)
}

// Is makes errors.Is(err, ErrClosed) true.
func (e *ClosedError) Is(target error) bool { return target == ErrClosed }

// TimeoutError reports that a wait ended at its deadline.
type TimeoutError struct {
	Waiting string
	After   time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s waiting for %s", e.After.Round(time.Millisecond), e.Waiting)
}

// Is makes errors.Is(err, ErrTimeout) true.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// DroppedError reports a connection that ended (EOF, reset, broken pipe)
// while the harness expected an answer or was writing.
type DroppedError struct {
	During string
	Err    error
}

func (e *DroppedError) Error() string {
	return fmt.Sprintf("connection dropped during %s: %v", e.During, e.Err)
}

// Is makes errors.Is(err, ErrDropped) true.
func (e *DroppedError) Is(target error) bool { return target == ErrDropped }

func (e *DroppedError) Unwrap() error { return e.Err }

// StatusError reports an HTTP status an operation did not expect (a refused
// handshake, a refused WebSocket upgrade, a POST not answered 200).
type StatusError struct {
	Op     string
	Status int
	Header http.Header
	Body   []byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: HTTP %d %q", e.Op, e.Status, clip(string(e.Body), 120))
}

// ProtocolError reports bytes from the target that its protocol forbids:
// a bad frame, a masked server frame, invalid UTF-8, an undecodable packet.
// Err, when set, is the decoder's typed error (*FrameError, *codec.Error).
type ProtocolError struct {
	What string
	Err  error
}

func (e *ProtocolError) Error() string {
	if e.Err == nil {
		return "protocol violation by the target: " + e.What
	}
	return fmt.Sprintf("protocol violation by the target: %s: %v", e.What, e.Err)
}

func (e *ProtocolError) Unwrap() error { return e.Err }

// UnexpectedError reports a well-formed packet or message that is not the
// one a step of the protocol calls for.
type UnexpectedError struct {
	Want string
	Got  string
}

func (e *UnexpectedError) Error() string {
	return fmt.Sprintf("expected %s, got %s", e.Want, clip(e.Got, 200))
}

// timeoutOr turns a context error into a *TimeoutError.
func timeoutOr(ctx context.Context, err error, waiting string, started time.Time) error {
	if ctx.Err() != nil {
		return &TimeoutError{Waiting: waiting, After: time.Since(started)}
	}
	return err
}

// TargetFault reports whether err blames the target (it closed, dropped,
// refused, stayed silent, or sent something wrong) rather than the harness,
// with a description for a verdict. Errors it does not know are the
// harness's own.
func TargetFault(err error) (bool, string) {
	if err == nil {
		return false, ""
	}
	var (
		closed  *ClosedError
		timeout *TimeoutError
		dropped *DroppedError
		status  *StatusError
		proto   *ProtocolError
		unexp   *UnexpectedError
		refused *ConnectError
	)
	switch {
	case errors.As(err, &proto):
		return true, proto.Error()
	case errors.As(err, &unexp):
		return true, unexp.Error()
	case errors.As(err, &closed):
		return true, "the target closed: " + closed.Error()
	case errors.As(err, &timeout):
		return true, "nothing came: " + timeout.Error()
	case errors.As(err, &dropped):
		return true, dropped.Error()
	case errors.As(err, &status):
		return true, status.Error()
	case errors.As(err, &refused):
		return true, refused.Error()
	}
	return false, ""
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
