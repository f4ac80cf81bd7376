package conformance

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/target"
)

// clientsUnderTest are the clients level "client" judges: those of
// -client-cmd and -client-page, or, with neither, the built-in three —
// the official socket.io-client 4.8.4 in Node, socketlab's Go client and
// socketlab's browser client in Chromium — prepared only when a client
// case is going to run.
func clientsUnderTest(cfg *suite.Config) ([]suite.ClientUnderTest, error) {
	cmds, err := flagClientCmd.pairs("client-cmd")
	if err != nil {
		return nil, err
	}
	pages, err := flagClientPage.pairs("client-page")
	if err != nil {
		return nil, err
	}
	var out []suite.ClientUnderTest
	for _, c := range cmds {
		out = append(out, suite.ClientUnderTest{Name: c[0], Command: c[1]})
	}
	for _, p := range pages {
		out = append(out, suite.ClientUnderTest{Name: p[0], Page: p[1]})
	}
	if len(out) > 0 || !clientCasesWanted(cfg) {
		return out, nil
	}
	return builtInClients()
}

// builtInClients builds the Go client testee, serves the browser one and
// names the Node one. The testees are programs and files of this module
// run as black boxes: the harness imports none of their code.
func builtInClients() ([]suite.ClientUnderTest, error) {
	root, err := target.ModuleRoot()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	work, err := os.MkdirTemp("", "socketlab-clients-")
	if err != nil {
		return nil, err
	}
	goTestee, err := target.BuildGo(ctx, root, "./reference/cmd/clienttestee", work)
	if err != nil {
		return nil, err
	}
	static, err := serveStatic(filepath.Join(root, "reference", "app", "web", "static"))
	if err != nil {
		return nil, err
	}
	clients := []suite.ClientUnderTest{
		{Name: "go", Command: "exec " + shellQuote(goTestee)},
		{Name: "browser", Page: static + "/static/clienttestee.html"},
	}
	nodeDir := filepath.Join(root, "conformance", "targets", "node")
	_, errNode := exec.LookPath("node")
	_, errPkg := os.Stat(filepath.Join(nodeDir, "node_modules", "socket.io-client"))
	if (errNode != nil || errPkg != nil) && os.Getenv("CI") != "true" {
		// As a missing Chromium leaves the browser client out; in CI the
		// client stays, and its failure to start is its FAIL.
		fmt.Fprintf(os.Stderr, "conformance: level client: the official client is left out: it needs node and `npm ci` in %s (%v, %v)\n", nodeDir, errNode, errPkg)
		return clients, nil
	}
	// Without npm ci the Node testee cannot start: say so in its output.
	official := fmt.Sprintf(`test -d %s || { echo "socket.io-client is not installed: run npm ci in %s" >&2; exit 3; }; exec node %s`,
		shellQuote(filepath.Join(nodeDir, "node_modules", "socket.io-client")), nodeDir, shellQuote(filepath.Join(nodeDir, "client-testee.mjs")))
	return append([]suite.ClientUnderTest{{Name: "official", Command: official}}, clients...), nil
}

// serveStatic serves the reference app's browser files (its client and
// the client testee page) on 127.0.0.1, for the run's lifetime. Not the
// app itself: the app's Content-Security-Policy (connect-src 'self')
// forbids its pages to reach another origin, and the scripted server and
// the report sink are others.
func serveStatic(dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, "clienttestee.html")); err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServer(http.Dir(dir))))
	srv := &http.Server{Handler: noCache(mux), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// clientCasesWanted reports whether any case of level "client" will run:
// its level on, selected by -cases, and by go test's -run. Building the
// Go testee costs seconds that a run of other levels should not pay.
func clientCasesWanted(cfg *suite.Config) bool {
	probe := *cfg
	probe.Clients = []suite.ClientUnderTest{{Name: "probe"}}
	for _, cs := range suite.All() {
		if cs.Level != suite.LevelClient {
			continue
		}
		if ok, _ := probe.Selected(cs); ok && runSelects("TestConformance/"+cs.ID) {
			return true
		}
	}
	return false
}

// runSelects applies go test's -run to a subtest name the way the testing
// package does: the pattern split at "/", each part an unanchored regexp
// for the name's part at the same depth. A pattern that does not compile
// selects everything (go test reports it anyway).
func runSelects(name string) bool {
	f := flag.Lookup("test.run")
	if f == nil || f.Value.String() == "" {
		return true
	}
	parts := strings.Split(name, "/")
	for i, p := range strings.Split(f.Value.String(), "/") {
		if i >= len(parts) {
			break
		}
		re, err := regexp.Compile(p)
		if err != nil {
			return true
		}
		if !re.MatchString(parts[i]) {
			return false
		}
	}
	return true
}
