package conformance

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"socketlab/conformance/internal/suite"
)

// Flags, each with an environment fallback so that CI and scripts need no
// -args. A flag given on the command line wins over the environment.
var (
	flagTarget    = flag.String("target", os.Getenv("SOCKETLAB_TARGET"), "base URL of the app under test; \"reference\" (default) or \"node\" start a built-in target [SOCKETLAB_TARGET]")
	flagTestee    = flag.String("testee", os.Getenv("SOCKETLAB_TESTEE"), "base URL of the protocol echo testee [SOCKETLAB_TESTEE]")
	flagSecret    = flag.String("secret", os.Getenv("SOCKETLAB_JWT_SECRET"), "HS256 secret the target was started with [SOCKETLAB_JWT_SECRET]")
	flagOrigin    = flag.String("origin", os.Getenv("SOCKETLAB_ORIGIN"), "a browser origin the target allows [SOCKETLAB_ORIGIN]")
	flagMaxUpload = flag.Int64("max-upload", envInt("SOCKETLAB_MAX_UPLOAD", 0), "the target's upload limit in bytes [SOCKETLAB_MAX_UPLOAD]")
	flagProcess   = flag.Duration("process-timeout", envDuration("SOCKETLAB_PROCESS_TIMEOUT", 60*time.Second), "how long to wait for a video's terminal event [SOCKETLAB_PROCESS_TIMEOUT]")
	flagConnect   = flag.Duration("connect-timeout", envDuration("SOCKETLAB_CONNECT_TIMEOUT", 45*time.Second), "the target's connectTimeout: how long it lets a connection go without CONNECT [SOCKETLAB_CONNECT_TIMEOUT]")
	flagPerfN     = flag.Int("perf-sockets", int(envInt("SOCKETLAB_PERF_SOCKETS", 200)), "sockets in the perf level's organization room [SOCKETLAB_PERF_SOCKETS]")
	flagSwarmK    = flag.Int("swarm-k", int(envInt("SOCKETLAB_SWARM_K", 3)), "containers of client workers in the swarm level [SOCKETLAB_SWARM_K]")
	flagSwarmM    = flag.Int("swarm-m", int(envInt("SOCKETLAB_SWARM_M", 200)), "clients per container in the swarm level [SOCKETLAB_SWARM_M]")
	flagLevels    = flag.String("levels", os.Getenv("SOCKETLAB_LEVELS"), "comma-separated levels to run (default all) [SOCKETLAB_LEVELS]")
	flagCases     = flag.String("cases", os.Getenv("SOCKETLAB_CASES"), "comma-separated globs on case IDs [SOCKETLAB_CASES]")
	flagReportDir = flag.String("report-dir", envString("SOCKETLAB_REPORT_DIR", "../reports/conformance"), "where reports are written [SOCKETLAB_REPORT_DIR]")
	flagStrict    = flag.Bool("strict", envBool("SOCKETLAB_STRICT"), "NON-STRICT verdicts fail too [SOCKETLAB_STRICT]")
	flagExpect    = flag.String("expect", os.Getenv("SOCKETLAB_EXPECT"), "JSON file of known failures {\"CASE-ID\": \"why\"}: they stay FAIL in the report but do not fail go test; a listed case that passes does [SOCKETLAB_EXPECT]")
	flagAgent     = flag.String("agent", os.Getenv("SOCKETLAB_AGENT"), "name of this target's column in the report (default from the target) [SOCKETLAB_AGENT]")
)

// The clients under test of level "client": repeatable NAME=VALUE flags,
// or ";"-separated lists in the environment. With neither, the built-in
// clients run (clients_test.go).
var (
	flagClientCmd  = namedFlag("client-cmd", "SOCKETLAB_CLIENT_CMD", "a client testee command NAME=CMD, run with sh -c (repeatable; docs/conformance.md, Client conformance)")
	flagClientPage = namedFlag("client-page", "SOCKETLAB_CLIENT_PAGE", "a client testee page NAME=URL, loaded in Chromium (repeatable)")
)

// namedList is a repeatable NAME=VALUE flag whose default comes from an
// environment variable; a value given on the command line replaces it.
type namedList struct {
	values  []string
	fromEnv bool
}

func namedFlag(name, env, usage string) *namedList {
	l := &namedList{fromEnv: true}
	for _, v := range strings.Split(os.Getenv(env), ";") {
		if v = strings.TrimSpace(v); v != "" {
			l.values = append(l.values, v)
		}
	}
	flag.Var(l, name, usage+" ["+env+", \";\"-separated]")
	return l
}

func (l *namedList) String() string { return strings.Join(l.values, ";") }

func (l *namedList) Set(v string) error {
	if l.fromEnv {
		l.values, l.fromEnv = nil, false
	}
	l.values = append(l.values, v)
	return nil
}

// pairs splits each value at its first "=".
func (l *namedList) pairs(flagName string) ([][2]string, error) {
	var out [][2]string
	for _, v := range l.values {
		name, value, ok := strings.Cut(v, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" || value == "" {
			return nil, fmt.Errorf("-%s %q: want NAME=VALUE", flagName, v)
		}
		out = append(out, [2]string{name, value})
	}
	return out, nil
}

func envString(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int64) int64 {
	if n, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

func envBool(name string) bool {
	b, _ := strconv.ParseBool(os.Getenv(name))
	return b
}

// levelSet parses -levels; nil means every level.
func levelSet(s string) (map[suite.Level]bool, error) {
	if strings.TrimSpace(s) == "" || s == "all" {
		return nil, nil
	}
	set := map[suite.Level]bool{}
	for _, name := range strings.Split(s, ",") {
		l := suite.Level(strings.TrimSpace(name))
		if !slicesContains(suite.Levels, l) {
			return nil, &unknownLevelError{string(l)}
		}
		set[l] = true
	}
	return set, nil
}

type unknownLevelError struct{ name string }

func (e *unknownLevelError) Error() string {
	names := make([]string, len(suite.Levels))
	for i, l := range suite.Levels {
		names[i] = string(l)
	}
	return "unknown level " + strconv.Quote(e.name) + " (levels: " + strings.Join(names, ", ") + ")"
}

func slicesContains(ls []suite.Level, l suite.Level) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

func splitGlobs(s string) []string {
	var out []string
	for _, g := range strings.Split(s, ",") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}
