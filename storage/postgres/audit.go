package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/internal/auditchain"
)

// The audit chain is the one storage/sqlite keeps (docs/storage.md, "The
// audit chain"), hashed alike, so that a chain copied by portico migrate
// still verifies. Appending takes the chain's advisory lock, so that
// nodes appending at once number and chain one after the other.

const (
	maxAuditPage = 1000
	auditLock    = "audit"
)

// AuditError reports the first audit row that breaks the hash chain.
type AuditError = auditchain.Error

// AppendAudit appends events outside a turn, in one transaction. It sets
// each event's Seq and Hash.
func (db *DB) AppendAudit(ctx context.Context, events ...bot.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	out := make([]bot.AuditEvent, len(events))
	err := db.Write(ctx, func(tx pgx.Tx) error {
		copy(out, events)
		return appendAudit(ctx, tx, out)
	})
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	copy(events, out)
	return nil
}

// appendAudit chains events onto the log inside tx, filling in Seq, Hash
// and a zero At. It holds the chain's lock to the end of tx.
func appendAudit(ctx context.Context, tx pgx.Tx, events []bot.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	if err := lock(ctx, tx, auditLock); err != nil {
		return err
	}
	var (
		seq  int64
		prev []byte
	)
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if errors.Is(err, pgx.ErrNoRows) {
		seq, prev, err = 0, auditchain.Genesis(), nil
	}
	if err != nil {
		return fmt.Errorf("read audit head: %w", err)
	}
	for i := range events {
		e := &events[i]
		seq++
		e.Seq = seq
		e.At = orNow(e.At)
		e.Hash = auditchain.Hash(prev, e)
		if _, err := tx.Exec(ctx, `INSERT INTO audit (`+auditColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			e.Seq, e.Type, unixNanos(e.At), e.Node, e.Source, e.Actor, e.Subject, e.Outcome,
			e.Detail, prev, e.Hash); err != nil {
			return fmt.Errorf("insert audit event: %w", err)
		}
		prev = e.Hash
	}
	return nil
}

const auditColumns = `seq, type, at, node, source, actor, subject, outcome, detail, prev_hash, hash`

// AuditEvents returns up to limit events with seq > afterSeq, in order
// (limit is capped at 1000).
func (db *DB) AuditEvents(ctx context.Context, afterSeq int64, limit int) ([]bot.AuditEvent, error) {
	if limit <= 0 || limit > maxAuditPage {
		limit = maxAuditPage
	}
	return queryAll(ctx, db.pool, "list audit events", scanAuditEvent, `SELECT `+auditColumns+` FROM audit
		WHERE seq > $1 ORDER BY seq LIMIT $2`, afterSeq, limit)
}

// VerifyAudit walks the whole hash chain from the first row and returns how
// many rows verified; the first row that breaks it yields an *AuditError.
func (db *DB) VerifyAudit(ctx context.Context) (n int, err error) {
	rows, err := db.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit ORDER BY seq`)
	if err != nil {
		return 0, fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()
	var chain auditchain.Verifier
	for rows.Next() {
		e, rowPrev, err := scanAudit(rows)
		if err != nil {
			return chain.N, fmt.Errorf("verify audit: %w", err)
		}
		if err := chain.Next(&e, rowPrev); err != nil {
			return chain.N, err
		}
	}
	if err := rows.Err(); err != nil {
		return chain.N, fmt.Errorf("verify audit: %w", err)
	}
	return chain.N, nil
}

func scanAuditEvent(s scanner) (bot.AuditEvent, error) {
	e, _, err := scanAudit(s)
	return e, err
}

func scanAudit(s scanner) (e bot.AuditEvent, prev []byte, err error) {
	var at int64
	err = s.Scan(&e.Seq, &e.Type, &at, &e.Node, &e.Source, &e.Actor, &e.Subject, &e.Outcome,
		&e.Detail, &prev, &e.Hash)
	e.At = fromUnix(at)
	return e, prev, err
}
