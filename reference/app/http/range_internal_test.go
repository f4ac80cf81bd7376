package apphttp

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// "bytes=-0" asks for no byte: 416 with "bytes */size", where
// http.ServeContent alone would answer an invalid 206 (STREAM-9).
func TestZeroSuffixRangeIsUnsatisfiable(t *testing.T) {
	for h, want := range map[string]bool{"bytes=-0": true, "bytes=-000, -0": true, "bytes=-1": false, "bytes=0-": false, "bytes=-0,0-1": false, "items=-0": false, "": false} {
		assert.Equal(t, want, zeroSuffixRange(h), h)
	}
}
