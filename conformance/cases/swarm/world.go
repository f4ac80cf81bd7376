package swarm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/suite"
	agents "socketlab/conformance/internal/swarm"
)

// Default size of the swarm when the configuration gives none.
const (
	defaultK = 3
	defaultM = 200
)

// caseTimeout bounds a swarm case; the waits inside derive from the
// heartbeat and the swarm's size and end well before it.
const caseTimeout = 10 * time.Minute

// world is one case's swarm: K agents of M clients, half of each agent's
// clients in organization A, half in B, and an admin of A who is not a
// swarm client (the uploader and announcer).
type world struct {
	c          *suite.C
	fleet      *agents.Fleet
	orgA, orgB string
	adminA     string // token
	k, m       int
}

// start checks Docker, then starts the swarm and waits until every client
// has connected (contract AUTH-8: fresh identities are accepted).
func start(c *suite.C) (*world, error) {
	if c.Cfg.Secret == "" {
		return nil, suite.Skip("no -secret: the swarm's clients need tokens signed with the target's secret")
	}
	if err := dockerReady(c); err != nil {
		return nil, err
	}
	w := &world{c: c, k: max(c.Cfg.SwarmK, 0), m: max(c.Cfg.SwarmM, 0),
		orgA: jwtmint.RandomID("org-swarm-a-"), orgB: jwtmint.RandomID("org-swarm-b-")}
	if w.k == 0 {
		w.k = defaultK
	}
	if w.m == 0 {
		w.m = defaultM
	}
	w.adminA = jwtmint.New(c.Cfg.Secret).Token(jwtmint.Identity{UserID: jwtmint.RandomID("u-swarm-admin-"), OrgID: w.orgA, Role: jwtmint.Admin}, time.Hour)
	ctx, cancel := c.Within(5 * time.Minute) // a first image build compiles the agent
	defer cancel()
	began := time.Now()
	f, err := agents.StartFleet(ctx, agents.FleetOptions{Target: c.Cfg.Target, Secret: c.Cfg.Secret,
		Orgs: []string{w.orgA, w.orgB}, K: w.k, M: w.m, Log: c.Log})
	if f != nil {
		c.Cleanup(f.Close)
	}
	if err != nil {
		return nil, err
	}
	w.fleet = f
	c.Expect("all %d clients of %d containers connected within %s", w.k*w.m, w.k, w.connectWait())
	c.Measure("clients", w.k*w.m)
	c.Measure("containers", w.k)
	if err := w.waitConnected(began); err != nil {
		return nil, err
	}
	return w, nil
}

// dockerReady is testcontainers' SkipIfProviderIsNotHealthy for a case:
// SKIP without Docker, except in CI, where the level must run.
func dockerReady(c *suite.C) error {
	ctx, cancel := c.Within(30 * time.Second)
	defer cancel()
	err := agents.Available(ctx)
	if err == nil {
		return nil
	}
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		return fmt.Errorf("the swarm level needs Docker, and CI is set: %w", err)
	}
	return suite.Skip("Docker is not available (%v): the swarm level runs its client workers in containers", err)
}

// connectWait bounds the wait for n clients to connect: a heartbeat for
// the slowest handshake, twice, plus 10 ms per client (the agents dial 64
// at a time each, on a machine they share with the target).
func (w *world) connectWait() time.Duration {
	return 2*w.c.Heartbeat() + time.Duration(w.k*w.m)*10*time.Millisecond
}

// waitConnected waits until every client has had a session; a refusal
// (CONNECT_ERROR) of a valid token is a violation of AUTH-8.
func (w *world) waitConnected(began time.Time) error {
	n := w.k * w.m
	ctx, cancel := w.c.Within(w.connectWait())
	defer cancel()
	var refused *agents.Client
	err := w.fleet.Collector.Until(ctx, fmt.Sprintf("all %d clients to connect", n), func(v agents.View) (bool, string) {
		connected, failures := 0, 0
		for _, cl := range v {
			if len(cl.Sessions) > 0 {
				connected++
			}
			failures += len(cl.Failures)
			for _, f := range cl.Failures {
				if f.Refused && refused == nil {
					refused = cl
				}
			}
		}
		return connected == n || refused != nil, fmt.Sprintf("%d of %d connected, %d failed attempts", connected, n, failures)
	})
	if refused != nil {
		f := refused.Failures[len(refused.Failures)-1]
		return suite.Violationf("every valid token of a fresh identity accepted (AUTH-8)", "%s (%s) refused: %s", refused.ID, refused.Org, f.Error)
	}
	var wait *agents.WaitError
	if errors.As(err, &wait) {
		example := w.failureExample()
		return suite.Violationf(fmt.Sprintf("all %d clients connected within %s", n, w.connectWait()), "%s%s", wait.Progress, example)
	}
	if err != nil {
		return err
	}
	var times []time.Duration
	retried := 0
	w.fleet.Collector.Read(func(v agents.View) {
		for _, cl := range v {
			times = append(times, cl.Sessions[0].At.Sub(began))
			if cl.Sessions[0].Attempts > 1 {
				retried++
			}
		}
	})
	slices.Sort(times)
	w.c.Measure("connect_all_s", seconds(times[len(times)-1]))
	w.c.Measure("connect_retried_clients", retried)
	return nil
}

// failureExample is one client's last connect error, for a verdict.
func (w *world) failureExample() string {
	out := ""
	w.fleet.Collector.Read(func(v agents.View) {
		for _, cl := range v.Sorted() {
			if len(cl.Failures) > 0 && len(cl.Sessions) == 0 {
				out = fmt.Sprintf("; e.g. %s: %s", cl.ID, cl.Failures[len(cl.Failures)-1].Error)
				return
			}
		}
	})
	if st := w.fleet.Collector.Stats(); len(st.Refused) > 0 {
		out += fmt.Sprintf("; collector refused reports: %s", st.Refused[0])
	}
	return out
}

// hold waits d (a heartbeat-derived span the case must let pass, such as
// a pause), unless the case ends first.
func hold(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// disconnectsSince counts disconnections after t of the agents for which
// which returns true.
func (w *world) disconnectsSince(t time.Time, which func(agent int) bool) int {
	n := 0
	w.fleet.Collector.Read(func(v agents.View) {
		for _, cl := range v {
			if !which(cl.ID.Agent) {
				continue
			}
			for _, d := range cl.Disconnects {
				if d.At.After(t) {
					n++
				}
			}
		}
	})
	return n
}

func seconds(d time.Duration) float64 { return float64(d.Milliseconds()) / 1000 }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// quantiles returns min, p50, p99 and max of ds (which it sorts).
func quantiles(ds []time.Duration) (lo, p50, p99, hi time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0, 0
	}
	slices.Sort(ds)
	at := func(q float64) time.Duration { return ds[min(int(q*float64(len(ds))), len(ds)-1)] }
	return ds[0], at(0.50), at(0.99), ds[len(ds)-1]
}
