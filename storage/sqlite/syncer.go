package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// lazySyncDelay bounds how long a commit no durable caller waits for (a
// turn's reservation whose turn then failed, say) stays without an fsync.
const lazySyncDelay = 20 * time.Millisecond

// Group commit in two stages. The writer connection runs with
// synchronous=NORMAL: COMMIT appends the transaction's frames to the WAL
// and makes them visible, without an fsync, so the writer goroutine goes
// straight on to the next batch. The syncer goroutine then fsyncs the WAL
// once for every commit made meanwhile, and only then answers the durable
// writes of those commits. SQLite writes the WAL in order, so an fsync
// covers every frame written before it; a commit is durable once one fsync
// that started after it has returned. That is synchronous=FULL's guarantee
// (FULL fsyncs inside COMMIT, holding the writer for it), with one fsync
// for many batches instead of one per batch. NORMAL still fsyncs the WAL
// before a checkpoint copies it into the database, the database after, and
// the WAL header when the WAL restarts, so checkpoints need nothing more.
//
// A commit is visible to readers before its fsync. Everything the engine
// tells a patient comes after its turn's Commit returned, so it is durable
// when told; a console reading a transcript may see a turn up to one fsync
// early.

// committed answers the requests of a committed batch: now, those that
// failed or need not wait for the fsync; after the next fsync, the rest.
func (db *DB) committed(batch []*writeRequest, results []error) {
	waiting := 0
	db.smu.Lock()
	for i, r := range batch {
		if results[i] != nil || !r.durable {
			continue
		}
		db.waiting = append(db.waiting, r)
		waiting++
	}
	db.unsynced = true
	db.smu.Unlock()
	for i, r := range batch {
		if results[i] != nil || !r.durable {
			r.reply <- results[i]
		}
	}
	select {
	case db.syncWake <- struct{}{}:
	default: // already woken
	}
}

// syncer is the goroutine that fsyncs the WAL. It stops after a last
// fsync once the writer goroutine has (syncStop).
func (db *DB) syncer() {
	defer close(db.syncDone)
	defer func() { close(db.ckptStop); <-db.ckptDone }()
	var lazy <-chan time.Time
	for {
		due := false
		select {
		case <-db.syncWake:
		case <-lazy:
			lazy, due = nil, true
		case <-db.syncStop:
			db.syncNow()
			return
		}
		db.smu.Lock()
		if len(db.waiting) > 0 || (due && db.unsynced) {
			db.smu.Unlock()
			db.syncNow()
			continue
		}
		if db.unsynced && lazy == nil {
			lazy = time.After(lazySyncDelay)
		}
		db.smu.Unlock()
	}
}

// syncNow fsyncs the WAL for every commit made so far and answers the
// writes waiting for it.
func (db *DB) syncNow() {
	db.smu.Lock()
	waiting, dirty := db.waiting, db.unsynced
	db.waiting, db.unsynced = db.spare[:0], false
	db.smu.Unlock()
	if !dirty && len(waiting) == 0 {
		return
	}
	start := time.Now()
	db.syncing.Store(true)
	err := db.syncWAL()
	db.syncing.Store(false)
	select {
	case db.syncIdle <- struct{}{}: // the writer commits what it held meanwhile
	default:
	}
	if err != nil {
		db.log.Error().Err(err).Int("writes", len(waiting)).Msg("fsync of the WAL failed")
		err = fmt.Errorf("commit write: %w", err)
	} else {
		db.stats.syncs.Add(1)
		db.stats.durable.Add(int64(len(waiting)))
		db.stats.noteSync(time.Since(start))
		db.wakeCheckpointer()
	}
	db.log.Trace().Int("writes", len(waiting)).Dur("fsync", time.Since(start)).Msg("group sync")
	for i, r := range waiting {
		r.reply <- err
		waiting[i] = nil
	}
	db.smu.Lock()
	db.spare = waiting[:0] // reused, so that the slices do not grow garbage
	db.smu.Unlock()
}

// syncWAL fsyncs the WAL file. It is opened once (and its directory
// fsynced, as SQLite does for a new WAL); should the file have been
// removed meanwhile (the last connection to the database closed it, in
// another process), it is opened again.
func (db *DB) syncWAL() error {
	if db.wal != nil {
		open, err1 := db.wal.Stat()
		named, err2 := os.Stat(db.path + "-wal")
		if err1 != nil || err2 != nil || !os.SameFile(open, named) {
			db.wal.Close()
			db.wal = nil
		}
	}
	if db.wal == nil {
		f, err := os.Open(db.path + "-wal")
		if err != nil {
			return fmt.Errorf("open WAL: %w", err)
		}
		if dir, err := os.Open(filepath.Dir(db.path)); err == nil {
			_ = dir.Sync()
			dir.Close()
		}
		db.wal = f
	}
	if err := db.wal.Sync(); err != nil {
		return fmt.Errorf("fsync WAL: %w", err)
	}
	return nil
}
