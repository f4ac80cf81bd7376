package faults

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"time"

	"socketlab/conformance/internal/rest"
	"socketlab/conformance/internal/sioclient"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// blame turns a client error into a violation of what the step needed when
// the target is to blame — it refused, closed, stayed silent past the
// step's bound, or sent bytes the strict codec rejects — and returns other
// errors as they are (the harness's own failures: ERROR).
func blame(expected string, err error) error {
	if err == nil {
		return nil
	}
	var (
		v        *suite.Violation
		refused  *sioclient.ConnectError
		status   *sioclient.HandshakeError
		closed   *sioclient.ClosedError
		proto    *sioclient.ProtocolError
		timedOut *sioclient.TimeoutError
	)
	switch {
	case errors.As(err, &v):
		return err
	case errors.As(err, &refused), errors.As(err, &status), errors.As(err, &closed), errors.As(err, &proto), errors.As(err, &timedOut):
		return suite.Violationf(expected, "%v", err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return suite.Violationf(expected, "%v", err)
	}
	if ok, why := wire.TargetFault(err); ok {
		return suite.Violationf(expected, "%s", why)
	}
	return err
}

// announce posts an announcement as an admin (contract ANN-3) directly to
// the server: the scene is set, the faulty network is the socket's.
func announce(ctx context.Context, api *rest.Client, token, message string) error {
	resp, err := api.PostJSON(ctx, "/api/announcements", token, map[string]string{"message": message})
	if err != nil {
		return err
	}
	if resp.Status != http.StatusAccepted {
		return suite.Violationf("202 to POST /api/announcements (contract ANN-3)", "%s", resp.Summary())
	}
	return nil
}

// ms renders a duration in milliseconds for the report's measures.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// joined renders a step list as "10 → 40 → 70 → processed".
func joined(steps []string) string {
	if len(steps) == 0 {
		return "nothing"
	}
	return strings.Join(steps, " → ")
}
