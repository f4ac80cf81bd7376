// Package sqlite implements the storage services of package app on SQLite,
// through database/sql and modernc.org/sqlite (pure Go, no cgo).
//
// One database file holds everything. It runs in WAL mode, so readers never wait
// for the writer; every state change is a single conditional UPDATE, so
// the state machine holds whatever the number of concurrent callers.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	msqlite "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// busyTimeout is how long a statement waits for the write lock before it
// gives up with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// DB is an open database file. It is safe for concurrent use.
type DB struct {
	db   *sql.DB
	path string

	// Now gives the creation time of videos created without one; tests
	// replace it. Set it before use, not concurrently with it.
	Now func() time.Time
}

// Open opens the database file at path, creating it (and its folder) when
// missing, and brings its schema up to date. Connections use WAL, a busy
// timeout and foreign keys; migrations run once, in order, each in its own
// transaction, recorded in the schema_version table.
func Open(path string) (*DB, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsRune(path, '?') {
		// A memory database would be a different one on each pooled
		// connection; '?' would be taken for the start of the DSN options.
		return nil, fmt.Errorf("sqlite: %q is not a plain file path", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// Per-connection settings. journal_mode is set once below: it is a
	// property of the file, and switching it needs an exclusive lock.
	dsn := path + "?_txlock=immediate" +
		"&_pragma=busy_timeout(" + strconv.FormatInt(busyTimeout.Milliseconds(), 10) + ")" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)"
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	sqldb.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	db := &DB{db: sqldb, path: path, Now: time.Now}

	ctx := context.Background()
	if err := setWAL(ctx, sqldb); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := db.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}
	return db, nil
}

// setWAL switches the file to WAL mode; it stays so. Turning a fresh file
// to WAL needs an exclusive lock, and SQLite reports SQLITE_BUSY at once,
// without its busy handler, while another process opens the same fresh
// file: retry for as long as a busy statement would wait.
func setWAL(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		var mode string
		err := db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil {
			if !strings.EqualFold(mode, "wal") {
				return fmt.Errorf("journal mode is %q, not wal", mode)
			}
			return nil
		}
		if !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// isBusy reports whether err is SQLITE_BUSY or one of its extended codes.
func isBusy(err error) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// Path returns the file path the database was opened with.
func (db *DB) Path() string { return db.path }

// Close closes the database. Calls in flight may fail.
func (db *DB) Close() error {
	// Best effort: lets SQLite refresh its query-planner statistics.
	_, _ = db.db.Exec("PRAGMA optimize")
	return db.db.Close()
}

// migration is one embedded file, migrations/NNNN_name.sql.
type migration struct {
	version int
	name    string
}

func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", base)
		}
		ms = append(ms, migration{version: v, name: name})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// migrate applies the migrations not yet recorded in schema_version. Each
// runs in a BEGIN IMMEDIATE transaction that first rereads the version, so
// two processes opening the same file at once apply each migration once.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT    NOT NULL
	) STRICT`); err != nil {
		return err
	}
	ms, err := migrations()
	if err != nil {
		return err
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}
	for _, m := range ms {
		if err := db.apply(ctx, m, latest); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) apply(ctx context.Context, m migration, latest int) error {
	tx, err := db.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var current int
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&current); err != nil {
		return err
	}
	if current > latest {
		return fmt.Errorf("schema version %d is newer than this program's %d", current, latest)
	}
	if m.version <= current {
		return nil
	}
	text, err := migrationFS.ReadFile(m.name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(text)); err != nil {
		return fmt.Errorf("%s: %w", path.Base(m.name), err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
		m.version, formatTime(db.Now())); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion returns the version of the last migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.db.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_version").Scan(&v)
	return v, err
}

// timeLayout is app.TimeLayout written in UTC: fixed width, so the text
// order of stored times is their time order.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: bad stored time %q: %w", s, err)
	}
	return t, nil
}

// errNoRows reports whether err is sql.ErrNoRows.
func errNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
