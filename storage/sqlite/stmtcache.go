package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds a statement cache. The hot statements are a dozen
// constant strings; the bound only guards against a caller that would build
// SQL text dynamically (which then just runs unprepared).
const maxCachedStmts = 96

// dbtx is what the write helpers need of a transaction: a *sql.Tx, or a
// cachedTx that runs the same statements through prepared ones.
type dbtx interface {
	Exec(query string, args ...any) (sql.Result, error)
	QueryRow(query string, args ...any) *sql.Row
}

// stmtCache keeps statements prepared on one *sql.DB, by their SQL text.
// SQLite parses and plans a statement on every unprepared Exec or Query;
// for the turn's hot statements that was a fifth of the server's CPU, most
// of it in the single writer goroutine, whose serial time bounds turns/s.
// database/sql prepares a *sql.Stmt on each connection it is used on and
// keeps it there, so one cache serves the reader pool's connections, and
// tx.Stmt reuses a statement already prepared on the transaction's
// connection.
//
// The writer has one connection, held by the transaction while a write
// runs: preparing then would wait for that connection forever. Its cache is
// lazy: a statement not yet prepared runs unprepared and is noted, and the
// writer goroutine prepares the noted ones between transactions (prepare).
type stmtCache struct {
	db     *sql.DB
	lazy   bool
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	missed map[string]struct{} // lazy: to prepare after the transaction

	// The statements bound to the current write transaction (tx.Stmt), so
	// that the writes of one group commit bind each statement once.
	tx      *sql.Tx
	txStmts map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB, lazy bool) *stmtCache {
	return &stmtCache{db: db, lazy: lazy, stmts: map[string]*sql.Stmt{}, missed: map[string]struct{}{}}
}

// get returns the prepared statement for query, or nil when there is none
// (yet): the cache is full, the statement could not be prepared, or, in a
// lazy cache, it is noted for prepare. The caller then runs query
// unprepared, and gets any error from there.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok {
		return s
	}
	if len(c.stmts)+len(c.missed) >= maxCachedStmts {
		return nil
	}
	if c.lazy {
		c.missed[query] = struct{}{}
		return nil
	}
	// Prepared without the lock: it waits for a free connection, and the
	// goroutines holding them may be asking the cache too.
	c.mu.Unlock()
	s, err := c.db.PrepareContext(ctx, query)
	c.mu.Lock()
	if err != nil {
		return nil
	}
	if had, ok := c.stmts[query]; ok { // prepared meanwhile by another caller
		s.Close()
		return had
	}
	c.stmts[query] = s
	return s
}

// prepare prepares the statements a lazy cache noted. The writer goroutine
// calls it with no transaction open. A statement that fails to prepare is
// not retried (it runs unprepared, as before).
func (c *stmtCache) prepare(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q := range c.missed {
		if s, err := c.db.PrepareContext(ctx, q); err == nil {
			c.stmts[q] = s
		} else {
			c.stmts[q] = nil
		}
		delete(c.missed, q)
	}
}

// pending reports whether prepare has work.
func (c *stmtCache) pending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.missed) > 0
}

// close closes every statement; the cache must not be used afterwards.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.stmts {
		if s != nil {
			s.Close()
		}
		delete(c.stmts, q)
	}
	c.tx, c.txStmts = nil, nil
}

// queryRow runs a single-row query through the cache.
func (c *stmtCache) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if s := c.get(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

// query runs a query through the cache.
func (c *stmtCache) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := c.get(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

// inTx returns query's statement bound to tx, or nil when it has none (yet).
func (c *stmtCache) inTx(tx *sql.Tx, query string) *sql.Stmt {
	c.mu.Lock()
	if c.tx != tx {
		c.tx, c.txStmts = tx, map[string]*sql.Stmt{}
	}
	if s, ok := c.txStmts[query]; ok {
		c.mu.Unlock()
		return s
	}
	c.mu.Unlock()
	s := c.get(context.Background(), query)
	if s == nil {
		return nil
	}
	s = tx.Stmt(s) // closed with tx
	c.mu.Lock()
	if c.tx == tx {
		c.txStmts[query] = s
	}
	c.mu.Unlock()
	return s
}

// cachedTx runs a write transaction's statements through the writer's
// cache: tx.Stmt finds the statement already prepared on the transaction's
// connection (the writer's only one) and reuses it.
type cachedTx struct {
	*sql.Tx
	c *stmtCache
}

// Exec runs query in the transaction, prepared.
func (t cachedTx) Exec(query string, args ...any) (sql.Result, error) {
	if s := t.c.inTx(t.Tx, query); s != nil {
		return s.Exec(args...)
	}
	return t.Tx.Exec(query, args...)
}

// QueryRow runs a single-row query in the transaction, prepared.
func (t cachedTx) QueryRow(query string, args ...any) *sql.Row {
	if s := t.c.inTx(t.Tx, query); s != nil {
		return s.QueryRow(args...)
	}
	return t.Tx.QueryRow(query, args...)
}
