package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/portico-chat/portico/bot"
)

// maxBatch caps how many writes share one transaction, so one commit's
// latency stays bounded when the queue is long.
const maxBatch = 128

// writeRequest is one caller's Write waiting for the writer goroutine.
type writeRequest struct {
	ctx context.Context
	fn  func(tx *sql.Tx) error
	// durable: answered only once an fsync of the WAL covers the commit.
	// Otherwise answered as soon as the transaction has committed (visible
	// to every connection); a later durable commit's fsync covers it.
	durable bool
	reply   chan error // buffered(1): the writer never blocks on a caller
}

// WriteStats counts the writer's work: Writes/Commits is the average number
// of writes that shared one transaction, Writes/Syncs the average number
// that shared one fsync.
type WriteStats struct {
	Commits int64 // transactions committed
	Writes  int64 // fns that ran and were committed
	Syncs   int64 // fsyncs of the WAL (see syncer)
	// Durable counts the writes whose callers waited for an fsync; the
	// others (a turn's writes before its Commit) returned at their commit.
	Durable int64
	// Checkpoints counts the checkpointer's passes, Restarts the times it
	// had the writer checkpoint so that the WAL starts over (checkpoint.go).
	Checkpoints, Restarts int64
	// SyncTimes counts the WAL's fsyncs by how long they took, in the
	// buckets of SyncBucketsMs: what a durable turn waits for at least.
	SyncTimes []int64
}

type writeCounters struct {
	commits atomic.Int64
	writes  atomic.Int64
	syncs   atomic.Int64
	durable atomic.Int64

	checkpoints atomic.Int64
	restarts    atomic.Int64
	syncTimes   [len(SyncBucketsMs) + 1]atomic.Int64
}

// SyncBucketsMs are the upper bounds of WriteStats.SyncTimes' buckets, in
// milliseconds; the last bucket counts the fsyncs longer than the last
// bound.
var SyncBucketsMs = [...]float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}

func (c *writeCounters) syncTimesNow() []int64 {
	out := make([]int64, len(c.syncTimes))
	for i := range c.syncTimes {
		out[i] = c.syncTimes[i].Load()
	}
	return out
}

// noteSync counts an fsync that took d in its bucket.
func (c *writeCounters) noteSync(d time.Duration) {
	ms := float64(d) / float64(time.Millisecond)
	i := 0
	for i < len(SyncBucketsMs) && ms > SyncBucketsMs[i] {
		i++
	}
	c.syncTimes[i].Add(1)
}

// Stats returns the writer's counters since Open.
func (db *DB) Stats() WriteStats {
	return WriteStats{Commits: db.stats.commits.Load(), Writes: db.stats.writes.Load(), Syncs: db.stats.syncs.Load(),
		Durable: db.stats.durable.Load(), Checkpoints: db.stats.checkpoints.Load(), Restarts: db.stats.restarts.Load(),
		SyncTimes: db.stats.syncTimesNow()}
}

// Write runs fn inside the shared write transaction of the next group commit,
// inside its own SAVEPOINT so that a failing fn rolls back only itself, and
// returns once the batch is durably committed: fn's error, the commit's
// error, or nil. If ctx is done before the batch starts, Write returns
// ctx.Err() without running fn. fn must only touch tx, quickly, and must not
// call Write (it would wait for itself).
//
// When ctx is a turn's (bot.SyncsWithTurn), Write returns once the batch has
// committed, without waiting for the fsync: the turn's Commit, durable,
// makes it durable too (the WAL is written in order, and one fsync covers
// every frame before it). So a turn waits for one fsync however many
// writes it makes.
func (db *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.write(ctx, fn, !bot.SyncsWithTurn(ctx))
}

// writeDurable is Write that always waits for the fsync.
func (db *DB) writeDurable(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.write(ctx, fn, true)
}

func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error, durable bool) error {
	r := &writeRequest{ctx: ctx, fn: fn, durable: durable, reply: make(chan error, 1)}
	select {
	case db.requests <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-db.quit:
		return ErrClosed
	}
	// Once taken, the request is always answered, and promptly: a request
	// whose ctx ends before its batch starts is answered with ctx.Err().
	// Waiting here rather than on ctx means a caller never hears
	// "cancelled" about a write that was in fact committed.
	return <-r.reply
}

// run is the writer goroutine: it owns the writer connection until Close.
//
// While an fsync is in flight, writes that wait for one are held rather
// than committed at once: the next fsync cannot start before this one
// ends, so they are no later committed together when it does, and one
// transaction for them all writes each page they share (the conversations'
// table and index pages, the audit chain's) to the WAL once instead of
// once per batch. A batch with a write that does not wait for the fsync (a
// turn's reservation) is committed at once, with those held.
func (db *DB) run() {
	defer close(db.done)
	defer func() { close(db.syncStop); <-db.syncDone }() // the last commits' fsync
	batch := make([]*writeRequest, 0, maxBatch)
	for {
		select {
		case r := <-db.requests:
			batch = db.gather(append(batch, r))
			if len(batch) < maxBatch && db.syncing.Load() && allDurable(batch) {
				continue // held until the fsync ends (syncIdle)
			}
		case <-db.syncIdle:
			if len(batch) == 0 {
				continue
			}
		case done := <-db.restart:
			// Between batches; what is held waits for this one checkpoint.
			done <- db.restartWAL()
			if len(batch) == 0 {
				continue
			}
		case <-db.quit:
			// Flush the held writes and the callers already blocked on
			// the channel.
			for {
				batch = db.gather(batch)
				if len(batch) == 0 {
					return
				}
				db.commit(batch)
				batch = batch[:0]
			}
		}
		db.commit(batch)
		batch = batch[:0]
		if db.wstmts.pending() {
			db.wstmts.prepare(context.Background())
		}
	}
}

