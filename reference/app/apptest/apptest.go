// Package apptest holds test helpers shared by the reference video app's
// packages and reference/cmd/server. Only tests import it.
package apptest

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

// RequireFFmpeg returns the paths of ffmpeg and ffprobe. Without them it
// skips the test, or fails it when CI=true: CI must run these tests.
func RequireFFmpeg(t testing.TB) (ffmpeg, ffprobe string) {
	t.Helper()
	ffmpeg, err1 := exec.LookPath("ffmpeg")
	ffprobe, err2 := exec.LookPath("ffprobe")
	if err1 == nil && err2 == nil {
		return ffmpeg, ffprobe
	}
	if ci, err := strconv.ParseBool(os.Getenv("CI")); err == nil && ci {
		t.Fatalf("ffmpeg and ffprobe are not in PATH and CI=true: CI must install ffmpeg (Debian: apt-get install -y ffmpeg)")
	}
	t.Skipf("ffmpeg and ffprobe are not in PATH: skipping; to run this test, apt-get install ffmpeg (with CI=true this is a failure)")
	return "", ""
}
