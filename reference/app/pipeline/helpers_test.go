package pipeline

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// fixtureDir holds the media fixtures made by make-fixtures.sh.
const fixtureDir = "../testdata"

func fixture(name string) string { return filepath.Join(fixtureDir, name) }

var (
	fixturesOnce sync.Once
	fixturesMap  map[string]json.RawMessage
	fixturesErr  error
)

// fixtureFacts returns the entry of testdata/fixtures.json for name: what
// ffprobe measured in the fixture when make-fixtures.sh made it.
func fixtureFacts(t testing.TB, name string) Metadata {
	t.Helper()
	fixturesOnce.Do(func() {
		data, err := os.ReadFile(fixture("fixtures.json"))
		if err != nil {
			fixturesErr = err
			return
		}
		fixturesErr = json.Unmarshal(data, &fixturesMap)
	})
	require.NoError(t, fixturesErr, "testdata/fixtures.json (made by make-fixtures.sh)")
	raw, ok := fixturesMap[name]
	require.True(t, ok, "fixtures.json has no %q", name)
	var md Metadata
	require.NoError(t, json.Unmarshal(raw, &md))
	return md
}

// progressLog records the calls of a progress function; it is safe for
// concurrent use, although Run calls it from one goroutine.
type progressLog struct {
	mu    sync.Mutex
	calls []progressCall
}

type progressCall struct {
	Stage   Stage
	Percent int
}

func (l *progressLog) record(s Stage, p int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, progressCall{s, p})
}

func (l *progressLog) get() []progressCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]progressCall(nil), l.calls...)
}

var allStages = []progressCall{{StageMetadata, 10}, {StageThumbnail, 40}, {StageSensitivity, 70}}
