package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/internal/auditchain"
)

// maxAuditPage caps one AuditEvents call.
const maxAuditPage = 1000

// AuditError reports the first audit row that breaks the hash chain.
type AuditError = auditchain.Error

// AppendAudit appends events outside a turn (sign-ins, CLI actions), in one
// durable write. It sets each event's Seq and Hash.
func (db *DB) AppendAudit(ctx context.Context, events ...bot.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	out := make([]bot.AuditEvent, len(events))
	copy(out, events)
	err := db.Write(ctx, func(tx *sql.Tx) error { return appendAudit(tx, out) })
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	copy(events, out)
	return nil
}

// appendAudit chains events onto the log inside tx, filling in Seq, Hash and
// a zero At. The head is read from the table itself, so it is right however
// the savepoints around it commit or roll back.
func appendAudit(tx dbtx, events []bot.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	var (
		seq  int64
		prev []byte
	)
	err := tx.QueryRow(`SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if errors.Is(err, sql.ErrNoRows) {
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
		if _, err := tx.Exec(`INSERT INTO audit (seq, type, at, node, source, actor, subject,
			outcome, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
	rows, err := db.reader.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit
		WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	var events []bot.AuditEvent
	for rows.Next() {
		e, _, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("list audit events: %w", err)
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	return events, nil
}

// VerifyAudit walks the whole hash chain from the first row and returns how
// many rows verified. The first row that was changed, inserted or removed
// out of order yields an *AuditError naming it. (Rows cut off the end leave
// a shorter valid chain: compare n with an earlier count to see that.)
func (db *DB) VerifyAudit(ctx context.Context) (n int, err error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit ORDER BY seq`)
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

func scanAudit(s scanner) (e bot.AuditEvent, prev []byte, err error) {
	var at int64
	err = s.Scan(&e.Seq, &e.Type, &at, &e.Node, &e.Source, &e.Actor, &e.Subject, &e.Outcome,
		&e.Detail, &prev, &e.Hash)
	e.At = time.Unix(0, at).UTC()
	return e, prev, err
}
