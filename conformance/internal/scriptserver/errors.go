package scriptserver

import (
	"fmt"
	"strings"
)

// TimeoutError says the client did not do what a script waited for.
type TimeoutError struct {
	Waiting string
	Seen    []Packet // the session's packets, when a session was waited on
	Err     error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out waiting for %s (client sent: %s)", e.Waiting, Summary(e.Seen))
}

func (e *TimeoutError) Unwrap() error { return e.Err }

// EndedError says the session ended before the client did what a script
// waited for.
type EndedError struct {
	Waiting string
	Reason  string
	Seen    []Packet
}

func (e *EndedError) Error() string {
	return fmt.Sprintf("the session ended (%s) while waiting for %s (client sent: %s)", e.Reason, e.Waiting, Summary(e.Seen))
}

// Summary lists packets for a verdict, the last ones when there are many.
func Summary(ps []Packet) string {
	if len(ps) == 0 {
		return "nothing"
	}
	const keep = 8
	var parts []string
	if len(ps) > keep {
		parts = append(parts, fmt.Sprintf("…%d earlier", len(ps)-keep))
		ps = ps[len(ps)-keep:]
	}
	for _, p := range ps {
		s := p.String()
		if len(s) > 120 {
			s = s[:120] + "…"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
