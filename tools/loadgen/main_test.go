package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"socketlab/reference/testee"
)

// serve starts our testee in-process (with a pingTimeout long enough for a
// busy -race run) and returns its http:// URL.
func serve(t *testing.T) string {
	t.Helper()
	opts := testee.DefaultOptions
	opts.PingTimeout = 2 * time.Second
	srv := testee.New(opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	return ts.URL
}

// loadgen runs run() and decodes its JSON line.
func loadgen(t *testing.T, args ...string) (map[string]any, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	t.Logf("stderr: %s", stderr.String())
	if stdout.Len() == 0 {
		return nil, err
	}
	require.Equal(t, 1, strings.Count(stdout.String(), "\n"), "one JSON line: %q", stdout.String())
	var out map[string]any
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out))
	return out, err
}

func results(t *testing.T, out map[string]any, mode string, clients int) map[string]any {
	t.Helper()
	require.Equal(t, mode, out["mode"])
	require.EqualValues(t, clients, out["clients"])
	res, ok := out["results"].(map[string]any)
	require.True(t, ok, "results: %v", out)
	return res
}

func TestEcho(t *testing.T) {
	url := serve(t)
	out, err := loadgen(t, "-url", url, "-mode", "echo", "-clients", "2", "-duration", "300ms", "-timeout", "10s")
	require.NoError(t, err)
	res := results(t, out, "echo", 2)
	require.Greater(t, res["round_trips"], 0.0)
	require.Greater(t, res["round_trips_per_s"], 0.0)
	require.Greater(t, res["p50_ms"], 0.0)
	require.GreaterOrEqual(t, res["p99_ms"], res["p50_ms"])
}

func TestFanout(t *testing.T) {
	url := serve(t)
	out, err := loadgen(t, "-url", url, "-mode", "fanout", "-clients", "20", "-events", "20", "-window", "4", "-timeout", "10s")
	require.NoError(t, err)
	res := results(t, out, "fanout", 20)
	require.EqualValues(t, 400, res["deliveries"])
	require.Greater(t, res["deliveries_per_s"], 0.0)
	require.EqualValues(t, 0, res["lost"])
	require.EqualValues(t, 0, res["duplicated"])
	require.EqualValues(t, 0, res["unexpected"])
}

func TestIdle(t *testing.T) {
	old := idleSettle
	idleSettle = 200 * time.Millisecond
	t.Cleanup(func() { idleSettle = old })
	url := serve(t)

	out, err := loadgen(t, "-url", url, "-mode", "idle", "-clients", "10", "-timeout", "10s")
	require.NoError(t, err)
	res := results(t, out, "idle", 10)
	require.EqualValues(t, 10, res["up"])
	require.NotContains(t, res, "kb_per_conn")

	// The testee runs in this process, so -pid can be ours.
	out, err = loadgen(t, "-url", url, "-mode", "idle", "-clients", "10", "-timeout", "10s",
		"-pid", strconv.Itoa(os.Getpid()))
	require.NoError(t, err)
	res = results(t, out, "idle", 10)
	require.EqualValues(t, 10, res["up"])
	require.Contains(t, res, "kb_per_conn")
	require.Greater(t, res["rss_after_kb"], 0.0)
}

func TestParseFanout(t *testing.T) {
	n, ok := parseFanout([]byte(`42["emit-to-room",{"i":17}]`))
	require.True(t, ok)
	require.Equal(t, 17, n)
	for _, bad := range []string{`42["emit-to-room",{"i":x}]`, `42["message-back","a"]`, `42["emit-to-room",{"i":1}`} {
		_, ok := parseFanout([]byte(bad))
		require.False(t, ok, bad)
	}
}

func TestBadArguments(t *testing.T) {
	var stdout, stderr bytes.Buffer
	for _, args := range [][]string{
		{},
		{"-url", "http://127.0.0.1:1", "-mode", "nope"},
		{"-url", "ftp://x", "-mode", "echo"},
		{"-url", "http://127.0.0.1:1", "-clients", "0"},
	} {
		require.Error(t, run(context.Background(), args, &stdout, &stderr), "%v", args)
	}
	require.Zero(t, stdout.Len())
}

// TestUnreachable: a server that is not there fails fast, with no output.
func TestUnreachable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"-url", "http://127.0.0.1:1", "-mode", "echo", "-clients", "2", "-timeout", "2s"}, &stdout, &stderr)
	require.Error(t, err)
	require.Zero(t, stdout.Len())
}
