package conformance

import (
	"encoding/json"
	"fmt"
	"os"
)

// loadExpectations reads a known-failures file: {"CASE-ID": "why"}. A
// target's known failures are findings about it (the official server
// breaking a MUST of the spec, say): the report keeps their FAIL verdict,
// but they do not fail go test, so CI stays green until one changes — a
// listed case that starts to pass fails, so the list cannot go stale.
func loadExpectations(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("known failures: %w", err)
	}
	var known map[string]string
	if err := json.Unmarshal(b, &known); err != nil {
		return nil, fmt.Errorf("known failures %s: %w", path, err)
	}
	return known, nil
}
