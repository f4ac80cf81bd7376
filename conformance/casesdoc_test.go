package conformance

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"socketlab/conformance/internal/casesdoc"
	"socketlab/conformance/internal/suite"
)

// TestCasesDoc keeps docs/cases.md equal to the case registry. It needs no
// target: it reads only what the cases packages registered (imported by
// imports_test.go), so it runs even when the conformance run cannot start.
func TestCasesDoc(t *testing.T) {
	path := filepath.Join("..", "docs", "cases.md")
	want := casesdoc.Markdown(suite.All())
	if update, _ := strconv.ParseBool(os.Getenv("SOCKETLAB_UPDATE_DOCS")); update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d cases)", path, len(suite.All()))
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("docs/cases.md: %v\nGenerate it with:\n\t%s", err, casesdoc.UpdateCommand)
	}
	if !bytes.Equal(got, want) {
		line, have, should := firstDiff(got, want)
		t.Fatalf("docs/cases.md is stale: it differs from the registered cases at line %d:\n\thave: %q\n\twant: %q\nRegenerate it with:\n\t%s",
			line, have, should, casesdoc.UpdateCommand)
	}
}

// firstDiff returns the first line (1-based) where a and b differ, and
// that line of each.
func firstDiff(a, b []byte) (int, string, string) {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < max(len(la), len(lb)); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y || i >= len(la) || i >= len(lb) {
			return i + 1, x, y
		}
	}
	return 0, "", ""
}
