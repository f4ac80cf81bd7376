package contract

import (
	"errors"
	"fmt"

	"socketlab/conformance/internal/codec"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
)

// The §3 messages.
const (
	msgAuthRequired = "Authentication required"
	msgInvalidToken = "Invalid token"
)

// expectRefused judges "refused with M" (contract §0): exactly one
// CONNECT_ERROR for "/" whose message is exactly want; the socket is not
// connected and receives no event.
func (e *env) expectRefused(name string, payload any, want string, opts ...func(*sioclient.Options)) error {
	expected := fmt.Sprintf(`exactly one CONNECT_ERROR {"message":%q} for "/", no event`, want)
	s, err := e.dial(name, payload, opts...)
	var refused *sioclient.ConnectError
	var closed *sioclient.ClosedError
	switch {
	case err == nil:
		return suite.Violationf(expected, "connected: the CONNECT reply gave sid %q", s.SID())
	case errors.As(err, &refused):
	case errors.As(err, &closed):
		return suite.Violationf(expected, "the connection closed without a CONNECT reply")
	case isTimeout(err):
		return suite.Violationf(expected, "no CONNECT reply within %v (the app's heartbeat)", e.replyWait())
	default:
		return err
	}
	if !refused.HasMessage || refused.Message != want {
		return suite.Violationf(expected, "CONNECT_ERROR %s", refused.Raw)
	}
	if err := e.barrier(s); err != nil && !errors.As(err, &closed) {
		return err
	}
	replies := 0
	for _, r := range s.Packets() {
		if isConnectReply(r) {
			replies++
		}
		if r.IsEvent() {
			return suite.Violationf(expected, "an event after the refusal: %s", clip(r.Frame, 200))
		}
	}
	if replies != 1 {
		return suite.Violationf(expected, "%d CONNECT replies for \"/\"", replies)
	}
	return nil
}

// expectAccepted judges that payload is accepted: a CONNECT reply with a
// sid for "/".
func (e *env) expectAccepted(name string, payload any, why string) (*sioclient.Socket, error) {
	s, err := e.dial(name, payload)
	var refused *sioclient.ConnectError
	switch {
	case errors.As(err, &refused):
		return nil, suite.Violationf("accepted ("+why+")", "refused: %s", refused.Raw)
	case err != nil:
		var closed *sioclient.ClosedError
		if errors.As(err, &closed) {
			return nil, suite.Violationf("accepted ("+why+")", "the connection closed without a CONNECT reply")
		}
		if isTimeout(err) {
			return nil, suite.Violationf("accepted ("+why+")", "no CONNECT reply within %v (the app's heartbeat)", e.replyWait())
		}
		return nil, err
	case s.SID() == "":
		return nil, suite.Violationf("a CONNECT reply with a sid", "CONNECT reply without sid")
	}
	return s, nil
}

// connectReplies counts the CONNECT and CONNECT_ERROR packets for "/".
func connectReplies(s *sioclient.Socket) (ok, refused int) {
	for _, r := range s.Packets() {
		if r.Err == nil && r.Packet.Namespace == "/" {
			switch r.Packet.Type {
			case codec.SIOConnect:
				ok++
			case codec.SIOConnectError:
				refused++
			}
		}
	}
	return ok, refused
}

// isTimeout reports whether err is a wait that ran out: the target did not
// answer in time, which is its fault, not the harness's.
func isTimeout(err error) bool {
	var t *sioclient.TimeoutError
	return errors.As(err, &t)
}
