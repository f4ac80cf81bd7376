package interop_test

import (
	"bufio"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"socketlab/interop"
)

// tolerant keeps the testee's pingInterval of 300 ms but gives pongs 2 s
// instead of 200 ms: on a loaded 2-core machine (go test ./... runs packages
// in parallel, with -race) a Node process can stall longer than 200 ms, and
// the conformance setting then fails with "ping timeout" now and then.
var tolerant = []string{"--ping-interval", "300", "--ping-timeout", "2000"}

// TestOfficialServer proves the client scenarios against the OFFICIAL
// socket.io server: every scenario, with every transport setting, must pass.
// If one fails here, the scenario (or the fixture) is wrong, not a server.
func TestOfficialServer(t *testing.T) {
	url := interop.StartTestee(t, tolerant...)
	for _, tr := range interop.Transports {
		t.Run(tr, func(t *testing.T) {
			results := interop.RunClientScenarios(t, url, tr)
			interop.AssertScenarios(t, results, interop.AllScenarios)
		})
	}
}

// TestOfficialServerAuthToken runs the scenarios against the official server
// with a namespace middleware that wants handshake.auth.token === "secret":
// connect_error sees the rejection (message and data), and the other
// scenarios pass through the middleware with the right token.
func TestOfficialServerAuthToken(t *testing.T) {
	url := interop.StartTestee(t, append([]string{"--auth-token", "secret"}, tolerant...)...)
	want := []string{"connect_error", "auth", "events", "namespace"}
	for _, tr := range interop.Transports {
		t.Run(tr, func(t *testing.T) {
			results := interop.RunClientScenarios(t, url, tr,
				"--expect-token", "secret", "--scenario", strings.Join(want, ","))
			interop.AssertScenarios(t, results, want)
		})
	}
}

// TestTesteeFlags checks that the testee's flags reach the server: the
// handshake advertises the given ping settings, and --recovery turns on
// connection state recovery (the "recovery" scenario, with every transport).
func TestTesteeFlags(t *testing.T) {
	url := interop.StartTestee(t, "--recovery", "--ping-interval", "250", "--ping-timeout", "2500")
	t.Run("ping-settings", func(t *testing.T) {
		results := interop.RunClientScenarios(t, url, "websocket", "--scenario", "heartbeat")
		interop.AssertScenarios(t, results, []string{"heartbeat"})
		hs, _ := results[0].Details["handshake"].(map[string]any)
		if hs["pingInterval"] != 250.0 || hs["pingTimeout"] != 2500.0 {
			t.Errorf("handshake ping settings = %v, want pingInterval 250, pingTimeout 2500", hs)
		}
	})
	// Not "events" nor "acks": with recovery on, the server appends an offset
	// argument to every event it emits (message-back, server-ack-result...),
	// so they are not plain echoes any more.
	want := []string{"handshake", "recovery"}
	for _, tr := range interop.Transports {
		t.Run(tr, func(t *testing.T) {
			results := interop.RunClientScenarios(t, url, tr, "--scenario", strings.Join(want, ","))
			interop.AssertScenarios(t, results, want)
		})
	}
}

// TestEngineIOEcho talks raw Engine.IO v4 long-polling to the testee's
// plain Engine.IO echo server at /engine.io/: open, send a message, get it
// back. (This is the whole polling protocol in miniature.)
func TestEngineIOEcho(t *testing.T) {
	base := interop.StartTestee(t, tolerant...) + "/engine.io/?EIO=4&transport=polling"
	client := &http.Client{Timeout: 5 * time.Second}
	get := func(url string) string {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s %s", url, resp.Status, b)
		}
		return string(b)
	}

	// handshake: "0" + JSON {sid, upgrades, pingInterval, pingTimeout, maxPayload}
	open := get(base)
	if !strings.HasPrefix(open, `0{"sid":"`) || !strings.Contains(open, `"pingInterval":300,"pingTimeout":2000`) ||
		!strings.Contains(open, `"maxPayload":1000000`) {
		t.Fatalf("open packet = %q", open)
	}
	sid, _, _ := strings.Cut(strings.TrimPrefix(open, `0{"sid":"`), `"`)
	url := base + "&sid=" + sid

	// two message packets in one payload, separated by the record separator
	resp, err := client.Post(url, "text/plain;charset=UTF-8", strings.NewReader("4hello\x1e4wörld"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Fatalf("POST: %s %q", resp.Status, body)
	}

	// poll until both echoes came back (pings "2" may come in between)
	var got []string
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < 2 && time.Now().Before(deadline) {
		for _, p := range strings.Split(get(url), "\x1e") {
			switch {
			case strings.HasPrefix(p, "4"):
				got = append(got, p)
			case p == "2": // ping: answer pong, or the server closes us
				r, err := client.Post(url, "text/plain;charset=UTF-8", strings.NewReader("3"))
				if err != nil {
					t.Fatal(err)
				}
				r.Body.Close()
			}
		}
	}
	if !slices.Equal(got, []string{"4hello", "4wörld"}) {
		t.Fatalf("echoed packets = %q", got)
	}
}

// TestTesteeDefaults checks the testee's default Engine.IO settings (those
// of the conformance suites) on both endpoints, from the raw open packet.
func TestTesteeDefaults(t *testing.T) {
	url := interop.StartTestee(t)
	client := &http.Client{Timeout: 5 * time.Second}
	for _, path := range []string{"/socket.io/", "/engine.io/"} {
		resp, err := client.Get(url + path + "?EIO=4&transport=polling")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := `,"upgrades":["websocket"],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}`
		if resp.StatusCode != 200 || !strings.HasPrefix(string(body), `0{"sid":"`) || !strings.HasSuffix(string(body), want) {
			t.Errorf("GET %s: %s %q, want 0{\"sid\":...%s", path, resp.Status, body, want)
		}
	}
}

// TestScenarioList keeps interop.AllScenarios in step with the script.
func TestScenarioList(t *testing.T) {
	interop.Require(t)
	cmd := exec.Command("node", "client-scenarios.mjs", "--list")
	cmd.Dir = interop.NodeDir()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("--list: %v", err)
	}
	var names []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		names = append(names, sc.Text())
	}
	withoutToken := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == "connect_error" || n == "recovery" })
	if !slices.Equal(withoutToken, interop.AllScenarios) {
		t.Errorf("script scenarios (without connect_error, recovery) = %v, interop.AllScenarios = %v", withoutToken, interop.AllScenarios)
	}
	if want := append(slices.Clone(interop.TokenScenarios), "recovery"); !slices.Equal(names, want) {
		t.Errorf("script scenarios = %v, want interop.TokenScenarios + recovery = %v", names, want)
	}
}
