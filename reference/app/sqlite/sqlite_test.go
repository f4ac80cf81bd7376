package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"socketlab/reference/app"
	"socketlab/reference/app/sqlite"
)

// openDB opens a fresh database file in a folder that does not exist yet,
// closed when the test ends.
func openDB(t *testing.T) (*sqlite.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "app.db")
	db, err := sqlite.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db, path
}

// rawDB opens the file directly, bypassing the package, for checks and for
// writing what the package never would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpen_CreatesFileInWALMode(t *testing.T) {
	db, path := openDB(t)
	assert.Equal(t, path, db.Path())
	_, err := os.Stat(path)
	require.NoError(t, err)

	var mode string
	require.NoError(t, rawDB(t, path).QueryRow("PRAGMA journal_mode").Scan(&mode))
	assert.Equal(t, "wal", mode)
}

func TestOpen_RefusesNonFilePaths(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db", filepath.Join(t.TempDir(), "a?b.db")} {
		_, err := sqlite.Open(p)
		assert.Error(t, err, "%q", p)
	}
}

func TestOpen_MigrationsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "app.db")

	db, err := sqlite.Open(path)
	require.NoError(t, err)
	v := &app.Video{Title: "a.mp4", OrganizationID: "acme", UploadedBy: "u-alice"}
	require.NoError(t, sqlite.NewVideoService(db).CreateVideo(ctx, v))
	want, err := db.SchemaVersion(ctx)
	require.NoError(t, err)
	assert.Positive(t, want)
	require.NoError(t, db.Close())

	for range 3 {
		db, err := sqlite.Open(path)
		require.NoError(t, err)
		got, err := db.SchemaVersion(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, got)
		found, err := sqlite.NewVideoService(db).FindVideo(ctx, "acme", v.ID)
		require.NoError(t, err)
		assert.Equal(t, v, found)
		require.NoError(t, db.Close())
	}

	var rows int
	require.NoError(t, rawDB(t, path).QueryRow("SELECT count(*) FROM schema_version").Scan(&rows))
	assert.Equal(t, want, rows, "one schema_version row per migration, none repeated")
}

func TestOpen_ConcurrentFirstOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			db, err := sqlite.Open(path)
			if err == nil {
				err = db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
}

func TestOpen_RefusesNewerSchema(t *testing.T) {
	_, path := openDB(t)
	_, err := rawDB(t, path).Exec("INSERT INTO schema_version (version, applied_at) VALUES (9999, 'x')")
	require.NoError(t, err)
	_, err = sqlite.Open(path)
	assert.ErrorContains(t, err, "newer")
}

// The table itself refuses the states the contract forbids, whoever writes.
func TestSchema_RefusesHiddenStates(t *testing.T) {
	_, path := openDB(t)
	raw := rawDB(t, path)
	insert := `INSERT INTO videos (id, title, organization_id, uploaded_by, status, progress, stage,
		metadata, thumbnail, sensitivity, error, created_at)
		VALUES (?, 't', 'acme', 'u', ?, ?, ?, ?, ?, ?, ?, '2026-11-26T12:00:00.000Z')`
	meta, thumb, sens := `{"duration":2}`, "/api/videos/x/thumbnail", `{"status":"safe"}`
	type row struct {
		status                        string
		progress                      int
		stage, meta, thumb, sens, msg any
	}
	ok := []row{
		{"processing", 0, nil, nil, nil, nil, nil},
		{"processing", 40, "thumbnail", nil, nil, nil, nil},
		{"completed", 100, nil, meta, thumb, sens, nil},
		{"failed", 10, "metadata", nil, nil, nil, "boom"},
		{"failed", 0, nil, nil, nil, nil, "boom"},
	}
	bad := []row{
		{"done", 0, nil, nil, nil, nil, nil},                          // unknown status
		{"processing", 50, nil, nil, nil, nil, nil},                   // progress outside the table
		{"processing", 10, nil, nil, nil, nil, nil},                   // progress without its stage
		{"processing", 10, "thumbnail", nil, nil, nil, nil},           // wrong stage
		{"processing", 0, "metadata", nil, nil, nil, nil},             // stage before any progress
		{"processing", 70, "sensitivity", meta, nil, nil, nil},        // metadata before completion
		{"completed", 70, "sensitivity", meta, thumb, sens, nil},      // completed below 100
		{"completed", 100, nil, meta, nil, sens, nil},                 // completed without thumbnail
		{"completed", 100, nil, "[1]", thumb, sens, nil},              // metadata not an object
		{"completed", 100, nil, meta, thumb, sens, "boom"},            // error on a completed video
		{"failed", 10, "metadata", nil, nil, nil, nil},                // failed without error
		{"failed", 10, "metadata", nil, nil, nil, ""},                 // empty error
		{"processing", 100, nil, nil, nil, nil, nil},                  // 100 while processing
		{"failed", 70, "sensitivity", meta, thumb, sens, "half-done"}, // results on a failed video
	}
	for i, r := range ok {
		_, err := raw.Exec(insert, "ok"+string(rune('a'+i)), r.status, r.progress, r.stage, r.meta, r.thumb, r.sens, r.msg)
		assert.NoError(t, err, "%+v", r)
	}
	for i, r := range bad {
		_, err := raw.Exec(insert, "bad"+string(rune('a'+i)), r.status, r.progress, r.stage, r.meta, r.thumb, r.sens, r.msg)
		assert.Error(t, err, "%+v", r)
	}
}
