package client

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"socketlab/conformance/internal/scriptserver"
	"socketlab/conformance/internal/suite"
)

// The timing tolerances of the reconnection cases. A delay measured on the
// server runs from the refusal it wrote to the next handshake it read, so
// it includes the client's reaction time and can only exceed the client's
// timer: schedEarly allows for a timer firing a millisecond early (Node
// and browsers round), schedMargin for the scheduling of a loaded machine.
const (
	schedEarly  = 2 * time.Millisecond
	schedMargin = 50 * time.Millisecond
)

// delayBounds is the range socket.io-client's backoff (backo2) allows
// before reconnection attempt n (from 1): reconnectionDelay·2^(n−1), spread
// by ±randomizationFactor, capped at reconnectionDelayMax.
func delayBounds(n int) (lo, hi time.Duration) {
	base := float64(reconnectionDelay) * math.Pow(2, float64(n-1))
	capped := func(v float64) time.Duration { return time.Duration(math.Min(v, float64(reconnectionDelayMax))) }
	return capped(base * (1 - randomizationFactor)), capped(base * (1 + randomizationFactor))
}

// timed is one measured reconnection delay. Server is measured on the
// wire, from the refusal (or the end of the session) to the next
// handshake: it can only exceed the client's timer, by the client's
// reaction time. Client, when the client reported both ends, is the
// same delay on the client's clock, from the report of the failure
// (connect_error, or disconnect) to reconnect_attempt: the timer itself.
type timed struct {
	attempt int
	server  time.Duration
	client  time.Duration
	hasCli  bool
}

// clientDelays pairs the k-th start report with the k-th reconnect_attempt.
func clientDelays(reps []Report, startKind string, n int) []timed {
	var starts, fires []float64
	for _, rep := range reps {
		switch rep.Kind {
		case startKind:
			starts = append(starts, rep.At)
		case "reconnect_attempt":
			fires = append(fires, rep.At)
		}
	}
	out := make([]timed, n)
	for k := range out {
		out[k].attempt = k + 1
		if k < len(starts) && k < len(fires) && starts[k] > 0 && fires[k] >= starts[k] {
			out[k].client, out[k].hasCli = time.Duration((fires[k]-starts[k])*float64(time.Millisecond)), true
		}
	}
	return out
}

// delayVerdict checks each delay against the bounds of its attempt. Too
// early is judged on the wire (sound: the wire delay is never shorter
// than the timer); too late on the client's own clock when it reported a
// consistent figure, since the wire delay also holds the time the client
// took to notice the failure and to send its request.
func delayVerdict(r *run, ds []timed) error {
	var figures, late []string
	for _, d := range ds {
		lo, hi := delayBounds(d.attempt)
		judged := d.server
		fig := fmt.Sprintf("#%d %dms", d.attempt, d.server.Milliseconds())
		if d.hasCli && d.client <= d.server+schedEarly {
			judged = d.client
			fig += fmt.Sprintf(" (client %dms)", d.client.Milliseconds())
		}
		fig += fmt.Sprintf(" [%d–%d]", lo.Milliseconds(), hi.Milliseconds())
		figures = append(figures, fig)
		switch {
		case d.server < lo-schedEarly:
			return suite.Violationf(fmt.Sprintf("reconnection attempt %d after %v–%v (reconnectionDelay·2^%d·(1±randomizationFactor), capped at reconnectionDelayMax)", d.attempt, lo, hi, d.attempt-1),
				"after %v, too early (delays: %s)", d.server.Round(time.Millisecond), strings.Join(figures, ", "))
		case judged > hi+schedMargin+lateLimit:
			return suite.Violationf(fmt.Sprintf("reconnection attempt %d after %v–%v (+%v scheduling margin)", d.attempt, lo, hi, schedMargin),
				"after %v (delays: %s)", judged.Round(time.Millisecond), strings.Join(figures, ", "))
		case judged > hi+schedMargin:
			late = append(late, fmt.Sprintf("attempt %d after %v, bound %v + %v", d.attempt, judged.Round(time.Millisecond), hi, schedMargin))
		}
	}
	r.measure("delays", strings.Join(figures, ", "))
	if len(late) > 0 {
		return suite.NonStrict("delays within backo2's bounds only late: %s (delays: %s)", strings.Join(late, "; "), strings.Join(figures, ", "))
	}
	return nil
}

