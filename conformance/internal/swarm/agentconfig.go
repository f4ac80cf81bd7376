package swarm

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// AgentConfig is what one agent runs. Every flag has an environment
// fallback, which is how the harness configures a container.
type AgentConfig struct {
	// Target is the app's base URL (http://127.0.0.1:PORT).
	Target string
	// Callback is the collector's URL; "-" writes the records to stdout.
	Callback string
	// Agent is this agent's number in the records.
	Agent int
	// Credentials has one entry per client.
	Credentials []Credential
	// DialConcurrency bounds simultaneous handshakes, so that M clients
	// starting together do not overflow the target's accept backlog.
	DialConcurrency int
	// OrphanAfter ends the agent when the collector has been unreachable
	// that long: the harness is gone and nobody will remove the container.
	OrphanAfter time.Duration
}

// Environment variables of the agent (each also a flag).
const (
	EnvTarget      = "SWARM_TARGET"
	EnvCallback    = "SWARM_CALLBACK"
	EnvAgent       = "SWARM_AGENT"
	EnvClients     = "SWARM_CLIENTS"
	EnvTokensFile  = "SWARM_TOKENS_FILE"
	EnvTokens      = "SWARM_TOKENS" // the JSON array itself
	EnvSecret      = "SWARM_SECRET"
	EnvOrgs        = "SWARM_ORGS" // comma-separated
	EnvConcurrency = "SWARM_DIAL_CONCURRENCY"
	EnvOrphanAfter = "SWARM_ORPHAN_AFTER"
)

// ParseAgentConfig reads flags, falling back on getenv. Clients come from
// -tokens-file, SWARM_TOKENS, or -secret with -orgs and -clients (minted).
func ParseAgentConfig(args []string, getenv func(string) string, stderr io.Writer) (AgentConfig, error) {
	fs := flag.NewFlagSet("swarmagent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	envInt := func(name string, def int) int {
		if n, err := strconv.Atoi(getenv(name)); err == nil {
			return n
		}
		return def
	}
	envDur := func(name string, def time.Duration) time.Duration {
		if d, err := time.ParseDuration(getenv(name)); err == nil {
			return d
		}
		return def
	}
	var cfg AgentConfig
	fs.StringVar(&cfg.Target, "target", getenv(EnvTarget), "the app's base URL ["+EnvTarget+"]")
	fs.StringVar(&cfg.Callback, "callback", getenv(EnvCallback), "the collector's URL, or - for stdout ["+EnvCallback+"]")
	fs.IntVar(&cfg.Agent, "agent", envInt(EnvAgent, 0), "this agent's number ["+EnvAgent+"]")
	clients := fs.Int("clients", envInt(EnvClients, 0), "clients to mint with -secret ["+EnvClients+"]")
	tokensFile := fs.String("tokens-file", getenv(EnvTokensFile), "JSON array of {org,user,token}, one per client ["+EnvTokensFile+"]")
	secret := fs.String("secret", getenv(EnvSecret), "HS256 secret to mint the clients' tokens with ["+EnvSecret+"]")
	orgs := fs.String("orgs", getenv(EnvOrgs), "comma-separated organizations of the minted clients ["+EnvOrgs+"]")
	fs.IntVar(&cfg.DialConcurrency, "dial-concurrency", envInt(EnvConcurrency, 64), "simultaneous handshakes ["+EnvConcurrency+"]")
	fs.DurationVar(&cfg.OrphanAfter, "orphan-after", envDur(EnvOrphanAfter, 30*time.Second), "exit when the collector is unreachable this long ["+EnvOrphanAfter+"]")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg.Target = strings.TrimSuffix(cfg.Target, "/")
	switch {
	case cfg.Target == "":
		return cfg, errors.New("a target is required: -target or " + EnvTarget)
	case cfg.Callback == "":
		return cfg, errors.New("a callback is required: -callback or " + EnvCallback + " (- for stdout)")
	case cfg.Agent < 0 || cfg.DialConcurrency < 1:
		return cfg, errors.New("-agent must be ≥ 0 and -dial-concurrency ≥ 1")
	}
	var err error
	switch {
	case *tokensFile != "":
		var data []byte
		if data, err = os.ReadFile(*tokensFile); err == nil {
			cfg.Credentials, err = ParseCredentials(data)
		}
	case getenv(EnvTokens) != "":
		cfg.Credentials, err = ParseCredentials([]byte(getenv(EnvTokens)))
	case *secret != "":
		list := splitList(*orgs)
		if len(list) == 0 || *clients < 1 {
			return cfg, errors.New("minting needs -orgs and -clients ≥ 1")
		}
		cfg.Credentials = MintCredentials(*secret, list, cfg.Agent, *clients)
	default:
		err = errors.New("no clients: give -tokens-file, " + EnvTokens + ", or -secret with -orgs and -clients")
	}
	return cfg, err
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
