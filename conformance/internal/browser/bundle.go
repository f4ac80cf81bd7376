package browser

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"socketlab/conformance/internal/target"
)

// ClientVersion is the socket.io-client release the page loads, pinned
// exactly in conformance/fixtures/browser/package.json.
const ClientVersion = "4.8.4"

// FixtureDir is the npm fixture folder holding the official client,
// relative to the module root.
const FixtureDir = "conformance/fixtures/browser"

// Bundle is the official client's browser build on disk.
type Bundle struct {
	Path    string // dist/socket.io.min.js
	Version string
}

// MissingBundleError says the fixture folder was not installed.
type MissingBundleError struct {
	Dir string
	Err error
}

func (e *MissingBundleError) Error() string {
	return fmt.Sprintf("the official socket.io-client bundle is not installed (run: cd %s && npm ci): %v", e.Dir, e.Err)
}

func (e *MissingBundleError) Unwrap() error { return e.Err }

// FindBundle locates dist/socket.io.min.js of the installed fixture and
// checks that it is the pinned release.
func FindBundle() (Bundle, error) {
	root, err := target.ModuleRoot()
	if err != nil {
		return Bundle{}, err
	}
	dir := filepath.Join(root, FixtureDir)
	pkgDir := filepath.Join(dir, "node_modules", "socket.io-client")
	raw, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err != nil {
		return Bundle{}, &MissingBundleError{Dir: dir, Err: err}
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return Bundle{}, fmt.Errorf("%s/package.json: %w", pkgDir, err)
	}
	if pkg.Version != ClientVersion {
		return Bundle{}, fmt.Errorf("%s holds socket.io-client %s, the harness pins %s (run npm ci there)", pkgDir, pkg.Version, ClientVersion)
	}
	b := Bundle{Path: filepath.Join(pkgDir, "dist", "socket.io.min.js"), Version: pkg.Version}
	if _, err := os.Stat(b.Path); err != nil {
		return Bundle{}, &MissingBundleError{Dir: dir, Err: err}
	}
	return b, nil
}
