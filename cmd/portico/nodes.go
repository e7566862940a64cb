package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/postgres"
)

// nodes is what the nodes sharing a PostgreSQL database coordinate
// through (bot/cluster.go): nil on SQLite, where one process serves.
type nodes struct {
	locks    *pgxpool.Pool // the Locker's own pool
	locker   *postgres.Locker
	bus      *postgres.Bus
	leases   *postgres.Leases
	presence *postgres.Presence
	queues   bot.QueueSource // the store, read again when another node's admin edits the queues
}

// openNodes sets up a node's coordination on db's database, or returns nil
// when db is not PostgreSQL.
func (a *App) openNodes(ctx context.Context) (*nodes, error) {
	db, ok := a.DB.(*postgres.DB)
	if !ok {
		return nil, nil
	}
	locks, err := postgres.LockPool(ctx, a.cfg.Postgres.options(), int32(min(a.cfg.Postgres.LockConns, 1<<20)))
	if err != nil {
		return nil, err
	}
	bus, err := postgres.NewBus(ctx, db.Pool(), a.log.With().Str("component", "bus").Logger())
	if err != nil {
		locks.Close()
		return nil, err
	}
	// Leases and presence are this process's, not the name's: two nodes
	// given the same name by mistake must not share a lease.
	var b [4]byte
	_, _ = rand.Read(b[:])
	node := a.cfg.Node + "#" + hex.EncodeToString(b[:])
	return &nodes{
		locks: locks, locker: postgres.NewLocker(locks), bus: bus,
		leases: postgres.NewLeases(db.Pool(), node), presence: postgres.NewPresence(db.Pool(), node), queues: db,
	}, nil
}

// engineDeps adds the nodes' coordination to the engine's dependencies.
func (n *nodes) engineDeps(d *bot.Deps) {
	if n == nil {
		return
	}
	d.Locker, d.Bus, d.Presence, d.Leases = n.locker, n.bus, n.presence, n.leases
	d.Queues = n.queues
}

// senderLeases are the outbox sender's claims on deliveries: nil on one
// node.
func (n *nodes) senderLeases() bot.Leases {
	if n == nil {
		return nil
	}
	return n.leases
}

// holdLease reports whether this node runs the named singleton work now:
// always on one node.
func (a *App) holdLease(ctx context.Context, name string, ttl time.Duration) bool {
	if a.nodes == nil {
		return true
	}
	ok, err := a.nodes.leases.Hold(ctx, name, ttl)
	if err != nil {
		a.log.Warn().Err(err).Str("lease", name).Msg("hold lease")
		return false
	}
	return ok
}

// close releases the lock pool, after every turn ended.
func (n *nodes) close() {
	if n != nil {
		n.locks.Close()
	}
}