// wireDelays fills the server side of ds from consecutive handshakes.
func wireDelays(ds []timed, attempts []scriptserver.Attempt) []timed {
	for k := range ds {
		if k+1 < len(attempts) {
			ds[k].server = attempts[k+1].Arrived.Sub(attempts[k].Answered)
		}
	}
	return ds
}

// attemptNumbers lists the "attempt" of the reports of one kind.
func attemptNumbers(reps []Report, k string) []int {
	var out []int
	for _, rep := range reps {
		if rep.Kind == k {
			out = append(out, rep.Attempt)
		}
	}
	return out
}

func count(reps []Report, k string) int {
	n := 0
	for _, rep := range reps {
		if rep.Kind == k {
			n++
		}
	}
	return n
}

func oneTo(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// socket.io-client's reconnection (Manager): the backoff between attempts,
// the events it tells the application, and giving up.
func backoffCases() {
	const backoffRule = `socket.io docs v4 client options: reconnectionDelay “The initial delay before reconnection in milliseconds (affected by the randomizationFactor value)”, reconnectionDelayMax “The maximum delay between two reconnection attempts. Each attempt increases the reconnection delay by 2x.”, ` +
		`randomizationFactor “The randomization factor used when reconnecting (so that the clients do not reconnect at the exact same time after a server crash, for example)” — “1st reconnection attempt happens between 500 and 1500 ms (1000 * 2^0 * (<something between -0.5 and 1.5>))”. ` +
		`socket.io-client (backo2): the delay before attempt n is reconnectionDelay·2^(n−1)·(1±randomizationFactor), capped at reconnectionDelayMax; the Manager emits reconnect_attempt(n) before each attempt and reconnect(n) when one succeeds. ` +
		`A client that takes these options MUST honour them: each delay within its attempt's bounds, the events in order.`

	const refused = 5
	register(suite.Case{
		ID: "CLIENT-BACKOFF-1", Strength: suite.Must,
		Title:       "Refused connections are retried with socket.io's backoff",
		Requirement: backoffRule + " With reconnectionDelay 100 ms, reconnectionDelayMax 800 ms and randomizationFactor 0.5 the delays are 50–150, 100–300, 200–600, 400–800 and 800 ms.",
		Source:      "socket.io docs v4 “Client options” (reconnectionDelay, reconnectionDelayMax, randomizationFactor); socket.io-client 4.8 manager.ts reconnect(), contrib/backo2.js; docs/protocol.md “Reconnection delays”",
		Steps: []string{"give the client reconnectionDelay 100, reconnectionDelayMax 800, randomizationFactor 0.5",
			fmt.Sprintf("answer the first %d handshakes HTTP 503, accept the next", refused),
			"measure each delay on the wire, from a refusal to the next handshake, and on the client's clock, from its connect_error to its reconnect_attempt: within its attempt's bounds (not earlier on the wire than −2 ms; not later than +50 ms scheduling margin on the client's clock when it is consistent, else on the wire; up to 100 ms later is NON-STRICT)",
			fmt.Sprintf("expect reconnect_attempt 1…%d, then connect and reconnect(%d)", refused, refused)},
	}, setup{Server: scriptserver.Options{Policy: func(n int) scriptserver.Refusal {
		if n <= refused {
			return scriptserver.Refuse503
		}
		return scriptserver.Accept
	}}}, func(r *run) error {
		var longest time.Duration
		for n := 1; n <= refused; n++ {
			_, hi := delayBounds(n)
			longest += hi + schedMargin + lateLimit
		}
		sess, err := r.session(1, startupWait+longest)
		if err != nil {
			return err
		}
		if _, err := r.expectConnect(sess); err != nil {
			return err
		}
		if _, _, err := r.accept(sess, "", 1); err != nil {
			return err
		}
		if _, err := r.report("reconnect", 1, kind("reconnect"), r.replyWait()); err != nil {
			return err
		}
		reps := r.sink.Reports()
		if got := attemptNumbers(reps, "reconnect_attempt"); !slices.Equal(got, oneTo(refused)) {
			return suite.Violationf(fmt.Sprintf("reconnect_attempt %v", oneTo(refused)), "reconnect_attempt %v (reports: %s)", got, Kinds(reps))
		}
		if got := attemptNumbers(reps, "reconnect"); !slices.Equal(got, []int{refused}) {
			return suite.Violationf(fmt.Sprintf("reconnect(%d) once", refused), "reconnect %v", got)
		}
		r.measure("connect_errors", count(reps, "connect_error"))
		return delayVerdict(r, wireDelays(clientDelays(reps, "connect_error", refused), r.srv.Attempts()))
	})

	const attempts = 3
	register(suite.Case{
		ID: "CLIENT-BACKOFF-2", Strength: suite.Must,
		Title: "After reconnectionAttempts failures the client gives up: reconnect_failed",
		Requirement: `socket.io docs v4 client options: reconnectionAttempts “The number of reconnection attempts before giving up.” Manager event “reconnect_failed”: “Fired when couldn't reconnect within reconnectionAttempts.” ` +
			`Manager event “reconnect_error”: “Fired upon a reconnection attempt error.” ` + backoffRule,
		Source: "socket.io docs v4 “Client options” (reconnectionAttempts), “Client API › Manager” (events reconnect_attempt, reconnect_error, reconnect_failed); socket.io-client 4.8 manager.ts reconnect()",
		Steps: []string{fmt.Sprintf("give the client reconnectionAttempts %d (and the short backoff)", attempts),
			"close the TCP connection of every handshake without an answer",
			fmt.Sprintf("expect %d handshakes (the first and %d reconnection attempts), each delay within its bounds", attempts+1, attempts),
			fmt.Sprintf("expect reconnect_attempt 1…%d, %d reconnect_error, one reconnect_failed", attempts, attempts),
			"then twice reconnectionDelayMax without any handshake"},
	}, setup{ReconnectionAttempts: attempts, Server: scriptserver.Options{Policy: func(int) scriptserver.Refusal { return scriptserver.DropTCP }}},
		func(r *run) error {
			var longest time.Duration
			for n := 1; n <= attempts; n++ {
				_, hi := delayBounds(n)
				longest += hi + schedMargin + lateLimit
			}
			ctx, cancel := r.within(startupWait + longest)
			defer cancel()
			if _, err := r.srv.AwaitAttempts(ctx, attempts+1); err != nil {
				return r.violation(fmt.Sprintf("%d handshakes", attempts+1), err)
			}
			if _, err := r.report("reconnect_failed", 1, kind("reconnect_failed"), r.replyWait()); err != nil {
				return err
			}
			if err := r.quiet(2 * reconnectionDelayMax); err != nil {
				return err
			}
			all := r.srv.Attempts()
			if len(all) != attempts+1 {
				return suite.Violationf(fmt.Sprintf("%d handshakes, then none", attempts+1), "%d handshakes", len(all))
			}
			reps := r.sink.Reports()
			if got := attemptNumbers(reps, "reconnect_attempt"); !slices.Equal(got, oneTo(attempts)) {
				return suite.Violationf(fmt.Sprintf("reconnect_attempt %v", oneTo(attempts)), "reconnect_attempt %v (reports: %s)", got, Kinds(reps))
			}
			if n, f := count(reps, "reconnect_error"), count(reps, "reconnect_failed"); n != attempts || f != 1 {
				return suite.Violationf(fmt.Sprintf("%d reconnect_error and one reconnect_failed", attempts), "%d reconnect_error, %d reconnect_failed (reports: %s)", n, f, Kinds(reps))
			}
			return delayVerdict(r, wireDelays(clientDelays(reps, "connect_error", attempts), all))
		})
}
