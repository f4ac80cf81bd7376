package swarm

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/wirelog"
)

// FleetOptions configure a swarm.
type FleetOptions struct {
	// Target is the app's base URL on 127.0.0.1.
	Target string
	// Secret signs the clients' tokens (the agents mint them).
	Secret string
	// Orgs are the organizations; client i of every agent is a member of
	// Orgs[i % len(Orgs)].
	Orgs []string
	// K agents (containers) of M clients each.
	K, M int
	// Log receives the fleet's lifecycle notes (container start, pause…).
	Log *wirelog.Log
}

// Fleet is K running agent containers and the collector they report to.
type Fleet struct {
	Opts      FleetOptions
	Collector *Collector

	provider *testcontainers.DockerProvider
	docker   *testcontainers.DockerClient
	agents   []testcontainers.Container
	mu       sync.Mutex
	paused   map[int]bool
}

// StartFleet builds the agent image (once per run) and starts K containers
// on the host network, each running M clients. The caller closes the fleet
// whatever the error.
func StartFleet(ctx context.Context, o FleetOptions) (*Fleet, error) {
	if o.K < 1 || o.M < 1 || len(o.Orgs) == 0 {
		return nil, errors.New("swarm: a fleet needs K ≥ 1, M ≥ 1 and an organization")
	}
	col, err := NewCollector()
	if err != nil {
		return nil, err
	}
	f := &Fleet{Opts: o, Collector: col, paused: map[int]bool{}}
	if f.provider, err = provider(o.Log); err != nil {
		return f, err
	}
	if f.docker, err = testcontainers.NewDockerClientWithOpts(ctx); err != nil {
		return f, err
	}
	image, err := Image(ctx, f.provider, o.Log)
	if err != nil {
		return f, err
	}
	run := jwtmint.RandomID("")
	for k := range o.K {
		req := testcontainers.ContainerRequest{
			Image: image,
			Name:  fmt.Sprintf("socketlab-swarm-%s-%d", run, k),
			Env: map[string]string{
				EnvTarget:   o.Target,
				EnvCallback: col.URL,
				EnvAgent:    strconv.Itoa(k),
				EnvClients:  strconv.Itoa(o.M),
				EnvSecret:   o.Secret,
				EnvOrgs:     strings.Join(o.Orgs, ","),
			},
			Labels: map[string]string{"socketlab.swarm.run": run},
			HostConfigModifier: func(hc *container.HostConfig) {
				// The agents reach the target and the collector on
				// 127.0.0.1, as the harness does.
				hc.NetworkMode = "host"
			},
			EndpointSettingsModifier: func(eps map[string]*network.EndpointSettings) {
				clear(eps) // host networking attaches to nothing else
			},
		}
		c, err := f.provider.RunContainer(ctx, req)
		if c != nil {
			f.agents = append(f.agents, c)
		}
		if err != nil {
			return f, fmt.Errorf("starting agent %d: %w", k, err)
		}
		o.Log.Notef("swarm: agent %d started in container %s (%d clients)", k, short(c.GetContainerID()), o.M)
	}
	return f, nil
}

// Pause freezes agent k's container (docker pause: its processes stop,
// its sockets stay open and the kernel keeps acknowledging segments).
func (f *Fleet) Pause(ctx context.Context, k int) error {
	if _, err := f.docker.ContainerPause(ctx, f.agents[k].GetContainerID(), client.ContainerPauseOptions{}); err != nil {
		return fmt.Errorf("pausing agent %d: %w", k, err)
	}
	f.mu.Lock()
	f.paused[k] = true
	f.mu.Unlock()
	f.Opts.Log.Notef("swarm: agent %d paused", k)
	return nil
}

// Unpause thaws agent k's container.
func (f *Fleet) Unpause(ctx context.Context, k int) error {
	if _, err := f.docker.ContainerUnpause(ctx, f.agents[k].GetContainerID(), client.ContainerUnpauseOptions{}); err != nil {
		return fmt.Errorf("unpausing agent %d: %w", k, err)
	}
	f.mu.Lock()
	delete(f.paused, k)
	f.mu.Unlock()
	f.Opts.Log.Notef("swarm: agent %d unpaused", k)
	return nil
}

// Stop stops agent k's container at once, as a crashed node: its
// processes are killed and the kernel closes their connections.
func (f *Fleet) Stop(ctx context.Context, k int) error {
	now := time.Duration(0)
	if err := f.agents[k].Stop(ctx, &now); err != nil {
		return fmt.Errorf("stopping agent %d: %w", k, err)
	}
	f.Opts.Log.Notef("swarm: agent %d stopped", k)
	return nil
}

// Close thaws and removes every container and stops the collector.
func (f *Fleet) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f.mu.Lock()
	paused := make([]int, 0, len(f.paused))
	for k := range f.paused {
		paused = append(paused, k)
	}
	f.mu.Unlock()
	for _, k := range paused {
		_ = f.Unpause(ctx, k)
	}
	var wg sync.WaitGroup
	for k, c := range f.agents {
		wg.Go(func() {
			stop := 2 * time.Second // the agent closes its sockets on SIGTERM
			if err := c.Terminate(ctx, testcontainers.StopTimeout(stop)); err != nil {
				f.Opts.Log.Notef("swarm: removing agent %d: %v", k, err)
			}
		})
	}
	wg.Wait()
	if f.docker != nil {
		_ = f.docker.Close()
	}
	if f.provider != nil {
		_ = f.provider.Close()
	}
	f.Collector.Close()
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
