//go:build !unix

package interop

import "time"

// lockFile is a no-op where flock(2) does not exist: concurrent test
// processes may then both run `npm ci`.
func lockFile(path string, wait time.Duration) (unlock func(), err error) {
	return func() {}, nil
}