func allDurable(batch []*writeRequest) bool {
	for _, r := range batch {
		if !r.durable {
			return false
		}
	}
	return true
}

// gather adds whatever else is queued right now, up to maxBatch.
func (db *DB) gather(batch []*writeRequest) []*writeRequest {
	for len(batch) < maxBatch {
		select {
		case r := <-db.requests:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// commit runs one group commit and answers every request in it.
func (db *DB) commit(batch []*writeRequest) {
	results := make([]error, len(batch))
	live := 0 // requests whose ctx was still alive when the batch started
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		live++
	}
	if live == 0 {
		answer(batch, results)
		return
	}

	// The batch runs on a context of its own: one caller giving up must not
	// abort batch-mates' work half-way.
	ctx := context.Background()
	tx, err := db.writer.BeginTx(ctx, nil) // BEGIN IMMEDIATE (see writerDSN)
	if err != nil {
		db.fail(batch, results, fmt.Errorf("begin write: %w", err))
		return
	}
	if live == 1 {
		db.commitOne(ctx, tx, batch, results)
		return
	}
	ran := 0
	for i, r := range batch {
		if results[i] != nil {
			continue
		}
		if err := db.savepoint(tx, r.fn); err != nil {
			if isFatal(err) {
				_ = tx.Rollback()
				db.fail(batch, results, err)
				return
			}
			results[i] = err
			continue
		}
		ran++
	}
	start := time.Now()
	if err := tx.Commit(); err != nil {
		db.fail(batch, results, fmt.Errorf("commit write: %w", err))
		return
	}
	db.stats.commits.Add(1)
	db.stats.writes.Add(int64(ran))
	db.log.Trace().Int("writes", ran).Dur("commit", time.Since(start)).Msg("group commit")
	db.committed(batch, results)
}

// commitOne commits a batch with a single live request. It needs no
// savepoint: if fn fails the whole transaction is rolled back, which undoes
// exactly that request. At low load, when most batches are single, this
// saves two statements (SAVEPOINT, RELEASE) per write.
func (db *DB) commitOne(ctx context.Context, tx *sql.Tx, batch []*writeRequest, results []error) {
	i := slices.IndexFunc(results, func(err error) bool { return err == nil })
	if err := protect(tx, batch[i].fn); err != nil {
		_ = tx.Rollback()
		results[i] = err
		answer(batch, results)
		return
	}
	start := time.Now()
	if err := tx.Commit(); err != nil {
		db.fail(batch, results, fmt.Errorf("commit write: %w", err))
		return
	}
	db.stats.commits.Add(1)
	db.stats.writes.Add(1)
	db.log.Trace().Int("writes", 1).Dur("commit", time.Since(start)).Msg("group commit")
	db.committed(batch, results)
}

// fatalError marks a failure that leaves the shared transaction unusable, so
// the whole batch must be rolled back.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

func isFatal(err error) bool {
	_, ok := err.(*fatalError)
	return ok
}

// savepoint runs fn inside SAVEPOINT w. On fn's error (or panic) it rolls
// back to the savepoint and returns fn's error; if the savepoint itself
// cannot be managed the transaction is broken and the error is fatal.
func (db *DB) savepoint(tx *sql.Tx, fn func(*sql.Tx) error) error {
	ctl := cachedTx{tx, db.wstmts} // four statements per write in a group commit: prepared
	if _, err := ctl.Exec("SAVEPOINT w"); err != nil {
		return &fatalError{fmt.Errorf("savepoint: %w", err)}
	}
	err := protect(tx, fn)
	if err == nil {
		if _, rerr := ctl.Exec("RELEASE w"); rerr != nil {
			return &fatalError{fmt.Errorf("release savepoint: %w", rerr)}
		}
		return nil
	}
	if _, rerr := ctl.Exec("ROLLBACK TO w"); rerr != nil {
		return &fatalError{fmt.Errorf("roll back savepoint after %v: %w", err, rerr)}
	}
	if _, rerr := ctl.Exec("RELEASE w"); rerr != nil {
		return &fatalError{fmt.Errorf("release savepoint: %w", rerr)}
	}
	return err
}

// protect turns a panic in fn into an error so that the writer goroutine,
// and every other caller's write, survives it.
func protect(tx *sql.Tx, fn func(*sql.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
	}()
	return fn(tx)
}

// fail answers every request that has no result yet with err.
func (db *DB) fail(batch []*writeRequest, results []error, err error) {
	db.log.Error().Err(err).Int("writes", len(batch)).Msg("group commit failed")
	for i := range results {
		if results[i] == nil {
			results[i] = err
		}
	}
	answer(batch, results)
}

func answer(batch []*writeRequest, results []error) {
	for i, r := range batch {
		r.reply <- results[i]
	}
}
