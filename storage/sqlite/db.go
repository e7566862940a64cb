// Package sqlite is Portico's default store: one SQLite file in WAL mode,
// written by a single goroutine that group-commits many callers' writes in
// one transaction, fsynced by another that covers many transactions with
// one fsync (synchronous=FULL's durability: syncer.go), and read through a
// pool of query-only connections.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/internal/seal"
)

const (
	// busyTimeoutMS is how long a connection waits on another process's
	// lock before failing with SQLITE_BUSY.
	busyTimeoutMS = 5000
	// minReaders is the smallest read pool; it grows to the CPU count.
	minReaders = 4
)

var (
	_ bot.Store        = (*DB)(nil)
	_ bot.CodeStore    = (*DB)(nil)
	_ bot.AttemptStore = (*DB)(nil)
	_ bot.Outbox       = (*DB)(nil)
)

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("sqlite: database is closed")

// DB is an open Portico database.
type DB struct {
	path   string
	log    zerolog.Logger
	writer *sql.DB      // exactly one connection, used only by the writer goroutine
	reader *sql.DB      // query_only connections
	wstmts *stmtCache   // the writer's prepared statements (lazy: see stmtCache)
	rstmts *stmtCache   // the readers' prepared statements
	box    *seal.Sealer // seals the outbox's recipients and texts

	requests chan *writeRequest // unbuffered: a blocked sender is a queued write
	quit     chan struct{}      // closed by Close
	done     chan struct{}      // closed when the writer goroutine exits
	stats    writeCounters

	// The syncer goroutine's (syncer.go).
	wal      *os.File        // the WAL, for fsync; only the syncer uses it once running
	syncWake chan struct{}   // buffered(1): something was committed
	syncIdle chan struct{}   // buffered(1): an fsync ended (the writer commits what it held)
	syncing  atomic.Bool     // an fsync is in flight
	syncStop chan struct{}   // closed by the writer goroutine as it exits
	syncDone chan struct{}   // closed when the syncer exits
	smu      sync.Mutex      // guards waiting, spare, unsynced
	waiting  []*writeRequest // durable writes committed, waiting for the next fsync
	spare    []*writeRequest // the other buffer for waiting
	unsynced bool            // something was committed since the last fsync

	// The checkpointer goroutine's (checkpoint.go).
	ckpt     *sql.DB           // one connection, for PASSIVE checkpoints
	ckptWake chan struct{}     // buffered(1): the syncer made commits durable
	ckptStop chan struct{}     // closed by the syncer as it exits
	ckptDone chan struct{}     // closed when the checkpointer exits
	restart  chan chan<- error // the checkpointer asks the writer to checkpoint

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating) the database file at path, applies the embedded
// migrations and starts the writer goroutine. Close releases it all.
//
// A new database file is created with mode 0600 (SQLite gives its -wal and
// -shm files the same mode). The outbox key is read from KeyPath(path), or
// created there, mode 0600, if the file is missing; a key file of the wrong
// size, or one that cannot be read, fails Open.
func Open(ctx context.Context, path string, log zerolog.Logger) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	db := &DB{
		path:     abs,
		log:      log.With().Str("component", "storage").Logger(),
		requests: make(chan *writeRequest),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
		syncWake: make(chan struct{}, 1),
		syncIdle: make(chan struct{}, 1),
		syncStop: make(chan struct{}),
		syncDone: make(chan struct{}),
		ckptWake: make(chan struct{}, 1),
		ckptStop: make(chan struct{}),
		ckptDone: make(chan struct{}),
		restart:  make(chan chan<- error),
	}
	if err := createPrivate(abs); err != nil {
		return nil, fmt.Errorf("open database %q: %w", abs, err)
	}
	warnIfShared(db.log, "database file", abs)
	keyCreated, err := db.loadOutboxKey()
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", abs, err)
	}

	db.writer, err = sql.Open("sqlite", writerDSN(abs))
	if err != nil {
		return nil, fmt.Errorf("open database writer: %w", err)
	}
	// One connection forever: SQLite allows one writer, and holding the same
	// connection keeps the WAL and its shared memory open for the readers.
	db.writer.SetMaxOpenConns(1)
	db.writer.SetMaxIdleConns(1)
	db.writer.SetConnMaxLifetime(0)
	db.writer.SetConnMaxIdleTime(0)
	if err := connect(ctx, db.writer); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("open database %q: %w", abs, err)
	}
	if err := db.migrate(ctx, keyCreated); err != nil {
		db.writer.Close()
		return nil, err
	}

	// Readers are opened after the writer has put the file in WAL mode and
	// created the schema, so a read-only connection never has to.
	db.reader, err = sql.Open("sqlite", readerDSN(abs))
	if err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("open database readers: %w", err)
	}
	n := max(minReaders, runtime.NumCPU())
	db.reader.SetMaxOpenConns(n)
	db.reader.SetMaxIdleConns(n)
	if err := connect(ctx, db.reader); err != nil {
		db.reader.Close()
		db.writer.Close()
		return nil, fmt.Errorf("open database readers: %w", err)
	}

	db.ckpt, err = sql.Open("sqlite", checkpointDSN(abs))
	if err != nil {
		db.reader.Close()
		db.writer.Close()
		return nil, fmt.Errorf("open database checkpointer: %w", err)
	}
	db.ckpt.SetMaxOpenConns(1)
	db.ckpt.SetMaxIdleConns(1)
	db.ckpt.SetConnMaxLifetime(0)
	db.ckpt.SetConnMaxIdleTime(0)

	// The migrations' commits, durable before anything else runs.
	if err := db.syncWAL(); err != nil {
		db.ckpt.Close()
		db.reader.Close()
		db.writer.Close()
		return nil, fmt.Errorf("open database %q: %w", abs, err)
	}
	db.wstmts = newStmtCache(db.writer, true)
	db.rstmts = newStmtCache(db.reader, false)
	go db.checkpointer()
	go db.syncer()
	go db.run()
	return db, nil
}

