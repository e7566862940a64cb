package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
)

// The audit chain is the one storage/sqlite keeps (docs/storage.md, "The
// audit chain"), hashed alike, so that a chain copied by portico migrate
// still verifies. Appending takes the chain's advisory lock, so that
// nodes appending at once number and chain one after the other.

const (
	auditHashDomain = "portico.audit.v1"
	maxAuditPage    = 1000
	auditLock       = "audit"
)

var genesisHash = make([]byte, sha256.Size)

// AuditError reports the first audit row that breaks the hash chain.
type AuditError struct {
	Seq     int64
	Problem string
}

func (e *AuditError) Error() string { return fmt.Sprintf("audit row %d: %s", e.Seq, e.Problem) }

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
		seq, prev, err = 0, genesisHash, nil
	}
	if err != nil {
		return fmt.Errorf("read audit head: %w", err)
	}
	for i := range events {
		e := &events[i]
		seq++
		e.Seq = seq
		e.At = orNow(e.At)
		e.Hash = auditHash(prev, e)
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

func auditHash(prev []byte, e *bot.AuditEvent) []byte {
	h := sha256.New()
	h.Write(prev)
	writeField(h, []byte(auditHashDomain))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(unixNanos(e.At)))
	h.Write(n[:])
	for _, s := range []string{e.Type, e.Node, e.Source, e.Actor, e.Subject, e.Outcome, e.Detail} {
		writeField(h, []byte(s))
	}
	return h.Sum(nil)
}

func writeField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
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
	prev := genesisHash
	want := int64(1)
	for rows.Next() {
		e, rowPrev, err := scanAudit(rows)
		if err != nil {
			return n, fmt.Errorf("verify audit: %w", err)
		}
		switch {
		case e.Seq != want:
			return n, &AuditError{Seq: e.Seq, Problem: fmt.Sprintf("expected row %d: rows are missing", want)}
		case !bytes.Equal(rowPrev, prev):
			return n, &AuditError{Seq: e.Seq, Problem: "previous hash does not match the row before it"}
		case !bytes.Equal(auditHash(prev, &e), e.Hash):
			return n, &AuditError{Seq: e.Seq, Problem: "hash does not match the row's contents"}
		}
		prev = e.Hash
		want++
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("verify audit: %w", err)
	}
	return n, nil
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
