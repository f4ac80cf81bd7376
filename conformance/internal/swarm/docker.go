package swarm

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"socketlab/conformance/internal/wirelog"
)

// prepareEnv sets what testcontainers-go needs here, unless the user set
// it: no reaper (Ryuk is an image to pull, and no image can be pulled) and
// containers reached on the loopback address (they use the host network).
// It must run before testcontainers reads its configuration, which it
// does once per process.
var prepareEnv = sync.OnceFunc(func() {
	for k, v := range map[string]string{
		"TESTCONTAINERS_RYUK_DISABLED": "true",
		"TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1",
	} {
		if _, set := os.LookupEnv(k); !set {
			_ = os.Setenv(k, v)
		}
	}
	// Its process-wide banner would land in the middle of go test's
	// output; what a fleet does goes to the case's wire log instead.
	tclog.SetDefault(tclog.NewNoopLogger())
})

// Available reports why Docker cannot run the swarm, or nil. It is
// testcontainers.SkipIfProviderIsNotHealthy without a *testing.T: the
// caller decides whether absence is a skip or, in CI, an error.
func Available(ctx context.Context) (err error) {
	prepareEnv()
	defer func() {
		// testcontainers panics on some broken environments (its own
		// SkipIfProviderIsNotHealthy recovers too).
		if r := recover(); r != nil {
			err = fmt.Errorf("docker provider panicked: %v", r)
		}
	}()
	p, err := provider(nil)
	if err != nil {
		return err
	}
	return p.Health(ctx) // Health closes the provider
}

// provider returns a Docker provider logging into log (nil: nowhere). Its
// default network is "host": containers here use the host network, and
// without that testcontainers would create and attach a bridge network
// (the daemon runs with --bridge=none).
func provider(log *wirelog.Log) (*testcontainers.DockerProvider, error) {
	prepareEnv()
	opts := testcontainers.Generic2DockerOptions(testcontainers.WithLogger(logger{log}))
	opts = append(opts, testcontainers.WithDefaultBridgeNetwork("host"))
	return testcontainers.NewDockerProvider(opts...)
}

// logger sends testcontainers' messages to a case's wire log as notes.
type logger struct{ log *wirelog.Log }

var _ tclog.Logger = logger{}

func (l logger) Printf(format string, args ...any) {
	if l.log != nil {
		l.log.Notef("testcontainers: "+format, args...)
	}
}
