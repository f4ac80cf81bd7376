package client

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/target"
)

// TestCasesCatchBrokenClients proves the level can fail: the official
// client, given wrong settings behind the harness's back (the shell
// overrides the contract's variables), must get FAIL from the case about
// that setting — and PASS with the right ones, so that the FAIL is the
// setting's doing. The wrong settings are far off (ten or a hundred
// times), so that a loaded machine cannot make them look right.
func TestCasesCatchBrokenClients(t *testing.T) {
	root, err := target.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "conformance", "targets", "node")
	_, errNode := exec.LookPath("node")
	_, errPkg := os.Stat(filepath.Join(dir, "node_modules", "socket.io-client"))
	if errNode != nil || errPkg != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: node and conformance/targets/node/node_modules are required (%v, %v)", errNode, errPkg)
		}
		t.Skipf("needs node and npm ci in %s (%v, %v)", dir, errNode, errPkg)
	}
	testee := "node " + filepath.Join(dir, "client-testee.mjs")
	for _, tc := range []struct {
		name, caseID, command string
		want                  suite.Verdict
	}{
		{"the right settings", "CLIENT-AUTH-1", testee, suite.Pass},
		{"another token", "CLIENT-AUTH-1", "SOCKETLAB_TOKEN=other " + testee, suite.Fail},
		{"a client that dies at once", "CLIENT-AUTH-1", "exit 3", suite.Fail},
		{"the right backoff", "CLIENT-BACKOFF-1", testee, suite.Pass},
		{"a backoff ten times longer", "CLIENT-BACKOFF-1", "SOCKETLAB_RECONNECTION_DELAY=1000 " + testee, suite.Fail},
		{"a backoff a hundred times shorter", "CLIENT-BACKOFF-1", "SOCKETLAB_RECONNECTION_DELAY=1 SOCKETLAB_RECONNECTION_DELAY_MAX=8 " + testee, suite.Fail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := byID(t, tc.caseID)
			cfg := &suite.Config{Clients: []suite.ClientUnderTest{{Name: "official", Command: tc.command}}}
			began := time.Now()
			res := suite.Run(cfg, cs)
			// The right settings may be met late on a loaded machine
			// (NON-STRICT): what matters is that they do not fail.
			if tc.want == suite.Pass && !suite.Failing(res.Verdict, false) {
				res.Verdict = suite.Pass
			}
			if res.Verdict != tc.want {
				t.Fatalf("%s: %s (%s), want %s", tc.caseID, res.Verdict, res.Reason, tc.want)
			}
			t.Logf("%s %s in %v: %s", tc.caseID, res.Verdict, time.Since(began).Round(time.Millisecond), res.Actual)
		})
	}
}

func byID(t *testing.T, id string) suite.Case {
	for _, cs := range suite.All() {
		if cs.ID == id {
			return cs
		}
	}
	t.Fatalf("no case %s", id)
	return suite.Case{}
}