// migrate applies the migrations and prepares the outbox. Pages they free
// are zeroed (secure_delete), so that clear text an older version kept in
// the outbox does not linger in the file once sealed.
func (db *DB) migrate(ctx context.Context, keyCreated bool) error {
	if _, err := db.writer.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := migrate(ctx, db.writer, db.log); err != nil {
		return err
	}
	if err := db.prepareOutbox(ctx, keyCreated); err != nil {
		return err
	}
	if _, err := db.writer.ExecContext(ctx, `PRAGMA secure_delete = OFF`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// loadOutboxKey reads the outbox key file, or creates it, and reports
// whether it was created.
func (db *DB) loadOutboxKey() (created bool, err error) {
	path := KeyPath(db.path)
	key, created, err := seal.LoadOrCreateKey(path)
	if err != nil {
		return false, err
	}
	if db.box, err = seal.New(key); err != nil {
		return false, err
	}
	if created {
		db.log.Info().Str("path", path).Msg("created outbox key file; back it up separately from the database")
	} else {
		warnIfShared(db.log, "outbox key file", path)
	}
	return created, nil
}

// createPrivate creates an empty file at path with mode 0600, before SQLite
// would create it with the process's umask. An existing file is left as
// it is.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, privateMode)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// connect opens a first connection. Switching a new file to WAL needs an
// exclusive lock, and SQLite reports SQLITE_BUSY at once, without waiting
// out busy_timeout, when another process is doing the same: so retry busy
// connects for up to busy_timeout.
func connect(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeoutMS * time.Millisecond)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		err := db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// writerDSN is the read-write connection. The driver runs busy_timeout
// before every other _pragma (and the rest in lexical order), so the
// journal_mode change can wait out another process's lock; _txlock makes
// every transaction BEGIN IMMEDIATE, taking the write lock up front instead
// of failing on upgrade. synchronous=NORMAL because the syncer goroutine
// fsyncs the WAL after the commits, before any durable write is answered
// (syncer.go): together, FULL's durability without holding the writer.
// wal_autocheckpoint=0 because the checkpointer goroutine checkpoints
// (checkpoint.go). temp_store=MEMORY keeps the statement journals of a
// group commit's savepoints in memory: in a file, each savepoint's first
// change to a page was a write system call, and a spill opened and closed
// a temporary file. cache_size: the pages a turn touches (the
// conversations' and messages' index pages, spread over the file as it
// grows) stay in memory instead of being read again from the file.
func writerDSN(path string) string {
	q := url.Values{}
	q.Set("_txlock", "immediate")
	q["_pragma"] = []string{
		fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS),
		"journal_mode(WAL)",
		"synchronous(NORMAL)",
		"foreign_keys(ON)",
		"temp_store(MEMORY)",
		"wal_autocheckpoint(0)",
		fmt.Sprintf("cache_size(-%d)", writerCacheKiB),
	}
	return fileURI(path, q)
}

// writerCacheKiB is the writer connection's page cache: 64 MiB, against
// SQLite's default of 2 MiB.
const writerCacheKiB = 64 << 10

// checkpointDSN is the checkpointer's connection (checkpoint.go): it writes
// only what the WAL already holds into the database file.
func checkpointDSN(path string) string {
	q := url.Values{}
	q["_pragma"] = []string{
		fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS),
		"synchronous(NORMAL)",
		"wal_autocheckpoint(0)",
	}
	return fileURI(path, q)
}

// readerDSN is a read-only connection: mode=ro makes SQLite refuse writes at
// open, and query_only refuses them per statement as a second guard.
func readerDSN(path string) string {
	q := url.Values{}
	q.Set("mode", "ro")
	q["_pragma"] = []string{
		fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS),
		"synchronous(FULL)",
		"foreign_keys(ON)",
		"query_only(1)",
	}
	return fileURI(path, q)
}

func fileURI(path string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// Path is the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Reader is the read pool. Its connections are query-only.
func (db *DB) Reader() *sql.DB { return db.reader }

// Close flushes the writes already queued, stops the writer goroutine and
// closes every connection. Writes after Close fail with ErrClosed.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.quit)
		<-db.done
		db.wstmts.close()
		db.rstmts.close()
		// Readers first, so that the writer's close is the last one and
		// SQLite checkpoints the WAL into the main file.
		cerr := db.ckpt.Close()
		rerr := db.reader.Close()
		werr := db.writer.Close()
		if db.wal != nil {
			db.wal.Close()
		}
		db.closeErr = errors.Join(cerr, rerr, werr)
		if db.closeErr != nil {
			db.closeErr = fmt.Errorf("close database: %w", db.closeErr)
		}
	})
	return db.closeErr
}
