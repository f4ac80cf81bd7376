package conformance

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNothingFromReference keeps the judge independent: no package
// of the harness, tests included, may import socketlab/reference/... (it
// may only run the reference binaries as black boxes).
func TestImportsNothingFromReference(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "socketlab/conformance/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "socketlab/reference") {
			t.Errorf("the harness depends on %s", pkg)
		}
	}
}
