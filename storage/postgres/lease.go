package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/portico-chat/portico/bot"
)

var (
	_ bot.Leases   = (*Leases)(nil)
	_ bot.Presence = (*Presence)(nil)
)

// pruneEvery is how many calls pass between deletions of lapsed leases and
// of presence nobody reported for a day.
const pruneEvery = 256

// presenceKept is how long a presence row outlives its last report.
const presenceKept = 24 * time.Hour

// serverNow is the database server's clock in unix nanoseconds: leases
// are measured by it, so the nodes' own clocks need not agree.
const serverNow = `(extract(epoch from clock_timestamp()) * 1000000000)::bigint`

// Leases are held by one node at a time in node_leases (bot.Leases): a
// node takes a lapsed lease, or renews its own; a dead node's lease lapses
// after its ttl and another node takes it over.
type Leases struct {
	pool  *pgxpool.Pool
	node  string
	calls atomic.Int64
}

// NewLeases returns the leases of node.
func NewLeases(pool *pgxpool.Pool, node string) *Leases { return &Leases{pool: pool, node: node} }

// Hold takes or renews a lease for ttl and reports whether node holds it.
func (l *Leases) Hold(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	if l.calls.Add(1)%pruneEvery == 0 {
		if _, err := l.pool.Exec(ctx, `DELETE FROM node_leases WHERE until < `+serverNow); err != nil {
			return false, fmt.Errorf("prune leases: %w", err)
		}
	}
	rows, err := l.pool.Query(ctx, `INSERT INTO node_leases (name, node, until) VALUES ($1, $2, `+serverNow+` + $3)
		ON CONFLICT (name) DO UPDATE SET node = excluded.node, until = excluded.until
		WHERE node_leases.node = excluded.node OR node_leases.until < `+serverNow+`
		RETURNING node`, name, l.node, ttl.Nanoseconds())
	if err != nil {
		return false, fmt.Errorf("hold lease %s: %w", name, err)
	}
	defer rows.Close()
	held := rows.Next()
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("hold lease %s: %w", name, err)
	}
	return held, nil
}

// Presence is who is connected to which node, in node_presence
// (bot.Presence).
type Presence struct {
	pool  *pgxpool.Pool
	node  string
	calls atomic.Int64
}

// NewPresence returns the presence reports of node.
func NewPresence(pool *pgxpool.Pool, node string) *Presence { return &Presence{pool: pool, node: node} }

// Here records keys as connected to this node at at, and returns every key
// any node reported at or after since, with its latest report.
func (p *Presence) Here(ctx context.Context, keys []string, at, since time.Time) (map[string]time.Time, error) {
	if p.calls.Add(1)%pruneEvery == 0 {
		if _, err := p.pool.Exec(ctx, `DELETE FROM node_presence WHERE seen_at < $1`,
			unixNanos(at.Add(-presenceKept))); err != nil {
			return nil, fmt.Errorf("prune presence: %w", err)
		}
	}
	if len(keys) > 0 {
		if _, err := p.pool.Exec(ctx, `INSERT INTO node_presence (key, node, seen_at)
			SELECT k, $2, $3 FROM unnest($1::text[]) AS k
			ON CONFLICT (key, node) DO UPDATE SET seen_at = excluded.seen_at`,
			keys, p.node, unixNanos(at)); err != nil {
			return nil, fmt.Errorf("report presence: %w", err)
		}
	}
	rows, err := p.pool.Query(ctx, `SELECT key, max(seen_at) FROM node_presence WHERE seen_at >= $1 GROUP BY key`,
		unixNanos(since))
	if err != nil {
		return nil, fmt.Errorf("read presence: %w", err)
	}
	defer rows.Close()
	seen := map[string]time.Time{}
	for rows.Next() {
		var key string
		var at int64
		if err := rows.Scan(&key, &at); err != nil {
			return nil, fmt.Errorf("read presence: %w", err)
		}
		seen[key] = fromUnix(at)
	}
	return seen, rows.Err()
}
