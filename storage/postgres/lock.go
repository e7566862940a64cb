package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portico-chat/portico/bot"
)

var _ bot.Locker = (*Locker)(nil)

// unlockTimeout bounds giving a conversation's lock back. A connection
// that cannot end its transaction is closed, which releases the lock too.
const unlockTimeout = 5 * time.Second

// DefaultLockConns is the size of the lock pool (LockPool): how many turns
// one node runs at once.
const DefaultLockConns = 32

// Locker is the per-conversation lock of several nodes (bot.Locker): a
// transaction-scoped advisory lock, taken in a transaction of its own that
// lasts the whole turn and is rolled back to release it. If the node dies,
// its connection closes and PostgreSQL releases the lock.
//
// Every lock holds a connection for a turn, so the Locker needs a pool of
// its own (LockPool): on the store's pool, turns holding locks could take
// every connection their own commits need.
type Locker struct {
	pool *pgxpool.Pool
}

// NewLocker returns the locks of pool, which only the Locker uses.
func NewLocker(pool *pgxpool.Pool) *Locker { return &Locker{pool: pool} }

// LockPool opens the pool a Locker needs: the store's URL and timeouts,
// conns connections (DefaultLockConns when 0), and no statement timeout
// (a lock waits for the turn ahead of it).
func LockPool(ctx context.Context, o Options, conns int32) (*pgxpool.Pool, error) {
	o.StatementTimeout = -1
	cfg, err := poolConfig(o)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = DefaultLockConns
	if conns > 0 {
		cfg.MaxConns = conns
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "portico-locks"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open the lock pool: %w", err)
	}
	return pool, nil
}

// Lock waits for a conversation's lock. The key is the conversation's id
// within the schema, so that databases' schemas never share a lock.
func (l *Locker) Lock(ctx context.Context, conversationID string) (func(), error) {
	tx, err := l.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock conversation: %w", err)
	}
	_, err = tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/conversation/' || $1, 0))`,
		conversationID)
	if err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
		defer cancel()
		_ = tx.Rollback(rctx)
		return nil, fmt.Errorf("lock conversation: %w", err)
	}
	return func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
		defer cancel()
		_ = tx.Rollback(rctx) // on failure pgx closes the connection, which releases the lock
	}, nil
}
