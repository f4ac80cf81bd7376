//go:build unix

package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socketlab/reference/app/apptest"
)

// endlessFFmpeg writes a wrapper around the real ffmpeg that reads its
// input at its native rate, looped forever (-re -stream_loop -1): the
// sensitivity stage never ends unless the process is killed. Each
// process appends its PID to the returned file. (The tests using it are
// not parallel: writing an executable while other goroutines fork can make
// its exec fail with ETXTBSY.)
func endlessFFmpeg(t *testing.T, real string) (path, pids string) {
	t.Helper()
	dir := t.TempDir()
	path = filepath.Join(dir, "ffmpeg")
	pids = filepath.Join(dir, "pids")
	script := fmt.Sprintf("#!/bin/sh\necho $$ >>'%s'\nexec '%s' -re -stream_loop -1 \"$@\"\n", pids, real)
	require.NoError(t, os.WriteFile(path, []byte(script), 0o755))
	return path, pids
}

// requireAllDead checks that every process listed in the PID file is gone
// (Run has waited for them: not even a zombie is left).
func requireAllDead(t *testing.T, pids string) {
	t.Helper()
	data, err := os.ReadFile(pids)
	require.NoError(t, err)
	lines := strings.Fields(string(data))
	require.NotEmpty(t, lines)
	for _, l := range lines {
		pid, err := strconv.Atoi(l)
		require.NoError(t, err)
		assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "ffmpeg process %d is still there", pid)
	}
}

// runAsync runs p.Run in a goroutine and returns a channel for its error.
func runAsync(ctx context.Context, p *Processor, file, work string, progress func(Stage, int)) <-chan error {
	ch := make(chan error, 1)
	go func() {
		_, err := p.Run(ctx, file, work, progress)
		ch <- err
	}()
	return ch
}

// TestRunCancelKillsFFmpeg: cancelling the context during the analysis
// kills ffmpeg and Run returns at once.
func TestRunCancelKillsFFmpeg(t *testing.T) {
	real, _ := apptest.RequireFFmpeg(t)
	wrapper, pids := endlessFFmpeg(t, real)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	analysing := make(chan struct{})
	var log progressLog
	errc := runAsync(ctx, &Processor{FFmpeg: wrapper}, fixture("calm.mp4"), t.TempDir(), func(s Stage, p int) {
		log.record(s, p)
		if s == StageSensitivity {
			close(analysing)
		}
	})
	select {
	case <-analysing:
	case err := <-errc:
		t.Fatalf("Run ended before the sensitivity stage: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the sensitivity stage did not start")
	}
	time.Sleep(300 * time.Millisecond) // let ffmpeg get going
	cancel()
	cancelled := time.Now()
	var err error
	select {
	case err = <-errc:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	assert.Less(t, time.Since(cancelled), 1500*time.Millisecond, "Run returns promptly")
	var pe *ProcessingError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, StageSensitivity, pe.Stage)
	assert.Equal(t, "canceled", pe.Reason)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, allStages, log.get())
	requireAllDead(t, pids)
}

// TestRunTimeout: Processor.Timeout bounds the whole Run.
func TestRunTimeout(t *testing.T) {
	real, _ := apptest.RequireFFmpeg(t)
	wrapper, pids := endlessFFmpeg(t, real)
	const timeout = 2 * time.Second
	start := time.Now()
	var err error
	select {
	case err = <-runAsync(context.Background(), &Processor{FFmpeg: wrapper, Timeout: timeout}, fixture("calm.mp4"), t.TempDir(), nil):
	case <-time.After(timeout + 10*time.Second):
		t.Fatal("Run did not return after its timeout")
	}
	assert.Less(t, time.Since(start), timeout+1500*time.Millisecond)
	var pe *ProcessingError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "timed out after 2s", pe.Reason)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, errors.Is(err, context.Canceled))
	requireAllDead(t, pids)
}
