package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"time"

	"github.com/portico-chat/portico/bot"
)

// auditHashDomain starts every row's hash input, so the encoding can change
// later (v2) without old and new rows ever hashing alike.
const auditHashDomain = "portico.audit.v1"

// genesisHash is the previous hash of the first row.
var genesisHash = make([]byte, sha256.Size)

// maxAuditPage caps one AuditEvents call.
const maxAuditPage = 1000

// AuditError reports the first audit row that breaks the hash chain.
type AuditError struct {
	Seq     int64  // the offending row
	Problem string // what is wrong with it
}

func (e *AuditError) Error() string {
	return fmt.Sprintf("audit row %d: %s", e.Seq, e.Problem)
}

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

// auditHash is SHA-256(prev || canonical encoding of e): every field,
// length-prefixed, in a fixed order, so no two different rows encode alike.
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

func scanAudit(s scanner) (e bot.AuditEvent, prev []byte, err error) {
	var at int64
	err = s.Scan(&e.Seq, &e.Type, &at, &e.Node, &e.Source, &e.Actor, &e.Subject, &e.Outcome,
		&e.Detail, &prev, &e.Hash)
	e.At = time.Unix(0, at).UTC()
	return e, prev, err
}
