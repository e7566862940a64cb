package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Checkpoints run beside the writer, not in it. SQLite's automatic
// checkpoint runs inside the COMMIT that crosses wal_autocheckpoint pages:
// it copies the WAL into the database and fsyncs the database file while
// the writer goroutine, and every write queued behind it, waits. Under load
// that was a dozen stalls a second, each an fsync of the main file.
//
// So the writer connection has wal_autocheckpoint=0, and the checkpointer
// goroutine runs PASSIVE checkpoints on a connection of its own, at most
// every checkpointInterval while something is committed. A PASSIVE
// checkpoint neither waits for nor blocks the writer or the readers.
//
// One thing it cannot do is restart the WAL: SQLite rewinds the log only
// when a write transaction begins on a fully copied WAL, and under steady
// writes new frames always land while the checkpoint runs. When the WAL
// holds restartFrames or more, the checkpointer asks the writer goroutine
// to checkpoint between two batches (restart): by then only the frames
// since the background pass are left to copy, and the next write rewinds
// the log. That keeps the WAL's size bounded at one short pause per
// restartFrames pages (about 32 MiB) instead of one per 1,000 pages. The
// interval lets a page that many turns change (an index's last leaf, the
// audit chain's) be copied once per pass rather than once per 1,000 pages.
var (
	checkpointInterval = 250 * time.Millisecond
	restartFrames      = 8192
)

// checkpointer is the goroutine that checkpoints the WAL; it stops with
// the syncer (ckptStop) after a last pass.
func (db *DB) checkpointer() {
	defer close(db.ckptDone)
	var last time.Time
	for {
		select {
		case <-db.ckptWake:
		case <-db.ckptStop:
			return
		}
		if wait := checkpointInterval - time.Since(last); wait > 0 {
			select {
			case <-time.After(wait):
			case <-db.ckptStop:
				return
			}
		}
		last = time.Now()
		frames, copied, err := checkpoint(db.ckpt)
		if err != nil {
			db.log.Warn().Err(err).Msg("checkpoint")
			continue
		}
		db.stats.checkpoints.Add(1)
		if frames >= restartFrames {
			// Once more in the background first: what came in during the
			// pass above is all the writer will have to copy.
			if _, _, err := checkpoint(db.ckpt); err == nil {
				db.askRestart()
			}
		} else if copied < frames {
			db.wakeCheckpointer() // frames came in meanwhile: the next pass takes them
		}
	}
}

// askRestart has the writer goroutine checkpoint between batches and waits
// for it (so that the two checkpoints never race for SQLite's lock).
func (db *DB) askRestart() {
	done := make(chan error, 1)
	select {
	case db.restart <- done:
	case <-db.ckptStop:
		return
	}
	if err := <-done; err != nil {
		db.log.Warn().Err(err).Msg("checkpoint to restart the WAL")
		return
	}
	db.stats.restarts.Add(1)
}

// restartWAL is the writer goroutine's side of askRestart: with no
// transaction open, the checkpoint copies what the background pass left,
// and the next write transaction rewinds the log.
func (db *DB) restartWAL() error {
	_, _, err := checkpoint(db.writer)
	return err
}

// wakeCheckpointer tells the checkpointer that something was committed.
func (db *DB) wakeCheckpointer() {
	select {
	case db.ckptWake <- struct{}{}:
	default: // already woken
	}
}

// checkpoint runs a PASSIVE checkpoint and returns the WAL's frames and
// how many of them are now in the database.
func checkpoint(conn *sql.DB) (frames, copied int, err error) {
	var busy int
	row := conn.QueryRowContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
	if err := row.Scan(&busy, &frames, &copied); err != nil {
		return 0, 0, fmt.Errorf("wal_checkpoint: %w", err)
	}
	return frames, copied, nil
}
